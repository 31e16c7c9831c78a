#include "app/rampart/topology.h"

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "app/rampart/arp_wiring.h"
#include "classify/classify_stage.h"
#include "dns/dns_stage.h"
#include "forward/forward_stage.h"
#include "tx/tx_stage.h"

namespace rampart::app {

using core::StageId;

namespace {

std::vector<LcoreSettings> effective_plan(const AppState& app) {
  if (!app.cfg.pipeline.lcores.empty()) return app.cfg.pipeline.lcores;
  // No plan: run to completion on the first worker lcore, polling queue 0 of every port.
  const unsigned worker = rte_get_next_lcore(-1, 1, 0);
  if (worker >= RTE_MAX_LCORE)
    throw std::runtime_error("no worker lcore: give EAL at least two lcores (e.g. -l 0-1)");
  LcoreSettings l;
  l.lcore = worker;
  for (const auto& p : app.cfg.ports) l.rx.emplace_back(p.name, 0);
  for (size_t s = 0; s < core::kStageCount; ++s) l.stages.push_back(static_cast<StageId>(s));
  return {l};
}

// A port nobody polls at all is a TX-only port: its one configured RX queue is left alone.
bool plan_polls_nothing_of(const std::vector<LcoreSettings>& plan, const std::string& port) {
  for (const auto& l : plan)
    for (const auto& rx : l.rx)
      if (rx.first == port) return false;
  return true;
}

bool runs(const LcoreSettings& l, StageId s) {
  return std::find(l.stages.begin(), l.stages.end(), s) != l.stages.end();
}

forward::ForwardConfig forward_config(const AppState& app, StageId s) {
  forward::ForwardConfig fc;
  const PathPolicy& pp = app.cfg.paths.at(s);
  fc.policy = pp.policy;
  fc.reflect_swap_mac = pp.reflect_swap_mac;
  for (const auto& p : app.ports)
    if (!p.settings->peer.empty()) fc.peer[p.id] = app.port_by_name(p.settings->peer)->id;
  return fc;
}

}  // namespace

std::string describe_runner(const core::LcoreRunner& r) {
  std::string out;
  for (size_t s = 0; s < core::kStageCount; ++s)
    if (r.local_stage(static_cast<StageId>(s)))
      out += (out.empty() ? "" : ",") + std::string(core::kStageNames[s]);
  return out;
}

void build_topology(AppState& app) {
  const std::vector<LcoreSettings> plan = effective_plan(app);
  const unsigned main_lcore = rte_get_main_lcore();
  for (const auto& l : plan) {
    if (l.lcore == main_lcore)
      throw std::runtime_error("pipeline lcore " + std::to_string(l.lcore) +
                               " is the main lcore, which runs the control plane; use a worker lcore");
    if (!rte_lcore_is_enabled(l.lcore))
      throw std::runtime_error("pipeline lcore " + std::to_string(l.lcore) +
                               " is not enabled in EAL (see -l / [eal] lcores)");
  }

  // Queue counts: RX from the highest queue polled, TX one per lcore that runs the TX stage.
  uint16_t tx_lcores = 0;
  for (const auto& l : plan) tx_lcores += runs(l, StageId::tx) ? 1 : 0;
  for (auto& p : app.ports) {
    p.nb_rxq = 1;
    p.nb_txq = std::max<uint16_t>(1, tx_lcores);
  }
  for (const auto& l : plan)
    for (const auto& rx : l.rx) {
      auto it = std::find_if(app.ports.begin(), app.ports.end(),
                             [&](const PortRuntime& p) { return p.settings->name == rx.first; });
      it->nb_rxq = std::max<uint16_t>(it->nb_rxq, rx.second + 1);
    }

  // Every RX queue up to the highest one polled receives traffic (RSS spreads flows over all of
  // them), so each must have a poller or its flows would be lost silently.
  for (const auto& p : app.ports)
    for (uint16_t q = 0; q < p.nb_rxq; ++q) {
      const bool polled = std::any_of(plan.begin(), plan.end(), [&](const LcoreSettings& l) {
        return std::any_of(l.rx.begin(), l.rx.end(), [&](const auto& rx) {
          return rx.first == p.settings->name && rx.second == q;
        });
      });
      if (!polled && !plan_polls_nothing_of(plan, p.settings->name))
        throw std::runtime_error("port " + p.settings->name + ": RX queue " + std::to_string(q) +
                                 " is polled by no lcore (give every queue below the highest one an lcore)");
    }
  for (const auto& l : plan)
    if (runs(l, StageId::classify) && l.rx.empty())
      spdlog::warn("lcore {} runs classify but polls no RX queue: it will see no packets", l.lcore);

  const uint64_t drain_tsc = rte_get_tsc_hz() / 1000000 * app.cfg.pipeline.drain_us;
  uint16_t tx_queue = 0;
  bool first_arp = true;
  build_arp(app);
  std::map<unsigned, core::LcoreRunner*> by_lcore;
  if (app.cfg.capture_clock()) {
    app.capture_clock = std::make_unique<core::CaptureClock>(rte_get_tsc_hz(), rte_rdtsc());
    if (!app.capture_clock->init()) {
      app.capture_clock.reset();
      // net_pcap registers the RX timestamp field when it is probed; a driver that does not
      // stamps nothing, and packet time can only be the TSC.
      if (app.cfg.pipeline.clock == "capture")
        throw std::runtime_error("[pipeline] clock = \"capture\": the ports' driver stamps no capture time");
      spdlog::warn("the ports' driver stamps no capture time: packet time is the TSC");
    }
  }
  for (const auto& l : plan) {
    auto runner = std::make_unique<core::LcoreRunner>(l.lcore, app.cfg.pipeline.burst, drain_tsc);
    runner->set_wait_on_full_rings(app.cfg.wait_on_full_rings());
    runner->set_capture_clock(app.capture_clock.get());
    for (const auto& [name, q] : l.rx) runner->add_rx_queue(app.port_by_name(name)->id, q);
    for (StageId s : l.stages) {
      switch (s) {
        case StageId::classify:
          runner->set_local_stage(std::make_unique<classify::ClassifyStage>(app.cfg.classify));
          break;
        case StageId::dns:
          if (app.cfg.dns_observe)
            runner->set_local_stage(std::make_unique<dns::DnsStage>(app.cfg.dns, forward_config(app, s),
                                                                    rte_get_tsc_hz()));
          else
            runner->set_local_stage(std::make_unique<forward::ForwardStage>(s, forward_config(app, s)));
          break;
        case StageId::arp:
          runner->set_local_stage(make_arp_stage(app, forward_config(app, s), first_arp));
          first_arp = false;
          break;
        case StageId::tcp:
          runner->set_local_stage(std::make_unique<forward::ForwardStage>(s, forward_config(app, s)));
          break;
        case StageId::other:
          runner->set_local_stage(make_other_stage(app, forward_config(app, s)));
          break;
        case StageId::tx: {
          std::vector<tx::TxQueue> queues;
          for (const auto& p : app.ports) queues.push_back({p.id, tx_queue});
          ++tx_queue;
          runner->set_local_stage(std::make_unique<tx::TxStage>(queues, app.cfg.pipeline.burst));
          break;
        }
        default:
          break;
      }
    }
    by_lcore[l.lcore] = runner.get();
    app.runners.push_back(std::move(runner));
  }

  // Rings: a stage instance on lcore Y gets one input ring if any other lcore may send to it,
  // i.e. runs an earlier stage without running this one itself.
  for (size_t si = 1; si < core::kStageCount; ++si) {
    const auto s = static_cast<StageId>(si);
    std::vector<const LcoreSettings*> producers;
    for (const auto& l : plan) {
      if (runs(l, s)) continue;
      const bool upstream = std::any_of(l.stages.begin(), l.stages.end(),
                                        [&](StageId t) { return core::index(t) < si; });
      if (upstream) producers.push_back(&l);
    }
    if (producers.empty()) continue;
    for (const auto& l : plan) {
      if (!runs(l, s)) continue;
      const std::string name = "r_" + std::string(core::to_string(s)) + "_" + std::to_string(l.lcore);
      const unsigned flags = RING_F_SC_DEQ | (producers.size() == 1 ? RING_F_SP_ENQ : 0);
      rte_ring* ring = rte_ring_create(name.c_str(), app.cfg.pipeline.ring_size,
                                       static_cast<int>(rte_lcore_to_socket_id(l.lcore)), flags);
      if (!ring) throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
      app.rings.push_back(ring);
      by_lcore[l.lcore]->add_input_ring(ring, s);
      for (const auto* prod : producers) by_lcore[prod->lcore]->add_remote_instance(s, ring);
    }
    // Only a datagram's first fragment carries ports: with reassembly on, DNS instances are picked
    // by addresses, so every fragment of a response reaches the instance holding its query.
    if (s == StageId::dns && app.cfg.dns_observe && app.cfg.dns.ip_frag_entries > 0)
      for (const auto* prod : producers) by_lcore[prod->lcore]->steer_by_addresses(s);
  }

  for (const auto& r : app.runners)
    spdlog::info("lcore {}: stages {}, {} RX queue(s)", r->lcore_id(), describe_runner(*r),
                 r->rx_queues().size());
}

}  // namespace rampart::app

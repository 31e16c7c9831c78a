#include "app/rampart/commands.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>

#include "app/rampart/telemetry.h"
#include "app/rampart/topology.h"

namespace rampart::app {

using core::StageId;
using json::Value;

namespace {

std::string mac_text(const rte_ether_addr& a) {
  char buf[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_format_addr(buf, sizeof(buf), &a);
  return buf;
}

std::string lcores_of(const AppState& app, StageId s) {
  std::string out;
  for (const auto& r : app.runners)
    if (r->local_stage(s)) out += (out.empty() ? "" : ",") + std::to_string(r->lcore_id());
  return out;
}

Value info(const AppState& app) {
  Value v = Value::object();
  v.set("version", app.version);
  v.set("pid", static_cast<uint64_t>(getpid()));
  v.set("uptime_s", static_cast<uint64_t>(std::time(nullptr) - app.start_unix));
  v.set("config", app.cfg.path);
  v.set("main_lcore", static_cast<uint64_t>(rte_get_main_lcore()));
  v.set("tsc_hz", static_cast<uint64_t>(rte_get_tsc_hz()));
  Value lcores = Value::object();
  for (const auto& r : app.runners) {
    std::string rx;
    for (const auto& [port, q] : r->rx_queues()) {
      if (!rx.empty()) rx += ',';
      rx += app.port_name(port) + ":" + std::to_string(q);
    }
    lcores.set(std::to_string(r->lcore_id()),
               "stages=" + describe_runner(*r) + (rx.empty() ? "" : " rx=" + rx));
  }
  v.set("lcores", std::move(lcores));
  // What a full ring between lcores does here ([pipeline] full_ring resolved).
  v.set("full_ring", app.cfg.wait_on_full_rings() ? "wait" : "drop");
  v.set("clock", app.capture_clock ? "capture" : "tsc");
  Value stages = Value::object();
  for (size_t s = 0; s < core::kStageCount; ++s) {
    const auto id = static_cast<StageId>(s);
    std::string desc = "lcores=" + lcores_of(app, id);
    if (app.cfg.paths.count(id))
      desc += " policy=" + std::string(forward::to_string(app.cfg.paths.at(id).policy));
    stages.set(std::string(core::to_string(id)), desc);
  }
  v.set("stages", std::move(stages));
  Value ports = Value::object();
  for (const auto& p : app.ports) {
    std::string desc = "port " + std::to_string(p.id) + " " + p.settings->driver + " rxq=" +
                       std::to_string(p.nb_rxq) + " txq=" + std::to_string(p.nb_txq) +
                       " mac=" + mac_text(p.mac);
    if (!p.settings->peer.empty()) desc += " peer=" + p.settings->peer;
    ports.set(p.settings->name, desc);
  }
  v.set("ports", std::move(ports));
  return v;
}

Value stats(const AppState& app) {
  Value v = Value::object();
  uint64_t rx = 0, tx = 0, rx_bytes = 0, tx_bytes = 0, missed = 0;
  Value port_entries = Value::object();
  for (const auto& p : app.ports) {
    rte_eth_stats st{};
    rte_eth_stats_get(p.id, &st);
    Value e = Value::object();
    e.set("port_id", static_cast<uint64_t>(p.id));
    e.set("rx_packets", st.ipackets);
    e.set("rx_bytes", st.ibytes);
    e.set("tx_packets", st.opackets);
    e.set("tx_bytes", st.obytes);
    e.set("rx_missed", st.imissed);
    e.set("rx_errors", st.ierrors);
    e.set("rx_nombuf", st.rx_nombuf);
    e.set("tx_errors", st.oerrors);
    rx += st.ipackets;
    tx += st.opackets;
    rx_bytes += st.ibytes;
    tx_bytes += st.obytes;
    missed += st.imissed;
    port_entries.set("port_" + p.settings->name, std::move(e));
  }
  uint64_t drops = 0;
  const auto by_reason = total_drops(app);
  for (size_t r = 1; r < by_reason.size(); ++r) drops += by_reason[r];  // as /rampart/drops lists them
  Value totals = Value::object();
  totals.set("rx_packets", rx);
  totals.set("tx_packets", tx);
  totals.set("rx_bytes", rx_bytes);
  totals.set("tx_bytes", tx_bytes);
  totals.set("drops", drops);
  totals.set("rx_missed", missed);
  v.set("totals", std::move(totals));
  for (auto& [k, e] : port_entries.as_object()) v.set(k, std::move(e));

  for (size_t s = 0; s < core::kStageCount; ++s) {
    const auto id = static_cast<StageId>(s);
    uint64_t in = 0, out = 0, dr = 0;
    std::map<std::string, uint64_t> extra;
    std::vector<std::string> order;
    for (const auto& r : app.runners) {
      const auto& c = r->counters().stage[s];
      in += c.in.load();
      out += c.out.load();
      dr += c.drops.load();
      if (const core::Stage* st = r->local_stage(id))
        st->visit_counters([&](std::string_view name, uint64_t value) {
          auto [it, fresh] = extra.emplace(std::string(name), 0);
          if (fresh) order.push_back(it->first);
          it->second += value;
        });
    }
    Value e = Value::object();
    e.set("in", in);
    e.set("out", out);
    e.set("drops", dr);
    for (const auto& k : order) e.set(k, extra[k]);
    v.set("stage_" + std::string(core::to_string(id)), std::move(e));
  }
  return v;
}

Value drops(const AppState& app) {
  Value v = Value::object();
  const auto d = total_drops(app);
  for (size_t r = 1; r < core::kDropReasonCount; ++r)
    v.set(std::string(core::to_string(static_cast<core::DropReason>(r))), d[r]);
  return v;
}

Value lcores(const AppState& app) {
  Value v = Value::object();
  for (const auto& r : app.runners) {
    const auto& c = r->counters();
    const uint64_t busy = c.busy_polls.load(), idle = c.idle_polls.load();
    const uint64_t pkts = c.packets.load(), cycles = c.busy_cycles.load();
    Value e = Value::object();
    e.set("stages", describe_runner(*r));
    e.set("busy_polls", busy);
    e.set("idle_polls", idle);
    e.set("waiting_polls", c.waiting_polls.load());
    e.set("busy_pct", busy + idle ? busy * 100 / (busy + idle) : uint64_t{0});
    e.set("packets", pkts);
    e.set("busy_cycles", cycles);
    e.set("cycles_per_packet", pkts ? cycles / pkts : uint64_t{0});
    // Robust to preemption of the lcore's thread (see core::PollCostHistogram).
    e.set("cycles_per_packet_p50", c.poll_cost.quantile(0.5));
    e.set("cycles_per_packet_p99", c.poll_cost.quantile(0.99));
    v.set("lcore_" + std::to_string(r->lcore_id()), std::move(e));
  }
  return v;
}

Value mempool(const AppState& app) {
  Value v = Value::object();
  v.set("name", std::string(app.pool->name));
  v.set("size", static_cast<uint64_t>(app.pool->size));
  v.set("in_use", static_cast<uint64_t>(rte_mempool_in_use_count(app.pool)));
  v.set("available", static_cast<uint64_t>(rte_mempool_avail_count(app.pool)));
  v.set("in_use_at_start", static_cast<uint64_t>(app.mbufs_in_use_at_start));
  v.set("in_use_at_exit", static_cast<int64_t>(app.mbufs_in_use_at_exit.load()));
  return v;
}

}  // namespace

std::array<uint64_t, core::kDropReasonCount> total_drops(const AppState& app) {
  std::array<uint64_t, core::kDropReasonCount> out{};
  for (const auto& r : app.runners)
    for (size_t i = 0; i < core::kDropReasonCount; ++i) out[i] += r->counters().drops[i].load();
  return out;
}

void register_core_commands(AppState& app) {
  auto& reg = TelemetryRegistry::instance();
  reg.add({"/rampart/info", "Version, lcores and the stages they run, ports. No parameters", false,
           [&app](std::string_view) { return info(app); }});
  reg.add({"/rampart/stats", "Per-port RX/TX, per-stage in/out/drops, totals. No parameters", false,
           [&app](std::string_view) { return stats(app); }});
  reg.add({"/rampart/drops", "Dropped packets by reason. No parameters", false,
           [&app](std::string_view) { return drops(app); }});
  reg.add({"/rampart/lcores", "Per-lcore busy vs idle polls and cycles per packet. No parameters",
           false, [&app](std::string_view) { return lcores(app); }});
  reg.add({"/rampart/mempool", "Packet buffer pool use (in_use returns to in_use_at_start). No parameters",
           false, [&app](std::string_view) { return mempool(app); }});
}

}  // namespace rampart::app

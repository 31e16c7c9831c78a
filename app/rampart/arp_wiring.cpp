#include "app/rampart/arp_wiring.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "arp/arp_stage.h"
#include "arp/echo_stage.h"
#include "arp/link_watch.h"

namespace rampart::app {

void build_arp(AppState& app) {
  for (const auto& p : app.ports) {
    arp::PortAddresses& a = app.arp_addresses.port(p.id);
    a.mac = p.settings->mac.value_or(p.mac);
    for (const auto& addr : p.settings->ipv4) a.add(addr);
  }
  if (!app.arp_scans)
    app.arp_scans = std::make_unique<arp::ScanEngine>(rte_get_tsc_hz(), 32u - app.cfg.arp.scan_max_prefix);
}

std::unique_ptr<core::Stage> make_arp_stage(const AppState& app, const core::ForwardConfig& fwd,
                                            bool first) {
  arp::ArpStageParams p;
  p.cfg = app.cfg.arp;
  p.forward = fwd;
  p.addresses = &app.arp_addresses;
  for (const auto& port : app.ports) p.ports.push_back(port.id);  // addresses may come later
  p.pool = app.pool;
  p.tsc_hz = rte_get_tsc_hz();
  p.scans = app.arp_scans.get();
  p.announce = first;
  return std::make_unique<arp::ArpStage>(p);
}

namespace {

// Short enough that neighbours hear from us within a fraction of a second of the link coming
// back; a poll costs an ioctl (net_tap) or a register read (NICs) per port.
constexpr auto kLinkPollInterval = std::chrono::milliseconds(200);

void link_watch(AppState* app) {
  arp::LinkWatch watch;
  for (;;) {
    // Stops when shutdown begins (RX stops), well before stop_ports() closes the devices.
    if (app->control.state.load() != core::RunState::running) return;
    for (const auto& p : app->ports) {
      rte_eth_link link{};
      if (rte_eth_link_get_nowait(p.id, &link) != 0) continue;
      const bool up = link.link_status == RTE_ETH_LINK_UP;
      if (watch.update(p.id, up)) {
        app->arp_addresses.port(p.id).request_announce();
        spdlog::info("arp: link of {} is up again; announcing its addresses", p.settings->name);
      }
    }
    std::this_thread::sleep_for(kLinkPollInterval);
  }
}

}  // namespace

void start_arp_link_watch(AppState& app) {
  if (app.stages_of<arp::ArpStage>(core::StageId::arp).empty()) return;  // nobody to announce
  app.control_threads.emplace_back(link_watch, &app);
}

std::unique_ptr<core::Stage> make_other_stage(const AppState& app, const core::ForwardConfig& fwd) {
  return std::make_unique<arp::EchoStage>(fwd, &app.arp_addresses, app.cfg.arp.reply_per_port,
                                          rte_get_tsc_hz());
}

}  // namespace rampart::app

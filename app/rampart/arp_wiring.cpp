#include "app/rampart/arp_wiring.h"

#include <rte_cycles.h>

#include "arp/arp_stage.h"
#include "arp/echo_stage.h"

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

std::unique_ptr<core::Stage> make_other_stage(const AppState& app, const core::ForwardConfig& fwd) {
  return std::make_unique<arp::EchoStage>(fwd, &app.arp_addresses, app.cfg.arp.reply_per_port,
                                          rte_get_tsc_hz());
}

}  // namespace rampart::app

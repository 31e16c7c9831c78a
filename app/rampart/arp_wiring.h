// Start-up wiring of the ARP stage: the address book (config addresses, MAC override or the
// device's MAC), the shared scan engine, one ArpStage per lcore that runs the arp stage, and the
// link watcher that has the stage announce a port's addresses again when its link comes back.
#pragma once

#include <memory>

#include "app/rampart/app_state.h"
#include "core/stage.h"

namespace rampart::app {

// After resolve_ports() (device MACs known), before the stages are built.
void build_arp(AppState& app);

// The ARP stage for one lcore; `first` is true for exactly one instance (it announces our
// addresses, so each gratuitous ARP goes out once).
std::unique_ptr<core::Stage> make_arp_stage(const AppState& app, const core::ForwardConfig& fwd,
                                            bool first);

// After the ports have started (when an ARP stage runs): a control thread that polls every port's
// link (rte_eth_link_get_nowait) and, when one comes back up, has the ARP stage announce that
// port's addresses again. It returns when shutdown begins.
void start_arp_link_watch(AppState& app);

// The `other` path's stage: answers ICMP echo for our addresses, forwards the rest by policy.
std::unique_ptr<core::Stage> make_other_stage(const AppState& app, const core::ForwardConfig& fwd);

}  // namespace rampart::app

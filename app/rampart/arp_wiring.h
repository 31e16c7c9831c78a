// Start-up wiring of the ARP stage: the address book (config addresses, MAC override or the
// device's MAC), the shared scan engine, and one ArpStage per lcore that runs the arp stage.
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

// The `other` path's stage: answers ICMP echo for our addresses, forwards the rest by policy.
std::unique_ptr<core::Stage> make_other_stage(const AppState& app, const core::ForwardConfig& fwd);

}  // namespace rampart::app

// The /rampart/arp/{table,events,stats,add_address} telemetry commands, merged over every lcore that runs the
// ARP stage, and the control-plane logger of ARP events (rate-limited; the data plane never logs).
#pragma once

#include "app/rampart/app_state.h"
#include "common/json.h"

namespace rampart::app {

void register_arp_commands(AppState& app);

// The answers, also used by tests.
inline constexpr size_t kArpTableMaxRows = 64;   // keeps one answer well under 16 KB
inline constexpr size_t kArpEventsMaxRows = 64;
json::Value arp_table(const AppState& app);
json::Value arp_events(const AppState& app);
json::Value arp_stats(const AppState& app);
// "<port>,<address>/<prefix>[,<vlan>]": appends an address (the ARP stage announces it).
json::Value arp_add_address(AppState& app, std::string_view params);

}  // namespace rampart::app

// The /rampart/arp/{table,events,stats,add_address} telemetry commands, merged over every lcore
// that runs the ARP stage, and the control-plane threads of the ARP stage: the logger of ARP
// events (rate-limited, arp/event_logger.h; the data plane never logs) and the link watcher
// (arp_wiring.h).
#pragma once

#include "app/rampart/app_state.h"
#include "common/json.h"

namespace rampart::app {

void register_arp_commands(AppState& app);

// The answers, also used by tests.
inline constexpr size_t kArpTableMaxRows = 64;   // per page: keeps one answer well under 16 KB
inline constexpr size_t kArpEventsMaxRows = 64;
// params "" (the first page) or "<offset>,<count>".
json::Value arp_table(const AppState& app, std::string_view params = {});
json::Value arp_events(const AppState& app);
json::Value arp_stats(const AppState& app);
// "<port>,<address>/<prefix>[,<vlan>]": appends an address (the ARP stage announces it).
json::Value arp_add_address(AppState& app, std::string_view params);

}  // namespace rampart::app

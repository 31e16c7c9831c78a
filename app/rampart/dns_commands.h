// The /rampart/dns/... telemetry commands: statistics, top-N lists and alerts of the DNS stage,
// summed (or merged) over every lcore that runs it.
#pragma once

#include "app/rampart/app_state.h"
#include "common/json.h"

namespace rampart::app {

void register_dns_commands(AppState& app);

// The answers, also used by tests.
json::Value dns_stats(const AppState& app);
// `params`: "names|domains|clients|nxdomain[,N]" (N: 1..1000, default 10). An answer holds at
// most kDnsTopMaxShown entries (DPDK arrays hold 512) and kAnswerBudgetBytes of them.
inline constexpr size_t kDnsTopMaxShown = 500;
json::Value dns_top(const AppState& app, std::string_view params);
// Active alerts merged over lcores (same kind and key: rates and evidence summed, earliest start).
// Per answer at most this many alerts (about 500 bytes each on the socket, under DPDK's 16 KB).
inline constexpr uint64_t kDnsAlertsMaxRows = 24;
json::Value dns_alerts(const AppState& app, std::string_view params = {});

}  // namespace rampart::app

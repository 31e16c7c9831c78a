// `rampartctl rates [SECONDS]`: Rampart's counters are cumulative since start; an operator wants
// per-second rates. Two readings of /rampart/stats SECONDS apart, and the change per second of
// every counter in them.
#pragma once

#include <chrono>

#include "common/json.h"
#include "common/telemetry_client.h"

namespace rampart::ctl {

// Per second, (later - earlier) / seconds for every non-negative integer present at the same place
// (top level, or one object down) in both; a counter that went backwards (a restart) gives 0.
// Identifiers (keys ending in "_id") and other values are left out, and so is an object that
// ends up empty. Rounded to whole units. A gauge (a table's size) shows its change per second.
json::Value per_second(const json::Value& earlier, const json::Value& later, double seconds);

// The conversation: read /rampart/stats, wait `interval`, read it again, print the rates (or JSON).
// Returns the exit status.
int run_rates(telemetry::Client& client, std::chrono::milliseconds interval, bool json);

}  // namespace rampart::ctl

// The /rampart/... commands of the foundation: info, stats, drops, lcores, mempool, config.
#pragma once

#include "app/rampart/app_state.h"

namespace rampart::app {

void register_core_commands(AppState& app);

// Sum over lcores of the drop counters, by reason.
std::array<uint64_t, core::kDropReasonCount> total_drops(const AppState& app);

}  // namespace rampart::app

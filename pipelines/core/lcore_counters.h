// Counters owned by one worker lcore. Only that lcore writes them; the control plane sums them
// over lcores when telemetry asks. Cache-aligned so two lcores never share a line.
#pragma once

#include <rte_common.h>

#include <array>

#include "core/counter.h"
#include "core/drop_reason.h"
#include "core/stage_id.h"

namespace rampart::core {

struct StageCounters {
  Counter in;     // packets handed to the stage
  Counter out;    // packets it passed on (to a stage or a port)
  Counter drops;  // packets it dropped (by reason in LcoreCounters::drops)
};

struct alignas(RTE_CACHE_LINE_SIZE) LcoreCounters {
  Counter busy_polls;   // loop iterations that moved at least one packet
  Counter idle_polls;   // iterations that found nothing
  Counter busy_cycles;  // TSC cycles spent in busy iterations
  Counter packets;      // packets taken in (RX and rings)
  std::array<StageCounters, kStageCount> stage{};
  std::array<Counter, kDropReasonCount> drops{};
};

}  // namespace rampart::core

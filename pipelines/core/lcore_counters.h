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

// Distribution of the cost of busy loop iterations in cycles per packet. The mean
// (busy_cycles / packets) absorbs every preemption of the lcore's thread, milliseconds at a time
// on a shared host; the median of this histogram does not.
struct PollCostHistogram {
  static constexpr uint32_t kStep = 2;      // cycles per bucket
  static constexpr uint32_t kBuckets = 512;  // up to 1022 cycles/packet; the last one is "more"
  std::array<Counter, kBuckets> bucket{};

  void record(uint64_t cycles_per_packet) {
    const uint64_t b = cycles_per_packet / kStep;
    bucket[b < kBuckets ? b : kBuckets - 1].add(1);
  }
  // The value below which `q` of the recorded iterations fall (0 when empty).
  uint64_t quantile(double q) const {
    uint64_t total = 0;
    for (const auto& c : bucket) total += c.load();
    if (total == 0) return 0;
    const auto target = static_cast<uint64_t>(q * static_cast<double>(total));
    uint64_t seen = 0;
    for (uint32_t i = 0; i < kBuckets; ++i) {
      seen += bucket[i].load();
      if (seen > target) return uint64_t{i} * kStep + kStep / 2;
    }
    return uint64_t{kBuckets} * kStep;
  }
};

struct alignas(RTE_CACHE_LINE_SIZE) LcoreCounters {
  Counter busy_polls;   // loop iterations that moved at least one packet
  Counter idle_polls;   // iterations that found nothing
  Counter waiting_polls;  // iterations that moved nothing because a ring ahead was full (waiting mode)
  Counter busy_cycles;  // TSC cycles spent in busy iterations
  Counter packets;      // packets taken in (RX and rings)
  PollCostHistogram poll_cost;
  std::array<StageCounters, kStageCount> stage{};
  std::array<Counter, kDropReasonCount> drops{};
};

}  // namespace rampart::core

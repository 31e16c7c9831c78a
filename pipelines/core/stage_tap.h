// A tap sees every burst that enters one stage, before the stage acts on it. Capture (BPF
// filter, copy to the pcapng writer's ring) is the intended user. The runner checks its tap
// pointer once per burst, so a stage without a tap pays one load and a predictable branch.
// A tap must not keep, free or modify the mbufs: it copies what it wants.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "core/stage.h"
#include "core/stage_id.h"

namespace rampart::core {

class StageTap {
 public:
  virtual ~StageTap() = default;
  // Runs on the stage's lcore: per-packet rules apply (no allocation, locks, syscalls, logging).
  virtual void observe(StageId stage, rte_mbuf* const* pkts, uint16_t n, StageContext& ctx) = 0;
};

}  // namespace rampart::core

// Token buckets for what the ARP stage sends (replies, requests): per port, and per target in a
// small direct-mapped table. rte_meter's profiles read the EAL's TSC rate (so they cannot be
// unit-tested without EAL) and meter bytes in two colours; this is the one-colour packet bucket
// the stage needs, in a few lines, with the clock rate passed in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "arp/arp_config.h"

namespace rampart::arp {

class TokenBucket {
 public:
  // Level and cost are in TSC cycles: one token costs hz / rate cycles of refill.
  void configure(const RateLimit& r, uint64_t hz) {
    cost_ = std::max<uint64_t>(1, hz / std::max<uint32_t>(1, r.per_second));
    cap_ = cost_ * std::max<uint32_t>(1, r.burst);
    level_ = cap_;
    last_ = 0;
    started_ = false;
  }

  // Takes one token if there is one at `now`.
  bool take(uint64_t now) {
    if (!started_) {
      started_ = true;
      last_ = now;
    }
    const uint64_t elapsed = now > last_ ? now - last_ : 0;
    level_ = std::min(cap_, level_ + std::min(elapsed, cap_));
    last_ = now;
    if (level_ < cost_) return false;
    level_ -= cost_;
    return true;
  }

 private:
  uint64_t cost_ = 1, cap_ = 1, level_ = 1, last_ = 0;
  bool started_ = false;
};

// Per-target buckets: targets hash onto a fixed number of slots and colliding targets share a
// bucket, so each target gets at most its rate (a flood of spoofed sources only drains the
// buckets it hits; the per-port bucket bounds the total).
class TargetLimiter {
 public:
  TargetLimiter(const RateLimit& r, uint64_t hz, uint32_t slots = 1024) : buckets_(slots) {
    for (auto& b : buckets_) b.configure(r, hz);
  }
  bool take(uint32_t target, uint64_t now) {
    const uint32_t h = static_cast<uint32_t>((uint64_t{target} * 0x9e3779b97f4a7c15ULL) >> 32);
    return buckets_[h % buckets_.size()].take(now);
  }

 private:
  std::vector<TokenBucket> buckets_;
};

}  // namespace rampart::arp

// The token bucket behind everything ARP paces: the stage's replies and resolution requests (per
// port, and per target in TargetLimiter), the echo stage's replies, and each scan's requests.
// rte_meter's profiles read the EAL's TSC rate (so they cannot be unit-tested without EAL), meter
// bytes in two colours and decide one packet per call; this is the one-colour packet bucket ARP
// needs, with the clock rate passed in, taking one token per packet (take) or granting a whole
// burst at once (available, then consume), as the scanner asks once per burst. The level is kept
// exactly, in tokens x hz (no rounding of hz / rate), in 128 bits so no rate or depth overflows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "arp/arp_config.h"

namespace rampart::arp {

class TokenBucket {
 public:
  TokenBucket() = default;
  // rate 0 = unlimited. The bucket starts full.
  TokenBucket(uint64_t rate_per_s, uint32_t burst, uint64_t tsc_hz, uint64_t now_tsc)
      : rate_(rate_per_s), burst_(std::max<uint32_t>(burst, 1)), hz_(tsc_hz), last_(now_tsc),
        credit_(static_cast<unsigned __int128>(burst_) * hz_) {}

  // A configured limit: a rate of 0 counts as 1 a second (a limit never means unlimited).
  void configure(const RateLimit& r, uint64_t tsc_hz) {
    *this = TokenBucket(std::max<uint32_t>(1, r.per_second), r.burst, tsc_hz, 0);
  }

  // A bucket depth of about 1 ms of traffic (at least 1, at most 64 packets): the scanner's.
  static uint32_t default_burst(uint64_t rate_per_s) {
    return static_cast<uint32_t>(std::clamp<uint64_t>(rate_per_s / 1000, 1, 64));
  }

  // Takes one token if there is one at `now_tsc`.
  bool take(uint64_t now_tsc) {
    if (rate_ == 0) return true;
    refill(now_tsc);
    if (credit_ < hz_) return false;
    credit_ -= hz_;
    return true;
  }

  // Packets that may be sent now (<= want); the caller then consume()s what it really sent.
  uint32_t available(uint64_t now_tsc, uint32_t want) {
    if (rate_ == 0) return want;
    refill(now_tsc);
    return static_cast<uint32_t>(std::min<uint64_t>(static_cast<uint64_t>(credit_ / hz_), want));
  }
  void consume(uint32_t n) {
    if (rate_ != 0) credit_ -= static_cast<unsigned __int128>(n) * hz_;
  }
  // Returns tokens consumed for packets that were not sent after all.
  void refund(uint32_t n) {
    if (rate_ != 0) credit_ += static_cast<unsigned __int128>(n) * hz_;
  }

 private:
  void refill(uint64_t now_tsc) {
    if (now_tsc <= last_) return;
    const unsigned __int128 cap = static_cast<unsigned __int128>(burst_) * hz_;
    credit_ = std::min(cap, credit_ + static_cast<unsigned __int128>(now_tsc - last_) * rate_);
    last_ = now_tsc;
  }

  uint64_t rate_ = 0;
  uint32_t burst_ = 1;
  uint64_t hz_ = 1;
  uint64_t last_ = 0;
  unsigned __int128 credit_ = 0;  // tokens * hz
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

// Token bucket for scan requests, in TSC cycles: rate packets per second, at most `burst`
// packets at once. Hand-written rather than rte_meter because the scanner asks "how many may go
// now" once per burst (rte_meter decides one packet per call) and the unit tests run without EAL.
#pragma once

#include <algorithm>
#include <cstdint>

namespace rampart::arp {

class ScanPacer {
 public:
  ScanPacer() = default;
  // rate 0 = unlimited. The bucket starts full.
  ScanPacer(uint64_t rate_pps, uint32_t burst, uint64_t tsc_hz, uint64_t now_tsc)
      : rate_(rate_pps), burst_(std::max<uint32_t>(burst, 1)), hz_(tsc_hz), last_(now_tsc),
        credit_(static_cast<unsigned __int128>(burst_) * hz_) {}

  // A bucket depth of about 1 ms of traffic (at least 1, at most 64 packets).
  static uint32_t default_burst(uint64_t rate_pps) {
    return static_cast<uint32_t>(std::clamp<uint64_t>(rate_pps / 1000, 1, 64));
  }

  // Packets that may be sent now (<= want); the caller then consume()s what it really sent.
  uint32_t available(uint64_t now_tsc, uint32_t want) {
    if (rate_ == 0) return want;
    if (now_tsc > last_) {
      const unsigned __int128 cap = static_cast<unsigned __int128>(burst_) * hz_;
      credit_ = std::min(cap, credit_ + static_cast<unsigned __int128>(now_tsc - last_) * rate_);
      last_ = now_tsc;
    }
    const uint64_t tokens = static_cast<uint64_t>(credit_ / hz_);
    return static_cast<uint32_t>(std::min<uint64_t>(tokens, want));
  }
  void consume(uint32_t n) {
    if (rate_ != 0) credit_ -= static_cast<unsigned __int128>(n) * hz_;
  }
  // Returns tokens consumed for packets that were not sent after all.
  void refund(uint32_t n) {
    if (rate_ != 0) credit_ += static_cast<unsigned __int128>(n) * hz_;
  }

 private:
  uint64_t rate_ = 0;
  uint32_t burst_ = 1;
  uint64_t hz_ = 1;
  uint64_t last_ = 0;
  unsigned __int128 credit_ = 0;  // tokens * hz
};

}  // namespace rampart::arp

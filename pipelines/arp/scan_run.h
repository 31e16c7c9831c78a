// One scan's state machine, DPDK-free: which target to ask next, when, and when it is over.
//
// A scan makes up to `tries` passes over its targets in the same scattered order
// (scan_permutation.h), paced by a token bucket (token_bucket.h). Pass k+1 asks only the targets
// that have not answered, each no sooner than timeout_k after its previous request, where
// timeout_0 = timeout_ms and timeout_{k+1} = 1.5 * timeout_k (arp-scan's backoff). Since the
// order is the same in every pass, the targets' previous requests are in time order too, so
// waiting on the first target not yet due never delays one that is. The scan is done when every
// target answered, or the last pass is over and timeout_last has passed since the last request.
//
// Threads: next_targets() only on the owning lcore (see try_own()); on_reply() on any lcore;
// counters and state readable from anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "arp/scan_permutation.h"
#include "arp/scan_range.h"
#include "arp/scan_results.h"
#include "arp/token_bucket.h"

namespace rampart::arp {

enum class ScanState : uint8_t { running, done, cancelled };
const char* scan_state_name(ScanState s);

inline constexpr double kScanBackoff = 1.5;

struct ScanParams {
  ScanRange range;
  uint32_t pps = kDefaultScanPps;
  uint32_t tries = kDefaultScanTries;
  uint32_t timeout_ms = kDefaultScanTimeoutMs;
  uint64_t seed = 0;
  uint64_t tsc_hz = 1;
};

class ScanRun {
 public:
  // Allocates per-target state and the results table (control plane).
  ScanRun(const ScanParams& p, uint64_t now_tsc);

  // The calling thread becomes the sender if nobody is; true if it is the sender.
  bool try_own(uintptr_t token) {
    uintptr_t cur = owner_.load(std::memory_order_relaxed);
    if (cur == token) return true;
    return cur == 0 && owner_.compare_exchange_strong(cur, token, std::memory_order_acq_rel);
  }

  // Owner only, in this order: ready() moves the scan on (cancel, next pass, finish) and says how
  // many requests may go now (pacer tokens, at most max and 64; 0 while every target left is
  // waiting for its retry time); the caller gets that many mbufs, then next_targets() writes up
  // to max target addresses (host order) and records them as sent. Asking for mbufs first means
  // an empty pool costs nothing: no target is marked sent without a frame.
  uint32_t ready(uint64_t now_tsc, uint32_t max);
  uint32_t next_targets(uint64_t now_tsc, uint32_t* ips, uint32_t max);

  // Any lcore: a reply from ip. Ignored when ip is not a target or was never asked.
  ScanResults::Outcome on_reply(uint32_t ip, const MacBytes& mac, uint64_t now_tsc);

  void request_cancel() { cancel_.store(true, std::memory_order_relaxed); }

  ScanState state() const { return state_.load(std::memory_order_acquire); }
  const ScanParams& params() const { return p_; }
  const ScanResults& results() const { return results_; }
  uint64_t start_tsc() const { return start_tsc_; }
  uint64_t finish_tsc() const { return finish_tsc_.load(std::memory_order_relaxed); }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }
  uint64_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }
  // Targets not answered that will still be asked: a target leaves the count when it answers or
  // when its last request goes out (it may still answer that one, but is not asked again).
  uint64_t remaining() const;

 private:
  // Per target. last_send is (tsc - start) >> kTscShift, compared modulo 2^32: exact for waits up
  // to 2^42 cycles (over 20 minutes at 3 GHz), which bounds any timeout.
  static constexpr unsigned kTscShift = 10;
  static constexpr uint64_t kPrefetchAhead = 8;  // a power of two
  static constexpr uint32_t kMaxBurst = 64;
  // Written by the owner, read by on_reply() on other lcores: relaxed atomics (plain moves on
  // x86).
  struct Target {
    std::atomic<uint32_t> last_send{0};
    std::atomic<uint8_t> tries{0};
    std::atomic<uint8_t> answered{0};
  };
  uint32_t stamp(uint64_t tsc) const { return static_cast<uint32_t>((tsc - start_tsc_) >> kTscShift); }
  void finish(ScanState s, uint64_t now_tsc);

  ScanParams p_;
  uint64_t start_tsc_;
  ScanPermutation perm_;
  TokenBucket pacer_;
  std::unique_ptr<Target[]> targets_;
  ScanResults results_;
  uint64_t timeout_units_[kMaxScanTries];  // per pass, in stamp units

  // Sender state (owner lcore only).
  uint32_t pass_ = 0;
  uint64_t pos_ = 0;            // next permutation position in this pass
  uint64_t last_send_tsc_ = 0;  // of the whole scan
  uint64_t blocked_until_ = 0;  // the next target of this pass is not due before then
  // Host indexes of positions pos_ .. pos_ + kPrefetchAhead - 1 (ring by position), so each
  // position's permutation is computed once, kPrefetchAhead steps before it is used.
  uint64_t ahead_[kPrefetchAhead];
  void fill_ahead();

  std::atomic<uintptr_t> owner_{0};
  std::atomic<bool> cancel_{false};
  std::atomic<ScanState> state_{ScanState::running};
  std::atomic<uint64_t> finish_tsc_{0};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> answered_{0};
  std::atomic<uint64_t> duplicates_{0};
  // For remaining(): targets sent their last request (owner), and targets whose first answer
  // came after that request (any lcore; counted in answered_ too). A reply racing the last
  // request's send may be missed here, so remaining() can be off by one for a moment while the
  // scan runs; it is exact once the race is over and always 0 when the scan is.
  std::atomic<uint64_t> final_sent_{0};
  std::atomic<uint64_t> late_answers_{0};
};

}  // namespace rampart::arp

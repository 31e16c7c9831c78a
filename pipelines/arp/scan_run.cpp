#include "arp/scan_run.h"

#include <algorithm>
#include <cmath>

namespace rampart::arp {

const char* scan_state_name(ScanState s) {
  switch (s) {
    case ScanState::running: return "running";
    case ScanState::done: return "done";
    case ScanState::cancelled: return "cancelled";
  }
  return "?";
}

// Room for every target plus a few extra MACs per hundred targets (proxy ARP, duplicates), at
// most 2^21 rows (64 MB) for the widest ranges scan_max_prefix allows; more is counted as lost.
static uint64_t results_capacity(uint64_t hosts) {
  return std::min<uint64_t>(hosts + std::max<uint64_t>(64, hosts / 16), uint64_t{1} << 21);
}

ScanRun::ScanRun(const ScanParams& p, uint64_t now_tsc)
    : p_(p),
      start_tsc_(now_tsc),
      perm_(p.range.count, p.seed),
      pacer_(p.pps, TokenBucket::default_burst(p.pps), p.tsc_hz, now_tsc),
      targets_(new Target[p.range.count]),
      results_(p.range.count, results_capacity(p.range.count)) {
  p_.tries = std::clamp<uint32_t>(p_.tries, 1, kMaxScanTries);
  fill_ahead();
  // Waits are compared with 32-bit stamp differences: exact below 2^31 units (2^41 TSC cycles,
  // about 12 minutes at 3 GHz). A longer wait (600 s timeouts backed off over many tries) left
  // `since < wait` true for ever and the scan never finished; it is capped there (and the double
  // never reaches a conversion it would overflow).
  constexpr double kMaxWaitUnits = static_cast<double>(uint32_t{1} << 31);
  double ms = p_.timeout_ms;
  for (uint32_t k = 0; k < p_.tries; ++k) {
    const double cycles = ms * 1e-3 * static_cast<double>(p_.tsc_hz);
    timeout_units_[k] = static_cast<uint64_t>(std::min(std::ceil(cycles / (1u << kTscShift)), kMaxWaitUnits));
    ms *= kScanBackoff;
  }
}

void ScanRun::finish(ScanState s, uint64_t now_tsc) {
  finish_tsc_.store(now_tsc, std::memory_order_relaxed);
  state_.store(s, std::memory_order_release);
}

void ScanRun::fill_ahead() {
  for (uint64_t k = 0; k < kPrefetchAhead; ++k) ahead_[(pos_ + k) & (kPrefetchAhead - 1)] = perm_(pos_ + k);
}

uint32_t ScanRun::ready(uint64_t now_tsc, uint32_t max) {
  if (state() != ScanState::running) return 0;
  if (cancel_.load(std::memory_order_relaxed)) {
    finish(ScanState::cancelled, now_tsc);
    return 0;
  }
  if (answered() == p_.range.count) {
    finish(ScanState::done, now_tsc);
    return 0;
  }
  if (pos_ == perm_.domain()) {  // pass over
    if (pass_ + 1 >= p_.tries) {
      const uint64_t waited = (now_tsc - last_send_tsc_) >> kTscShift;
      if (now_tsc >= last_send_tsc_ && waited >= timeout_units_[pass_]) finish(ScanState::done, now_tsc);
      return 0;
    }
    ++pass_;
    pos_ = 0;
    blocked_until_ = 0;
    fill_ahead();
  }
  if (now_tsc < blocked_until_) return 0;
  return pacer_.available(now_tsc, std::min(max, kMaxBurst));
}

uint32_t ScanRun::next_targets(uint64_t now_tsc, uint32_t* ips, uint32_t max) {
  const uint64_t count = p_.range.count;
  const uint64_t domain = perm_.domain();
  const uint32_t now_stamp = stamp(now_tsc);
  const uint64_t wait = pass_ == 0 ? 0 : timeout_units_[pass_ - 1];
  // Steps over skipped positions (out of range, answered) are bounded per call so one call
  // never walks a whole /16 of answered targets.
  uint64_t steps = 4u * max + 64;
  uint32_t n = 0;
  while (n < max && pos_ < domain && steps-- > 0) {
    // Targets come in scattered order, so each is a cache (and TLB) miss (perf: three quarters
    // of this loop's samples sat on that load): the one kPrefetchAhead positions on is fetched
    // while this one is handled.
    const uint64_t index = ahead_[pos_ & (kPrefetchAhead - 1)];
    if (pos_ + kPrefetchAhead < domain) {
      const uint64_t next = perm_(pos_ + kPrefetchAhead);
      ahead_[pos_ & (kPrefetchAhead - 1)] = next;
      if (next < count) __builtin_prefetch(&targets_[next], 1);
    }
    if (index >= count) { ++pos_; continue; }
    Target& t = targets_[index];
    if (t.answered.load(std::memory_order_relaxed) || t.tries.load(std::memory_order_relaxed) > pass_) {
      ++pos_;
      continue;
    }
    if (pass_ > 0) {
      const uint32_t since = now_stamp - t.last_send.load(std::memory_order_relaxed);
      if (since < wait) {  // not due yet, nor is any later target of this pass
        blocked_until_ = now_tsc + ((static_cast<uint64_t>(wait - since)) << kTscShift);
        ahead_[pos_ & (kPrefetchAhead - 1)] = index;  // pos_ is visited again next time
        break;
      }
    }
    t.last_send.store(now_stamp, std::memory_order_relaxed);
    t.tries.store(static_cast<uint8_t>(pass_ + 1), std::memory_order_relaxed);
    ips[n++] = p_.range.first + static_cast<uint32_t>(index);
    ++pos_;
  }
  if (n) {
    pacer_.consume(n);
    last_send_tsc_ = now_tsc;
    sent_.store(sent() + n, std::memory_order_relaxed);
    if (pass_ + 1 == p_.tries)
      final_sent_.store(final_sent_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  return n;
}

uint64_t ScanRun::remaining() const {
  const uint64_t final_sent = final_sent_.load(std::memory_order_relaxed);
  const uint64_t settled = answered() + final_sent - std::min(final_sent, late_answers_.load(std::memory_order_relaxed));
  return p_.range.count - std::min(p_.range.count, settled);
}

ScanResults::Outcome ScanRun::on_reply(uint32_t ip, const MacBytes& mac, uint64_t now_tsc) {
  const uint64_t index = static_cast<uint64_t>(ip - p_.range.first);
  if (ip < p_.range.first || index >= p_.range.count) return ScanResults::Outcome::lost;
  Target& t = targets_[index];
  if (t.tries.load(std::memory_order_relaxed) == 0) return ScanResults::Outcome::lost;  // never asked (or a racy first read)
  const uint32_t units = stamp(now_tsc) - t.last_send.load(std::memory_order_relaxed);
  const uint64_t rtt_us = (static_cast<uint64_t>(units) << kTscShift) * 1000000 / p_.tsc_hz;
  const ScanResults::Outcome o =
      results_.record(index, ip, mac, static_cast<uint32_t>(std::min<uint64_t>(rtt_us, UINT32_MAX)));
  if (o == ScanResults::Outcome::first_reply) {
    t.answered.store(1, std::memory_order_relaxed);
    answered_.fetch_add(1, std::memory_order_relaxed);
    if (t.tries.load(std::memory_order_relaxed) >= p_.tries) late_answers_.fetch_add(1, std::memory_order_relaxed);
  } else if (o != ScanResults::Outcome::lost && o != ScanResults::Outcome::too_many_macs) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
  }
  return o;
}

}  // namespace rampart::arp

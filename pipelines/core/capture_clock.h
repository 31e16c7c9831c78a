// Packet time taken from a capture's own timestamps, for offline runs.
//
// Read from a pcap file, traffic arrives as fast as the lcore can take it: a ten-minute capture
// passes in a second. Stamped with the TSC at RX, every DNS latency is the replay's spacing of two
// records (near zero), every per-second rate of the detectors is the replay's (a capture of 20
// NXDOMAIN a second "floods" at thousands), and no query ever times out. net_pcap stamps each
// mbuf it reads with the record's time (microseconds, in DPDK's RX timestamp dynfield); with this
// clock the runner turns that into TSC units and the stages see the capture's time instead.
//
// Capture time is laid over the TSC: the first record seen is `start_tsc`, later ones follow by
// their distance from it. The lcores' notion of "now" (timers, expiry, detector windows) is the
// newest record seen plus the real time since it was seen, so time goes on after the capture ends
// (queries still pending then time out as they would have) and never runs backwards.
//
// One clock per run, shared by every lcore: the first record of any port sets the origin.
#pragma once

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <atomic>
#include <climits>
#include <cstdint>

#include "core/meta.h"

namespace rampart::core {

class CaptureClock {
 public:
  CaptureClock(uint64_t tsc_hz, uint64_t start_tsc) : hz_(tsc_hz ? tsc_hz : 1), start_(start_tsc) {}

  // Finds DPDK's RX timestamp field and flag; false when no driver registered them (then no
  // packet can carry a capture time). Call after the ports are probed.
  bool init() noexcept {
    field_ = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    flag_ = bit >= 0 ? uint64_t{1} << bit : 0;
    return field_ >= 0 && flag_;
  }

  // Stamps meta(m)->rx_tsc of each packet with its capture time (a packet without one gets the
  // clock's now()), and returns now() after the burst.
  uint64_t stamp(rte_mbuf** pkts, uint16_t n, uint64_t real_now) noexcept {
    const uint64_t unstamped = now(real_now);
    uint64_t newest = 0;
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      uint64_t t = unstamped;
      if (m->ol_flags & flag_) {
        t = to_tsc(*RTE_MBUF_DYNFIELD(m, field_, const rte_mbuf_timestamp_t*));
        if (t > newest) newest = t;
      }
      meta(m)->rx_tsc = t;
    }
    if (newest) advance(newest, real_now);
    return now(real_now);
  }

  // The newest capture time seen plus the real time since; `real_now` before any record.
  uint64_t now(uint64_t real_now) const noexcept {
    const int64_t o = offset_.load(std::memory_order_relaxed);
    return o == kNone ? real_now : real_now + static_cast<uint64_t>(o);
  }

  // The capture time of start_tsc (microseconds since the epoch), 0 before the first record: with
  // it a TSC value converts to the capture's Unix time.
  uint64_t origin_us() const noexcept { return first_us_.load(std::memory_order_relaxed); }
  uint64_t start_tsc() const noexcept { return start_; }

  // "Newest capture time plus the real time since" is the real time plus a fixed offset, so it is
  // kept as that offset, in one word: a record newer than now() moves it forward, an older one
  // (reordered, or from a port behind the others) leaves it. Several lcores may race; the largest
  // offset wins, so now() never runs backwards.
  void advance(uint64_t t, uint64_t real_now) noexcept {
    const int64_t want = static_cast<int64_t>(t - real_now);
    int64_t cur = offset_.load(std::memory_order_relaxed);
    while ((cur == kNone || want > cur) &&
           !offset_.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
    }
  }

  // A capture timestamp (microseconds since the epoch) in TSC units.
  uint64_t to_tsc(uint64_t us) noexcept {
    uint64_t first = first_us_.load(std::memory_order_relaxed);
    if (!first) {
      // The first record of any lcore is the origin (0 stays "none yet": a record at 0 counts as 1).
      const uint64_t mine = us ? us : 1;
      first = first_us_.compare_exchange_strong(first, mine, std::memory_order_relaxed) ? mine : first;
    }
    const int64_t d_us = static_cast<int64_t>(us - first);
    const __int128 d = static_cast<__int128>(d_us) * static_cast<__int128>(hz_) / 1000000;
    const __int128 t = static_cast<__int128>(start_) + d;
    return t < 1 ? 1 : static_cast<uint64_t>(t);  // a record long before the first one
  }

 private:
  static constexpr int64_t kNone = INT64_MIN;
  uint64_t hz_;
  uint64_t start_;
  int field_ = -1;  // the RX timestamp dynfield's offset
  uint64_t flag_ = 0;
  std::atomic<uint64_t> first_us_{0};    // 0: no record yet
  std::atomic<int64_t> offset_{kNone};  // now() - real time; kNone: no record yet
};

}  // namespace rampart::core

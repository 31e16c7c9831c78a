// Latency histogram, log-linear (HdrHistogram's layout with 16 sub-buckets per power of two):
// values below 16 ns have a bucket each, above that every power-of-two range [2^e, 2^(e+1)) is
// cut into 16 equal buckets, so any recorded value is known to within 1/16 (6.25 %) of itself.
// 592 buckets cover 0 .. 2^40 ns (about 18 minutes); larger values land in the last bucket.
// One writer (the lcore that owns it), any number of readers summing over lcores.
#pragma once

#include <array>
#include <cstdint>

#include "core/counter.h"

namespace rampart::dns {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 4;
  static constexpr unsigned kSub = 1u << kSubBits;  // 16
  static constexpr unsigned kMaxExp = 39;            // last range [2^39, 2^40)
  static constexpr unsigned kBuckets = kSub + (kMaxExp - kSubBits + 1) * kSub;  // 592

  static unsigned bucket_of(uint64_t ns) noexcept {
    if (ns < kSub) return static_cast<unsigned>(ns);
    const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(ns));
    if (e > kMaxExp) return kBuckets - 1;
    const unsigned sub = static_cast<unsigned>(ns >> (e - kSubBits)) & (kSub - 1);
    return kSub + (e - kSubBits) * kSub + sub;
  }
  // The smallest value of a bucket, and its width.
  static uint64_t bucket_low(unsigned b) noexcept {
    if (b < kSub) return b;
    const unsigned e = (b - kSub) / kSub + kSubBits;
    const unsigned sub = (b - kSub) % kSub;
    return (uint64_t{kSub} + sub) << (e - kSubBits);
  }
  static uint64_t bucket_width(unsigned b) noexcept {
    if (b < kSub) return 1;
    return uint64_t{1} << ((b - kSub) / kSub);
  }

  void record(uint64_t ns) noexcept { bucket_[bucket_of(ns)].add(1); }
  uint64_t bucket(unsigned b) const noexcept { return bucket_[b].load(); }

 private:
  std::array<core::Counter, kBuckets> bucket_{};
};

// A read-side copy: the sum of several lcores' histograms, with quantiles.
struct HistogramSnapshot {
  std::array<uint64_t, LatencyHistogram::kBuckets> bucket{};
  uint64_t count = 0;

  void add(const LatencyHistogram& h) noexcept {
    for (unsigned b = 0; b < LatencyHistogram::kBuckets; ++b) {
      const uint64_t v = h.bucket(b);
      bucket[b] += v;
      count += v;
    }
  }
  // The value of rank ceil(q * count) (1-based) in sorted order, as the midpoint of its bucket:
  // within 1/32 of the true value above 16 ns. 0 when empty.
  uint64_t quantile_ns(double q) const noexcept {
    if (count == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count) + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    uint64_t seen = 0;
    for (unsigned b = 0; b < LatencyHistogram::kBuckets; ++b) {
      seen += bucket[b];
      if (seen >= rank)
        return LatencyHistogram::bucket_low(b) + LatencyHistogram::bucket_width(b) / 2;
    }
    return 0;
  }
  uint64_t max_ns() const noexcept {
    for (unsigned b = LatencyHistogram::kBuckets; b-- > 0;)
      if (bucket[b]) return LatencyHistogram::bucket_low(b) + LatencyHistogram::bucket_width(b) - 1;
    return 0;
  }
};

}  // namespace rampart::dns

// The scan pacer: a token bucket granting requests per burst.
#include <gtest/gtest.h>

#include "arp/token_bucket.h"

using ScanPacer = rampart::arp::TokenBucket;

constexpr uint64_t kHz = 2'000'000'000;  // a 2 GHz TSC

// Sends as much as allowed, asking every `step` cycles for up to 32; returns how many went.
static uint64_t run(ScanPacer& p, uint64_t start, uint64_t duration, uint64_t step, uint32_t* max_burst) {
  uint64_t sent = 0;
  *max_burst = 0;
  for (uint64_t t = start; t < start + duration; t += step) {
    const uint32_t n = p.available(t, 32);
    p.consume(n);
    sent += n;
    *max_burst = std::max(*max_burst, n);
  }
  return sent;
}

TEST(ScanPacer, HoldsTheRateOverOneSecond) {
  for (uint64_t rate : {500ull, 50'000ull, 1'000'000ull}) {
    const uint32_t burst = ScanPacer::default_burst(rate);
    ScanPacer p(rate, burst, kHz, 0);
    uint32_t max_burst = 0;
    const uint64_t sent = run(p, 0, kHz, kHz / 200'000, &max_burst);  // polled every 5 us
    EXPECT_GE(sent, rate) << rate;
    EXPECT_LE(sent, rate + burst + 1) << rate;
    EXPECT_LE(max_burst, burst) << rate;
  }
}

TEST(ScanPacer, BurstAfterIdleIsBounded) {
  ScanPacer p(10'000, 10, kHz, 0);
  EXPECT_EQ(p.available(0, 32), 10u);  // starts full
  p.consume(10);
  EXPECT_EQ(p.available(kHz / 10'000 / 2, 32), 0u);  // half a token later: nothing
  EXPECT_EQ(p.available(kHz / 10'000, 32), 1u);
  // A minute idle refills to the bucket depth only.
  EXPECT_EQ(p.available(60 * kHz, 32), 10u);
}

TEST(ScanPacer, RefundGivesTokensBack) {
  ScanPacer p(1000, 4, kHz, 0);
  const uint32_t n = p.available(0, 32);
  ASSERT_EQ(n, 4u);
  p.consume(n);
  EXPECT_EQ(p.available(0, 32), 0u);
  p.refund(3);
  EXPECT_EQ(p.available(0, 32), 3u);
}

TEST(ScanPacer, RateZeroIsUnpaced) {
  ScanPacer p(0, 1, kHz, 0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(p.available(0, 64), 64u);
    p.consume(64);
  }
}

TEST(ScanPacer, DefaultBurstIsAboutOneMillisecond) {
  EXPECT_EQ(ScanPacer::default_burst(500), 1u);
  EXPECT_EQ(ScanPacer::default_burst(20'000), 20u);
  EXPECT_EQ(ScanPacer::default_burst(10'000'000), 64u);
}

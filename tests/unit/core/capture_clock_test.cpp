// The capture clock's arithmetic (no EAL): capture timestamps laid over the TSC from the first
// record, "now" as the newest record plus the real time since, never backwards.
#include <gtest/gtest.h>

#include "core/capture_clock.h"

namespace rampart::core {
namespace {

constexpr uint64_t kHz = 2'000'000'000;  // 2 GHz: 2,000 cycles a microsecond
constexpr uint64_t kStart = 1'000'000'000'000;
constexpr uint64_t kFirstUs = 1'700'000'000'000'000;  // a capture from November 2023

TEST(CaptureClock, RecordsFollowTheFirstByTheirDistance) {
  CaptureClock c(kHz, kStart);
  EXPECT_EQ(c.origin_us(), 0u);
  EXPECT_EQ(c.to_tsc(kFirstUs), kStart);
  EXPECT_EQ(c.origin_us(), kFirstUs);
  EXPECT_EQ(c.to_tsc(kFirstUs + 5000), kStart + 5000 * 2000) << "5 ms later";
  EXPECT_EQ(c.to_tsc(kFirstUs + 3'600'000'000ull), kStart + 3600 * kHz) << "an hour later";
  EXPECT_EQ(c.to_tsc(kFirstUs - 1000), kStart - 1000 * 2000) << "a reordered record, 1 ms earlier";
  EXPECT_EQ(c.to_tsc(0), 1u) << "long before the first record: clamped, not wrapped";
}

TEST(CaptureClock, NowIsTheNewestRecordPlusRealTimeAndNeverGoesBack) {
  CaptureClock c(kHz, kStart);
  EXPECT_EQ(c.now(kStart + 77), kStart + 77) << "before any record: the real time";
  ASSERT_EQ(c.to_tsc(kFirstUs), kStart) << "the first record is the origin";
  const uint64_t real = kStart + 1000;
  c.advance(c.to_tsc(kFirstUs + 60'000'000), real);  // a record 60 s into the capture
  EXPECT_EQ(c.now(real), kStart + 60 * kHz);
  EXPECT_EQ(c.now(real + 500), kStart + 60 * kHz + 500) << "real time goes on from it";
  c.advance(c.to_tsc(kFirstUs + 10'000'000), real + 600);  // an older record: no change
  EXPECT_EQ(c.now(real + 600), kStart + 60 * kHz + 600);
  c.advance(c.to_tsc(kFirstUs + 61'000'000), real + 700);  // a newer one moves it forward
  EXPECT_EQ(c.now(real + 700), kStart + 61 * kHz);
}

}  // namespace
}  // namespace rampart::core

// A breakdown never grows past what DPDK's socket carries, and never loses a count.
#include "app/rampart/breakdown.h"

#include <gtest/gtest.h>

#include <array>
#include <numeric>

namespace rampart::app {
namespace {

std::string slot_name(uint16_t i) { return "T" + std::to_string(i); }

uint64_t sum(const json::Value& v) {
  uint64_t s = 0;
  for (const auto& [k, c] : v.as_object()) s += c.as_uint();
  return s;
}

TEST(Breakdown, SmallOnesAreShownWholeInSlotOrderWithoutZeros) {
  std::array<uint64_t, 8> c{};
  c[1] = 5;
  c[6] = 2;
  c[7] = 9;  // the OTHER slot
  const json::Value v = breakdown(c, slot_name, 7);
  ASSERT_EQ(v.as_object().size(), 3u);
  EXPECT_EQ(v.find("T1")->as_uint(), 5u);
  EXPECT_EQ(v.find("T6")->as_uint(), 2u);
  EXPECT_EQ(v.find("OTHER")->as_uint(), 9u);
  EXPECT_EQ(v.find("T0"), nullptr);
  EXPECT_EQ(v.as_object().front().first, "T1");
}

// 512 distinct types, as a sender can make: the socket would have cut the dict at 256 entries.
TEST(Breakdown, ManyEntriesKeepTheLargestAndSumTheRestIntoOther) {
  std::array<uint64_t, 513> c{};
  for (size_t i = 0; i < 512; ++i) c[i] = 1 + (i % 7);
  c[300] = 1000;
  c[512] = 4;  // already OTHER
  const uint64_t total = std::accumulate(c.begin(), c.end(), uint64_t{0});
  const json::Value v = breakdown(c, slot_name, 512);
  EXPECT_EQ(v.as_object().size(), kBreakdownEntries + 1);
  EXPECT_EQ(sum(v), total);
  EXPECT_EQ(v.find("T300")->as_uint(), 1000u);
  for (const auto& [k, n] : v.as_object())
    if (k != "OTHER" && k != "T300") EXPECT_EQ(n.as_uint(), 7u) << k;  // the largest after it
}

}  // namespace
}  // namespace rampart::app

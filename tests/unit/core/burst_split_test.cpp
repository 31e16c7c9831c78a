#include "core/burst_split.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace rampart::core {
namespace {

struct Item {
  int id;
};

// Every size a runner pass can see, every destination, random verdicts: the selection is exactly
// the matching items in their original order, and nothing past the documented slack is written.
TEST(SelectVerdict, SelectsMatchingInOrder) {
  std::mt19937 rng(7);
  std::vector<Item> items(200);
  for (int i = 0; i < 200; ++i) items[i].id = i;
  for (uint16_t n = 0; n <= kMaxSplit; ++n) {
    std::vector<Item*> in(n);
    std::vector<uint8_t> verdict(n);
    for (uint16_t i = 0; i < n; ++i) {
      in[i] = &items[i];
      verdict[i] = static_cast<uint8_t>(rng() % 4 == 0 ? 0xfe : rng() % 6);
    }
    for (uint8_t d : {uint8_t{0}, uint8_t{1}, uint8_t{2}, uint8_t{5}, uint8_t{0xfe}, uint8_t{0x7f}}) {
      Item guard{-1};
      std::vector<Item*> out(n + kSplitSlack + 4, &guard);
      const uint16_t k = select_verdict(verdict.data(), in.data(), n, d, out.data());
      std::vector<Item*> want;
      for (uint16_t i = 0; i < n; ++i)
        if (verdict[i] == d) want.push_back(in[i]);
      ASSERT_EQ(k, want.size()) << "n=" << n << " d=" << int(d);
      for (uint16_t i = 0; i < k; ++i) EXPECT_EQ(out[i], want[i]) << "n=" << n << " i=" << i;
      for (size_t i = k + kSplitSlack; i < out.size(); ++i) EXPECT_EQ(out[i], &guard) << "wrote past the slack";
    }
  }
}

// The per-destination counts classify takes its path counters from, for every burst size.
TEST(VerdictLanes, CountsEachDestination) {
  std::mt19937 rng(11);
  for (uint16_t n = 0; n <= kMaxSplit; ++n) {
    std::vector<uint8_t> verdict(n);
    for (auto& v : verdict) v = static_cast<uint8_t>(rng() % 7 == 0 ? 0xfe : rng() % 6);
    const VerdictLanes lanes(verdict.data(), n);
    for (uint8_t d : {uint8_t{0}, uint8_t{1}, uint8_t{4}, uint8_t{5}, uint8_t{0xfe}, uint8_t{0x80}}) {
      uint16_t want = 0;
      for (uint8_t v : verdict) want = static_cast<uint16_t>(want + (v == d));
      EXPECT_EQ(lanes.count(d), want) << "n=" << n << " d=" << int(d);
      EXPECT_EQ(lanes.bits(d).any(), want != 0);
    }
  }
}

// Appending after what is already there, as the runner does into a stage's pending burst.
TEST(SelectVerdict, AppendsAtTheGivenPosition) {
  Item a{1}, b{2}, c{3};
  Item* in[3] = {&a, &b, &c};
  const uint8_t v[3] = {2, 3, 2};
  Item* out[4 + kSplitSlack] = {};
  out[0] = &c;
  const uint16_t k = select_verdict(v, in, 3, 2, out + 1);
  ASSERT_EQ(k, 2);
  EXPECT_EQ(out[0], &c);
  EXPECT_EQ(out[1], &a);
  EXPECT_EQ(out[2], &c);
}

}  // namespace
}  // namespace rampart::core

// Merging space-saving summaries of several lcores (dns/top_merge.h): the merged counts keep
// count - error <= true count <= count.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "dns/hash.h"
#include "dns/space_saving.h"
#include "dns/top_merge.h"

using namespace rampart::dns;

namespace {

void add(SpaceSaving<16>& s, const std::string& k) {
  s.add(reinterpret_cast<const uint8_t*>(k.data()), k.size(), hash_bytes(k.data(), k.size()));
}

std::map<std::string, TopCount> merge(std::initializer_list<SpaceSaving<16>*> parts) {
  TopMerger m;
  for (auto* s : parts) {
    s->publish();
    const auto items = s->read();
    m.add(items, items.size() >= s->capacity());
  }
  return m.result();
}

}  // namespace

TEST(TopMerge, AKeyEvictedFromOneLcoreIsNotUndercounted) {
  // Lcore A (4 counters) saw "x" 5 times early, then enough others to evict it; lcore B saw "x"
  // 10 times and little else. True count 15. Adding only B's count gave 10.
  SpaceSaving<16> a(4), b(4);
  for (int i = 0; i < 5; ++i) add(a, "x");
  for (int r = 0; r < 8; ++r)
    for (const char* k : {"p", "q", "r", "s"}) add(a, k);
  for (int i = 0; i < 10; ++i) add(b, "x");
  add(b, "y");
  a.publish();
  bool x_in_a = false;
  for (const auto& it : a.read()) x_in_a |= it.key == "x";
  ASSERT_FALSE(x_in_a) << "the case needs x evicted from A";

  const auto m = merge({&a, &b});
  const TopCount x = m.at("x");
  EXPECT_GE(x.count, 15u) << "upper bound";
  EXPECT_LE(x.count - x.error, 15u) << "lower bound";
  EXPECT_EQ(x.count - x.error, 10u) << "B's exact count is still the lower bound";
  // B is not full (2 of 4 counters): its keys are exact, so a key it lacks gets nothing from it.
  for (const auto& it : a.read()) {
    EXPECT_EQ(m.at(it.key).count, it.count) << it.key;
    EXPECT_EQ(m.at(it.key).error, it.error) << it.key;
  }
}

TEST(TopMerge, RandomStreamsOverThreeLcoresKeepTheBounds) {
  std::mt19937 rng(5);
  std::vector<double> w(300);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<int> zipf(w.begin(), w.end());
  SpaceSaving<16> s[3] = {SpaceSaving<16>(32), SpaceSaving<16>(32), SpaceSaving<16>(64)};
  std::map<std::string, uint64_t> truth;
  for (int i = 0; i < 60000; ++i) {
    const std::string k = "k" + std::to_string(zipf(rng));
    ++truth[k];
    add(s[rng() % 3], k);
  }
  const auto m = merge({&s[0], &s[1], &s[2]});
  ASSERT_FALSE(m.empty());
  for (const auto& [k, c] : m) {
    const uint64_t t = truth.count(k) ? truth.at(k) : 0;
    EXPECT_LE(c.count - c.error, t) << k;
    EXPECT_GE(c.count, t) << k;
  }
  // The heaviest keys are all there, in order.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(m.count("k" + std::to_string(i))) << i;
}

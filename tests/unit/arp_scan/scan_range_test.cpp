// Scan targets from a CIDR (arp-scan's rules) and the scattered visiting order.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "arp/scan_permutation.h"
#include "arp/scan_range.h"

using namespace rampart::arp;

static ScanRange parse(const char* text) {
  ScanRange r;
  std::string err;
  EXPECT_TRUE(parse_scan_cidr(text, &r, &err)) << text << ": " << err;
  return r;
}

TEST(ScanRange, SkipsNetworkAndBroadcast) {
  const ScanRange r = parse("192.168.7.0/24");
  EXPECT_EQ(r.network, 0xc0a80700u);
  EXPECT_EQ(r.first, 0xc0a80701u);
  EXPECT_EQ(r.count, 254u);
  EXPECT_EQ(format_scan_cidr(r), "192.168.7.0/24");
  const ScanRange r30 = parse("10.0.0.4/30");
  EXPECT_EQ(r30.first, 0x0a000005u);
  EXPECT_EQ(r30.count, 2u);
  EXPECT_EQ(parse("10.0.0.0/16").count, 65534u);
}

TEST(ScanRange, HostBitsAreIgnoredLikeArpScan) {
  const ScanRange r = parse("192.168.7.77/24");
  EXPECT_EQ(r.network, 0xc0a80700u);
  EXPECT_EQ(r.count, 254u);
}

TEST(ScanRange, Slash31And32ScanEveryAddress) {
  const ScanRange r31 = parse("10.1.1.7/31");
  EXPECT_EQ(r31.first, 0x0a010106u);
  EXPECT_EQ(r31.count, 2u);
  const ScanRange r32 = parse("10.1.1.7/32");
  EXPECT_EQ(r32.first, 0x0a010107u);
  EXPECT_EQ(r32.count, 1u);
  EXPECT_EQ(parse("10.1.1.7").count, 1u);
}

TEST(ScanRange, RejectsBadInput) {
  ScanRange r;
  std::string err;
  for (const char* bad : {"10.0.0.0/33", "10.0.0/24", "10.0.0.0/", "10.0.0.0/2x", "x/24", ""})
    EXPECT_FALSE(parse_scan_cidr(bad, &r, &err)) << bad;
}

TEST(ScanPermutation, VisitsEveryHostExactlyOnce) {
  for (uint64_t n : {1ull, 2ull, 3ull, 6ull, 254ull, 1000ull, 65534ull}) {
    for (uint64_t key : {0ull, 1ull, 0xdeadbeefcafef00dull}) {
      ScanPermutation perm(n, key);
      ASSERT_GE(perm.domain(), n);
      ASSERT_LT(perm.domain(), 2 * n + 1);
      std::vector<int> seen(n, 0);
      for (uint64_t i = 0; i < perm.domain(); ++i) {
        const uint64_t idx = perm(i);
        ASSERT_LT(idx, perm.domain());
        if (idx < n) ++seen[idx];
      }
      EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }))
          << "n=" << n << " key=" << key;
    }
  }
}

TEST(ScanPermutation, OrderIsScatteredNotAddressOrder) {
  const uint64_t n = 254;
  ScanPermutation perm(n, 12345);
  std::vector<uint64_t> order;
  for (uint64_t i = 0; i < perm.domain(); ++i)
    if (perm(i) < n) order.push_back(perm(i));
  ASSERT_EQ(order.size(), n);
  // Consecutive requests rarely go to neighbouring addresses, and the sequence is far from sorted.
  int neighbours = 0, ascending = 0;
  for (size_t i = 1; i < order.size(); ++i) {
    const int64_t d = static_cast<int64_t>(order[i]) - static_cast<int64_t>(order[i - 1]);
    neighbours += (d == 1 || d == -1);
    ascending += d > 0;
  }
  EXPECT_LT(neighbours, 12);
  EXPECT_GT(ascending, 80);
  EXPECT_LT(ascending, 174);
  // A different key gives a different order.
  ScanPermutation other(n, 54321);
  int same = 0;
  for (uint64_t i = 0; i < perm.domain(); ++i) same += perm(i) == other(i);
  EXPECT_LT(same, 32);
}

// The scan results table: (IP, MAC) rows, duplicates counted, capacity, concurrent writers.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "arp/scan_results.h"

using namespace rampart::arp;
using Outcome = ScanResults::Outcome;

static MacBytes mac(uint8_t last) { return {0x00, 0x16, 0x3e, 0, 0, last}; }

TEST(ScanResults, OneRowPerIpMacWithReplyCounts) {
  ScanResults r(10, 20);
  EXPECT_EQ(r.record(3, 103, mac(1), 250), Outcome::first_reply);
  EXPECT_EQ(r.record(3, 103, mac(1), 999), Outcome::repeat);
  EXPECT_EQ(r.record(3, 103, mac(1), 999), Outcome::repeat);
  EXPECT_EQ(r.record(3, 103, mac(2), 400), Outcome::new_mac);
  EXPECT_EQ(r.record(5, 105, mac(9), 100), Outcome::first_reply);
  ASSERT_EQ(r.rows(), 3u);
  ScanHost h;
  ASSERT_TRUE(r.row(0, &h));
  EXPECT_EQ(h.ip, 103u);
  EXPECT_EQ(h.mac, mac(1));
  EXPECT_EQ(h.replies, 3u);
  EXPECT_EQ(h.rtt_us, 250u);  // the first reply's
  EXPECT_EQ(h.mac_ordinal, 1u);
  ASSERT_TRUE(r.row(1, &h));
  EXPECT_EQ(h.mac, mac(2));
  EXPECT_EQ(h.mac_ordinal, 2u);
  EXPECT_EQ(h.replies, 1u);
  ASSERT_TRUE(r.row(2, &h));
  EXPECT_EQ(h.ip, 105u);
  EXPECT_FALSE(r.row(3, &h));
}

TEST(ScanResults, FullTableCountsLostRows) {
  ScanResults r(4, 2);
  EXPECT_EQ(r.record(0, 1, mac(1), 1), Outcome::first_reply);
  EXPECT_EQ(r.record(1, 2, mac(1), 1), Outcome::first_reply);
  EXPECT_EQ(r.record(2, 3, mac(1), 1), Outcome::lost);
  EXPECT_EQ(r.record(0, 1, mac(1), 1), Outcome::repeat);  // existing rows still count
  EXPECT_EQ(r.lost(), 1u);
  EXPECT_EQ(r.rows(), 2u);
}

TEST(ScanResults, ConcurrentWritersAndReader) {
  constexpr uint64_t kHosts = 64;
  constexpr int kWriters = 4, kRounds = 200;
  ScanResults r(kHosts, kHosts * 4);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad_reads{0};
  std::thread reader([&] {
    ScanHost h;
    while (!stop.load()) {
      for (uint64_t i = 0; i < r.claimed(); ++i)
        if (r.row(i, &h) && (h.ip < 1000 || h.ip >= 1000 + kHosts || h.replies == 0 ||
                             (h.mac[5] != 200 && h.mac[5] != h.ip - 1000)))
          bad_reads.fetch_add(1);
    }
  });
  // Every writer reports each host with two MACs (the host's own and a shared "proxy" MAC),
  // so rows race on the same chains.
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round)
        for (uint64_t h = 0; h < kHosts; ++h) {
          r.record(h, static_cast<uint32_t>(1000 + h), mac(static_cast<uint8_t>(h)), 1);
          r.record(h, static_cast<uint32_t>(1000 + h), mac(200), 1);
        }
    });
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(bad_reads.load(), 0u);
  std::map<std::pair<uint32_t, uint8_t>, uint32_t> replies;
  ScanHost h;
  for (uint64_t i = 0; i < r.claimed(); ++i)
    if (r.row(i, &h)) {
      EXPECT_TRUE(replies.emplace(std::make_pair(h.ip, h.mac[5]), h.replies).second) << "row twice";
    }
  ASSERT_EQ(replies.size(), kHosts * 2);
  for (const auto& [k, n] : replies) EXPECT_EQ(n, static_cast<uint32_t>(kWriters * kRounds));
  EXPECT_EQ(r.rows(), kHosts * 2);
}

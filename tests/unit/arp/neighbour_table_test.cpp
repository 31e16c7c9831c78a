// The neighbour table: learning, MAC changes, aging (reachable -> stale -> gone), bounded size
// with counted eviction (stale first, then least recently seen), and a reader thread taking
// snapshots while the writer updates: every entry it sees must be one the writer wrote whole.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "arp/neighbour_table.h"

namespace rampart::arp {
namespace {

proto::ArpMac mac_of(uint32_t v) {
  return {0x02, 0, static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

constexpr TableTimeouts kTimeouts{100, 1000};  // cycles: reachable 100, stale 1000

TEST(NeighbourTable, LearnsRefreshesAndReportsMacChanges) {
  NeighbourTable t(64, kTimeouts);
  auto r = t.learn(0x0a000001, 0, 0, mac_of(1), neigh_flag::from_request, 10);
  EXPECT_EQ(r.kind, LearnResult::created);
  EXPECT_EQ(t.size(), 1u);
  r = t.learn(0x0a000001, 0, 0, mac_of(1), neigh_flag::from_reply, 20);
  EXPECT_EQ(r.kind, LearnResult::refreshed);
  r = t.learn(0x0a000001, 0, 0, mac_of(2), neigh_flag::from_reply, 30);
  EXPECT_EQ(r.kind, LearnResult::mac_changed);
  EXPECT_EQ(r.old_mac, mac_of(1));
  EXPECT_EQ(r.old_last_seen, 20u);
  const Neighbour* n = t.lookup(0x0a000001, 0, 0);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mac, mac_of(2));
  EXPECT_EQ(n->first_seen, 10u);
  EXPECT_EQ(n->last_seen, 30u);
  EXPECT_EQ(n->flags, neigh_flag::from_request | neigh_flag::from_reply | neigh_flag::mac_changed);
  // Same IP on another port or VLAN is another neighbour.
  EXPECT_EQ(t.learn(0x0a000001, 1, 0, mac_of(3), 0, 40).kind, LearnResult::created);
  EXPECT_EQ(t.learn(0x0a000001, 0, 5, mac_of(3), 0, 40).kind, LearnResult::created);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.lookup(0x0a000002, 0, 0), nullptr);
}

TEST(NeighbourTable, AgesReachableToStaleThenRemoves) {
  NeighbourTable t(64, kTimeouts);
  t.learn(1, 0, 0, mac_of(1), 0, 0);
  t.learn(2, 0, 0, mac_of(2), 0, 500);
  const uint32_t all = t.capacity() / NeighbourTable::kBucketSize;
  EXPECT_EQ(t.age(99, all), 0u);
  EXPECT_EQ(t.lookup(1, 0, 0)->state, NeighState::reachable);
  EXPECT_EQ(t.age(100, all), 0u);
  EXPECT_EQ(t.lookup(1, 0, 0)->state, NeighState::stale);
  EXPECT_EQ(t.lookup(2, 0, 0)->state, NeighState::reachable);
  EXPECT_EQ(t.age(1000, all), 1u);
  EXPECT_EQ(t.lookup(1, 0, 0), nullptr);
  EXPECT_EQ(t.lookup(2, 0, 0)->state, NeighState::stale);
  EXPECT_EQ(t.expirations(), 1u);
  EXPECT_EQ(t.size(), 1u);
  // Seen again: reachable once more.
  t.learn(2, 0, 0, mac_of(2), 0, 1200);
  EXPECT_EQ(t.lookup(2, 0, 0)->state, NeighState::reachable);
  // Aging a few buckets per call still covers the whole table in capacity/8 calls.
  for (uint32_t i = 0; i < all; ++i) t.age(5000, 1);
  EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTable, FullTableEvictsStaleFirstThenOldestAndCountsIt) {
  NeighbourTable t(8, kTimeouts);  // one bucket
  ASSERT_EQ(t.capacity(), 8u);
  for (uint32_t i = 0; i < 8; ++i) t.learn(100 + i, 0, 0, mac_of(i), 0, 50 + i);
  EXPECT_EQ(t.size(), 8u);
  // Entry 103 goes stale (re-learn the rest later so only it is stale).
  for (uint32_t i = 0; i < 8; ++i)
    if (i != 3) t.learn(100 + i, 0, 0, mac_of(i), 0, 200);
  t.age(200, 1);
  ASSERT_EQ(t.lookup(103, 0, 0)->state, NeighState::stale);
  auto r = t.learn(999, 0, 0, mac_of(999), 0, 210);
  EXPECT_TRUE(r.evicted);
  EXPECT_EQ(t.lookup(103, 0, 0), nullptr) << "the stale entry goes first";
  EXPECT_EQ(t.evictions(), 1u);
  // No stale entry left: the least recently seen goes (100 was refreshed at 200 like the others
  // except 999; refresh 101..107 and 999 later so 100 is the oldest).
  for (uint32_t i = 1; i < 8; ++i)
    if (i != 3) t.learn(100 + i, 0, 0, mac_of(i), 0, 300);
  t.learn(999, 0, 0, mac_of(999), 0, 300);
  r = t.learn(1000, 0, 0, mac_of(1000), 0, 310);
  EXPECT_TRUE(r.evicted);
  EXPECT_EQ(t.lookup(100, 0, 0), nullptr);
  EXPECT_EQ(t.evictions(), 2u);
  EXPECT_EQ(t.size(), 8u);
}

TEST(NeighbourTable, SnapshotIsBoundedAndCountsEverything) {
  NeighbourTable t(1024, kTimeouts);
  for (uint32_t i = 0; i < 300; ++i) t.learn(i + 1, 0, 0, mac_of(i), 0, 1);
  std::vector<Neighbour> out;
  const size_t total = t.snapshot(out, 50);
  EXPECT_EQ(total, t.size());
  EXPECT_EQ(out.size(), 50u);
  EXPECT_GT(total, 250u);  // a few may have been evicted from full buckets
  EXPECT_EQ(total + t.evictions(), 300u);
}

// The writer keeps every entry's MAC equal to a function of its IP and last_seen (mac_of(ip ^
// last_seen)); a torn read would mix two writes and break that relation.
TEST(NeighbourTable, ReaderThreadSeesOnlyWholeEntriesWhileTheWriterRuns) {
  NeighbourTable t(256, TableTimeouts{1u << 30, 1u << 31});
  std::atomic<bool> done{false};
  std::atomic<uint64_t> snapshots{0}, checked{0}, torn{0};
  std::thread reader([&] {
    std::vector<Neighbour> out;
    while (!done.load(std::memory_order_relaxed)) {
      out.clear();
      t.snapshot(out, SIZE_MAX);
      for (const Neighbour& n : out) {
        if (n.mac != mac_of(n.ip ^ static_cast<uint32_t>(n.last_seen))) torn.fetch_add(1);
        checked.fetch_add(1, std::memory_order_relaxed);
      }
      snapshots.fetch_add(1, std::memory_order_relaxed);
    }
  });
  uint64_t now = 1;
  // Bounded: a fixed number of writes, and at least a few snapshots taken meanwhile.
  for (int round = 0; round < 2000000 && (round < 200000 || snapshots.load() < 20); ++round) {
    const uint32_t ip = 1 + static_cast<uint32_t>(round % 500);
    ++now;
    t.learn(ip, 0, 0, mac_of(ip ^ static_cast<uint32_t>(now)), 0, now);
  }
  done.store(true);
  reader.join();
  EXPECT_GT(snapshots.load(), 0u);
  EXPECT_GT(checked.load(), 0u);
  EXPECT_EQ(torn.load(), 0u);
}

}  // namespace
}  // namespace rampart::arp

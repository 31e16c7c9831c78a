// The ARP stage's memory of the resolution requests it sent (unsolicited-reply detection and
// retry timing): full-key matches, 4-way sets that keep a target's entry when another target
// lands in its set, and counted losses only when a set is full of requests still in the window.
#include <gtest/gtest.h>

#include <set>

#include "arp/asked_table.h"

namespace rampart::arp {
namespace {

constexpr uint64_t kWindow = 1000;

TEST(AskedTable, ComparesTheFullKeyAndTheTime) {
  AskedTable t(1024, kWindow);
  t.note(0x0a000005, 0, 0, 500);
  EXPECT_TRUE(t.asked_since(0x0a000005, 0, 0, 500));
  EXPECT_TRUE(t.asked_since(0x0a000005, 0, 0, 0));
  EXPECT_FALSE(t.asked_since(0x0a000005, 0, 0, 501)) << "asked before `since`";
  EXPECT_FALSE(t.asked_since(0x0a000005, 0, 7, 0)) << "another VLAN";
  EXPECT_FALSE(t.asked_since(0x0a000005, 1, 0, 0)) << "another port";
  EXPECT_FALSE(t.asked_since(0x0a000006, 0, 0, 0));
  t.note(0x0a000005, 0, 7, 600);
  EXPECT_TRUE(t.asked_since(0x0a000005, 0, 7, 600));
  EXPECT_TRUE(t.asked_since(0x0a000005, 0, 0, 500)) << "the VLAN 0 entry is a different one";
  t.note(0x0a000005, 0, 0, 900);  // asked again: the same entry moves on
  EXPECT_TRUE(t.asked_since(0x0a000005, 0, 0, 900));
  EXPECT_EQ(t.fresh_evictions(), 0u);
  // The old direct-mapped table: at time 0 too (a TSC of 0 is not "empty").
  AskedTable z(8, kWindow);
  z.note(1, 0, 0, 0);
  EXPECT_TRUE(z.asked_since(1, 0, 0, 0));
}

// A table of one set (4 entries): every target collides.
TEST(AskedTable, CollidingTargetsKeepTheirEntriesUntilTheSetIsFull) {
  AskedTable t(4, kWindow);
  ASSERT_EQ(t.capacity(), 4u);
  for (uint32_t ip = 1; ip <= 4; ++ip) t.note(ip, 0, 0, 100 + ip);
  for (uint32_t ip = 1; ip <= 4; ++ip) EXPECT_TRUE(t.asked_since(ip, 0, 0, 100)) << ip;
  EXPECT_EQ(t.fresh_evictions(), 0u);
  // A fifth target evicts the oldest (ip 1), which was still inside the window: counted.
  t.note(5, 0, 0, 200);
  EXPECT_FALSE(t.asked_since(1, 0, 0, 0));
  for (uint32_t ip = 2; ip <= 5; ++ip) EXPECT_TRUE(t.asked_since(ip, 0, 0, 100)) << ip;
  EXPECT_EQ(t.fresh_evictions(), 1u);
  // Past the window the entries answer nothing that matters: reused without counting.
  t.note(6, 0, 0, 200 + 2 * kWindow);
  EXPECT_EQ(t.fresh_evictions(), 1u);
  EXPECT_TRUE(t.asked_since(6, 0, 0, 200 + 2 * kWindow));
}

// What the 256-slot table got wrong: many targets asked at once all stay known.
TEST(AskedTable, HoldsARoundOfRequestsWithoutLosingAny) {
  AskedTable t(1024, kWindow);
  for (uint32_t i = 0; i < 400; ++i) t.note(0x0a000000 + i * 7, static_cast<uint16_t>(i % 2), 0, 10);
  for (uint32_t i = 0; i < 400; ++i)
    EXPECT_TRUE(t.asked_since(0x0a000000 + i * 7, static_cast<uint16_t>(i % 2), 0, 10)) << i;
  EXPECT_EQ(t.fresh_evictions(), 0u);
}

}  // namespace
}  // namespace rampart::arp

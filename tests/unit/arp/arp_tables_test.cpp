// The ARP stage's small tables: token buckets (rate and burst), the event ring (order, wrap,
// lost events), the resolution queue (bound, order, release, expiry) and port addresses.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "arp/event_log.h"
#include "arp/port_addresses.h"
#include "arp/resolution_queue.h"
#include "arp/token_bucket.h"

namespace rampart::arp {
namespace {

constexpr uint64_t kHz = 1000000;  // 1 cycle = 1 us

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  TokenBucket b;
  b.configure(RateLimit{10, 5}, kHz);  // 10/s, burst 5
  uint64_t now = 1000;
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += b.take(now);
  EXPECT_EQ(ok, 5);
  // One second later: 10 more tokens, but the bucket holds 5.
  now += kHz;
  ok = 0;
  for (int i = 0; i < 20; ++i) ok += b.take(now);
  EXPECT_EQ(ok, 5);
  // Spread over 2 s at 1 attempt per ms: about 20 pass (10/s).
  ok = 0;
  for (int i = 0; i < 2000; ++i) ok += b.take(now + 1000 * (i + 1));
  EXPECT_GE(ok, 19);
  EXPECT_LE(ok, 21);
}

TEST(TargetLimiter, LimitsEachTargetOnItsOwn) {
  TargetLimiter l(RateLimit{1, 2}, kHz);
  EXPECT_TRUE(l.take(0x0a000001, 10));
  EXPECT_TRUE(l.take(0x0a000001, 10));
  EXPECT_FALSE(l.take(0x0a000001, 10));
  int others = 0;
  for (uint32_t ip = 2; ip < 50; ++ip) others += l.take(0x0a000000 + ip, 10);
  EXPECT_GE(others, 40) << "other targets keep their own buckets (a few may share a slot)";
  EXPECT_TRUE(l.take(0x0a000001, 10 + kHz)) << "refilled after a second";
}

Event ev(EventKind k, uint32_t ip) {
  Event e;
  e.kind = k;
  e.ip = ip;
  return e;
}

TEST(EventLog, KeepsTheLastEventsAndCountsWhatWasLost) {
  EventLog log(4);
  ASSERT_EQ(log.capacity(), 4u);
  for (uint32_t i = 1; i <= 3; ++i) log.push(ev(EventKind::new_station, i));
  std::vector<Event> out;
  uint64_t lost = 0;
  uint64_t cursor = log.read(0, out, 100, lost);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(out[0].ip, 1u);
  EXPECT_EQ(out[2].seq, 3u);
  EXPECT_EQ(cursor, 3u);
  for (uint32_t i = 4; i <= 10; ++i) log.push(ev(EventKind::flip_flop, i));
  out.clear();
  cursor = log.read(cursor, out, 100, lost);
  EXPECT_EQ(lost, 3u) << "events 4..6 were overwritten before this reader came back";
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.front().ip, 7u);
  EXPECT_EQ(out.back().ip, 10u);
  EXPECT_EQ(cursor, 10u);
  out.clear();
  EXPECT_EQ(log.read(cursor, out, 100, lost), 10u);
  EXPECT_TRUE(out.empty());
  // max bounds one read; the cursor resumes where it stopped.
  out.clear();
  cursor = log.read(6, out, 2, lost);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(cursor, 8u);
  EXPECT_EQ(to_string(EventKind::dual_claim), "dual_claim");
}

rte_mbuf* fake(uintptr_t i) { return reinterpret_cast<rte_mbuf*>(i * 64); }

TEST(ResolutionQueue, IsBoundedReleasesInOrderAndExpires) {
  ResolutionQueue q(4);
  EXPECT_TRUE(q.push({fake(1), 10, 0, 0, 100}));
  EXPECT_TRUE(q.push({fake(2), 20, 0, 0, 150}));
  EXPECT_TRUE(q.push({fake(3), 10, 0, 0, 200}));
  EXPECT_TRUE(q.push({fake(4), 10, 1, 0, 200}));  // same IP, other port
  EXPECT_FALSE(q.push({fake(5), 30, 0, 0, 200})) << "full";
  EXPECT_TRUE(q.waiting_for(10, 0, 0));
  EXPECT_FALSE(q.waiting_for(30, 0, 0));
  int targets = 0;
  q.for_each_target([&](const Waiting&) { ++targets; });
  EXPECT_EQ(targets, 3);
  std::vector<rte_mbuf*> got;
  EXPECT_EQ(q.release(10, 0, 0, [&](const Waiting& w) { got.push_back(w.pkt); }), 2u);
  EXPECT_EQ(got, (std::vector<rte_mbuf*>{fake(1), fake(3)}));
  EXPECT_EQ(q.size(), 2u);
  got.clear();
  EXPECT_EQ(q.expire(149, [&](const Waiting& w) { got.push_back(w.pkt); }), 0u);
  EXPECT_EQ(q.expire(150, [&](const Waiting& w) { got.push_back(w.pkt); }), 1u);
  EXPECT_EQ(got, (std::vector<rte_mbuf*>{fake(2)}));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_TRUE(q.push({fake(6), 30, 0, 0, 300}));
}

// Housekeeping asks again for every waiting target once per millisecond: one visit per
// (ip, port, vlan), at its oldest packet, in queue order, call after call.
TEST(ResolutionQueue, VisitsEachTargetOnceInQueueOrder) {
  ResolutionQueue q(4096);
  std::vector<std::tuple<uint32_t, uint16_t, uint16_t>> want;
  for (uint32_t i = 0; i < 4096; ++i) {
    const uint32_t k = i < 4000 ? i : i - 4000;  // the last 96 packets wait for earlier targets
    const uint32_t ip = 0x0a000000 + k % 1000;   // one IP on two ports and two VLANs
    const uint16_t port = static_cast<uint16_t>(k / 1000 % 2), vlan = static_cast<uint16_t>(k / 2000);
    ASSERT_TRUE(q.push({fake(i + 1), ip, port, vlan, 1000}));
    if (i < 4000) want.emplace_back(ip, port, vlan);
  }
  for (int call = 0; call < 3; ++call) {
    std::vector<std::tuple<uint32_t, uint16_t, uint16_t>> got;
    std::vector<rte_mbuf*> first;
    q.for_each_target([&](const Waiting& w) {
      got.emplace_back(w.ip, w.port, w.vlan);
      first.push_back(w.pkt);
    });
    ASSERT_EQ(got, want) << "call " << call;
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i], fake(i + 1));
  }
}

TEST(PortAddresses, FindsOwnAddressesAndTheSourceForATarget) {
  PortAddresses p;
  EXPECT_TRUE(p.add({0x0a000001, 24, 0}));   // 10.0.0.1/24
  EXPECT_TRUE(p.add({0xc0a80101, 16, 0}));   // 192.168.1.1/16
  EXPECT_TRUE(p.add({0x0a000101, 24, 100}));  // 10.0.1.1/24 on VLAN 100
  EXPECT_FALSE(p.add({0x0a000001, 24, 0})) << "duplicate";
  EXPECT_EQ(p.size(), 3u);
  EXPECT_NE(p.find(0x0a000001, 0), nullptr);
  EXPECT_EQ(p.find(0x0a000001, 100), nullptr);
  EXPECT_TRUE(p.owns(0x0a000101));
  EXPECT_FALSE(p.owns(0x0a000002));
  EXPECT_EQ(p.source_for(0xc0a82000, 0)->ip, 0xc0a80101u);
  EXPECT_EQ(p.source_for(0x0a0000fe, 0)->ip, 0x0a000001u);
  EXPECT_EQ(p.source_for(0x08080808, 0)->ip, 0x0a000001u) << "off-subnet: the first on the VLAN";
  EXPECT_EQ(p.source_for(0x0a000105, 100)->ip, 0x0a000101u);
  EXPECT_EQ(p.source_for(0x0a000105, 7), nullptr);
  for (uint32_t i = 3; i < kMaxPortAddresses; ++i) EXPECT_TRUE(p.add({0x0b000000 + i, 32, 0}));
  EXPECT_FALSE(p.add({0x0c000000, 32, 0})) << "full";
}

}  // namespace
}  // namespace rampart::arp

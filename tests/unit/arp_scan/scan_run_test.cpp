// One scan's state machine: passes, per-target backoff, the final timeout, replies, readiness.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "arp/scan_run.h"

using namespace rampart::arp;

constexpr uint64_t kHz = 1'000'000'000;  // 1 GHz: 1 cycle = 1 ns
constexpr uint64_t kMs = kHz / 1000;

static ScanParams params(const char* cidr, uint32_t pps, uint32_t tries, uint32_t timeout_ms) {
  ScanParams p;
  std::string err;
  EXPECT_TRUE(parse_scan_cidr(cidr, &p.range, &err));
  p.pps = pps;
  p.tries = tries;
  p.timeout_ms = timeout_ms;
  p.seed = 42;
  p.tsc_hz = kHz;
  return p;
}

static std::vector<uint32_t> take(ScanRun& run, uint64_t now, uint32_t max = 64) {
  std::vector<uint32_t> ips(64);
  ips.resize(run.next_targets(now, ips.data(), run.ready(now, max)));
  return ips;
}

static const MacBytes kMacA{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const MacBytes kMacB{0x02, 0x11, 0x22, 0x33, 0x44, 0x66};

TEST(ScanRun, RetriesSilentHostsWithBackoffThenFinishes) {
  // 10.0.0.0/29: 6 targets, 3 tries, 100 ms then 150 ms then 225 ms.
  ScanRun run(params("10.0.0.0/29", 0, 3, 100), 0);
  std::vector<uint32_t> first = take(run, 0);
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(std::set<uint32_t>(first.begin(), first.end()).size(), 6u);
  for (uint32_t ip : first) EXPECT_TRUE(ip >= 0x0a000001 && ip <= 0x0a000006);
  EXPECT_TRUE(take(run, 1 * kMs).empty());  // retries not due
  EXPECT_EQ(run.on_reply(first[0], kMacA, 5 * kMs), ScanResults::Outcome::first_reply);
  EXPECT_EQ(run.on_reply(first[3], kMacA, 6 * kMs), ScanResults::Outcome::first_reply);
  EXPECT_EQ(run.answered(), 2u);
  EXPECT_TRUE(take(run, 99 * kMs).empty());
  // Pass 2: only the 4 silent targets, in the same order as pass 1.
  std::vector<uint32_t> second = take(run, 101 * kMs);
  std::vector<uint32_t> expect;
  for (size_t i = 0; i < first.size(); ++i)
    if (i != 0 && i != 3) expect.push_back(first[i]);
  EXPECT_EQ(second, expect);
  // Pass 3 waits 1.5 x 100 ms after pass 2's requests.
  EXPECT_TRUE(take(run, 101 * kMs + 149 * kMs).empty());
  EXPECT_EQ(take(run, 101 * kMs + 151 * kMs).size(), 4u);
  const uint64_t last = 252 * kMs;
  // Out of tries: nothing more is sent; done 1.5 x 150 ms = 225 ms after the last request.
  EXPECT_TRUE(take(run, last + 224 * kMs).empty());
  EXPECT_EQ(run.state(), ScanState::running);
  EXPECT_TRUE(take(run, last + 226 * kMs).empty());
  EXPECT_EQ(run.state(), ScanState::done);
  EXPECT_EQ(run.sent(), 6u + 4u + 4u);
  EXPECT_EQ(run.finish_tsc(), last + 226 * kMs);
  EXPECT_TRUE(take(run, last + 300 * kMs).empty());
}

TEST(ScanRun, FirstReplyRttFromLastRequest) {
  ScanRun run(params("10.0.0.1/32", 0, 2, 100), 0);
  const uint64_t t0 = 7 * kMs;
  ASSERT_EQ(take(run, t0).size(), 1u);
  run.on_reply(0x0a000001, kMacA, t0 + 3 * kMs);
  ScanHost h;
  ASSERT_TRUE(run.results().row(0, &h));
  EXPECT_NEAR(h.rtt_us, 3000, 3);
  EXPECT_EQ(h.ip, 0x0a000001u);
}

TEST(ScanRun, DoneAtOnceWhenEveryTargetAnswered) {
  ScanRun run(params("10.0.0.0/30", 0, 2, 500), 0);
  for (uint32_t ip : take(run, 0)) run.on_reply(ip, kMacA, 1 * kMs);
  EXPECT_TRUE(take(run, 2 * kMs).empty());
  EXPECT_EQ(run.state(), ScanState::done);
  EXPECT_EQ(run.sent(), 2u);
}

TEST(ScanRun, IgnoresRepliesFromTargetsNeverAskedOrOutside) {
  ScanRun run(params("10.0.0.0/24", 1, 2, 100), 0);  // 1 pps: only one request goes at first
  const std::vector<uint32_t> one = take(run, 0);
  ASSERT_EQ(one.size(), 1u);
  const uint32_t other = one[0] == 0x0a000001 ? 0x0a000002 : 0x0a000001;
  EXPECT_EQ(run.on_reply(other, kMacA, 1), ScanResults::Outcome::lost);
  EXPECT_EQ(run.on_reply(0x0a000100, kMacA, 1), ScanResults::Outcome::lost);  // outside
  EXPECT_EQ(run.on_reply(0x0a000000, kMacA, 1), ScanResults::Outcome::lost);  // network
  EXPECT_EQ(run.answered(), 0u);
  EXPECT_EQ(run.on_reply(one[0], kMacA, 1), ScanResults::Outcome::first_reply);
}

TEST(ScanRun, PacedPassTakesRateTime) {
  // 254 targets at 1000 pps (burst 1): the first pass needs about 254 ms.
  ScanRun run(params("10.0.0.0/24", 1000, 1, 10), 0);
  uint64_t sent = 0, t = 0;
  for (; t < 400 * kMs && sent < 254; t += 100'000) sent += take(run, t).size();
  EXPECT_EQ(sent, 254u);
  EXPECT_GE(t, 252 * kMs);
  EXPECT_LE(t, 256 * kMs);
}

TEST(ScanRun, ReadyIsZeroWhileRetriesAreNotDue) {
  ScanRun run(params("10.0.0.0/24", 0, 2, 100), 0);
  EXPECT_EQ(run.ready(0, 64), 64u);  // at most 64 per call
  std::set<uint32_t> all;
  for (int i = 0; i < 10; ++i)
    for (uint32_t ip : take(run, 1)) EXPECT_TRUE(all.insert(ip).second);
  EXPECT_EQ(all.size(), 254u);
  // Pass 2 has begun but its first target is due only at 100 ms: no mbufs asked for meanwhile.
  EXPECT_EQ(run.ready(2, 64), 0u);
  EXPECT_EQ(run.ready(50 * kMs, 64), 0u);
  EXPECT_EQ(run.ready(99 * kMs, 64), 0u);
  EXPECT_EQ(take(run, 101 * kMs).size(), 64u);
  // A caller with fewer mbufs than ready() offered gets no more targets than it asks for.
  std::vector<uint32_t> ips(64);
  EXPECT_GT(run.ready(101 * kMs, 64), 5u);
  EXPECT_EQ(run.next_targets(101 * kMs, ips.data(), 5), 5u);
  EXPECT_EQ(run.sent(), 254u + 69u);
}

TEST(ScanRun, CancelStopsSending) {
  ScanRun run(params("10.0.0.0/24", 1000, 2, 100), 0);
  EXPECT_FALSE(take(run, 0).empty());
  run.request_cancel();
  EXPECT_TRUE(take(run, 10 * kMs).empty());
  EXPECT_EQ(run.state(), ScanState::cancelled);
}

TEST(ScanRun, DuplicatesCounted) {
  ScanRun run(params("10.0.0.0/30", 0, 1, 100), 0);
  const std::vector<uint32_t> ips = take(run, 0);
  run.on_reply(ips[0], kMacA, 1);
  run.on_reply(ips[0], kMacA, 2);
  run.on_reply(ips[0], kMacB, 3);
  EXPECT_EQ(run.answered(), 1u);
  EXPECT_EQ(run.duplicates(), 2u);
  EXPECT_EQ(run.results().rows(), 2u);
}

// One host answering from ever new MACs: at most kMaxMacsPerHost rows; the rest are counted and
// cost no walk past the cap, and the other hosts' rows stay free.
TEST(ScanRun, OneHostCannotTakeEveryRow) {
  ScanRun run(params("10.0.0.0/30", 0, 1, 100), 0);
  const std::vector<uint32_t> ips = take(run, 0);
  for (uint32_t k = 0; k < 1000; ++k) {
    MacBytes mac = kMacB;
    mac[4] = static_cast<uint8_t>(k >> 8);
    mac[5] = static_cast<uint8_t>(k);
    run.on_reply(ips[0], mac, 1 + k);
  }
  EXPECT_EQ(run.results().rows(), ScanResults::kMaxMacsPerHost);
  EXPECT_EQ(run.results().macs_refused(), 1000u - ScanResults::kMaxMacsPerHost);
  EXPECT_EQ(run.results().lost(), 0u);
  EXPECT_EQ(run.on_reply(ips[1], kMacA, 2000), ScanResults::Outcome::first_reply);
  EXPECT_EQ(run.answered(), 2u);
}

// 600 s timeouts backed off over 7 tries wait longer than 32-bit stamps can tell apart: the waits
// are capped, and the scan finishes.
TEST(ScanRun, VeryLongRetryWaitsStillFinish) {
  ScanParams p = params("10.0.0.0/32", 0, 7, 600000);
  p.tsc_hz = 3'000'000'000;
  ScanRun run(p, 0);
  uint64_t now = 0;
  uint32_t sent = 0;
  for (int step = 0; step < 20000 && run.state() == ScanState::running; ++step) {
    sent += static_cast<uint32_t>(take(run, now).size());
    now += 10ull * 3'000'000'000;  // 10 s
  }
  EXPECT_EQ(run.state(), ScanState::done);
  EXPECT_EQ(sent, 7u);
}

TEST(ScanRun, OnlyOneOwner) {
  ScanRun run(params("10.0.0.0/30", 0, 1, 100), 0);
  EXPECT_TRUE(run.try_own(1));
  EXPECT_TRUE(run.try_own(1));
  EXPECT_FALSE(run.try_own(2));
}

// `remaining`: targets not answered that will still be asked. A target leaves the count when it
// answers or when its last request goes out; a late answer to that last request is not counted
// twice.
TEST(ScanRun, RemainingLeavesOutTargetsThatRanOutOfTries) {
  ScanRun run(params("10.0.0.0/29", 0, 2, 100), 0);  // 6 targets, 2 tries
  EXPECT_EQ(run.remaining(), 6u);
  const std::vector<uint32_t> first = take(run, 0);
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(run.remaining(), 6u) << "every target has its retry to come";
  run.on_reply(first[0], kMacA, 1 * kMs);
  EXPECT_EQ(run.remaining(), 5u);
  // The retry pass is the last: once a target's retry went out, it is no longer remaining.
  std::vector<uint32_t> ips(64);
  ASSERT_GT(run.ready(101 * kMs, 2), 0u);
  ASSERT_EQ(run.next_targets(101 * kMs, ips.data(), 2), 2u);
  EXPECT_EQ(run.remaining(), 3u);
  // One of those two answers its last request late: still 3, not 2.
  run.on_reply(ips[0], kMacA, 102 * kMs);
  EXPECT_EQ(run.answered(), 2u);
  EXPECT_EQ(run.remaining(), 3u);
  EXPECT_EQ(take(run, 103 * kMs).size(), 3u);
  EXPECT_EQ(run.remaining(), 0u) << "all out of tries, the scan still waits for answers";
  EXPECT_EQ(run.state(), ScanState::running);
  // A one-try scan: nothing remains once every request went out.
  ScanRun once(params("10.0.0.0/30", 0, 1, 100), 0);
  EXPECT_EQ(once.remaining(), 2u);
  take(once, 0);
  EXPECT_EQ(once.remaining(), 0u);
}

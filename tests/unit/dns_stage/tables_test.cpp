#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "dns/hash.h"
#include "dns/histogram.h"
#include "dns/names.h"
#include "dns/pending_table.h"
#include "dns/space_saving.h"
#include "dns/tcp_flows.h"
#include "wire_name.h"

using namespace rampart::dns;

namespace {

using ::dnstest::wire;

TxKey key(uint32_t client, uint16_t port, uint16_t txid) {
  TxKey k{};
  std::memcpy(k.client, &client, 4);
  const uint32_t server = 0x3500020a;
  std::memcpy(k.server, &server, 4);
  k.client_port = port;
  k.server_port = 53;
  k.txid = txid;
  k.family = 4;
  k.transport = 0;
  return k;
}

std::string domain_of(const std::string& name) {
  const auto w = wire(name);
  const size_t off = registered_domain_offset(w.data(), w.size());
  return wire_to_text(w.data() + off, w.size() - off);
}

}  // namespace

// ------------------------------------------------------------------ pending table

TEST(PendingTable, InsertTakeAndQuestionCheck) {
  PendingTable t(64);
  EXPECT_EQ(t.capacity(), 64u);
  EXPECT_GE(t.slots() * 3, t.capacity() * 4u);  // a quarter of the slots always stays empty
  EXPECT_EQ(t.insert(key(1, 1000, 7), 0xabc, 1, 40, 100), PendingTable::Insert::inserted);
  EXPECT_EQ(t.insert(key(1, 1000, 7), 0xabc, 1, 40, 150), PendingTable::Insert::duplicate);
  EXPECT_EQ(t.size(), 1u);
  PendingEntry e;
  EXPECT_EQ(t.take(key(1, 1001, 7), 0xabc, e), PendingTable::Match::no_entry);
  EXPECT_EQ(t.take(key(1, 1000, 8), 0xabc, e), PendingTable::Match::no_entry);
  EXPECT_EQ(t.take(key(1, 1000, 7), 0xdef, e), PendingTable::Match::other_question);
  EXPECT_EQ(t.size(), 1u);  // a response to another question does not consume the query
  ASSERT_EQ(t.take(key(1, 1000, 7), 0xabc, e), PendingTable::Match::matched);
  EXPECT_EQ(e.tsc, 100u);  // the first query's time is kept
  EXPECT_EQ(e.qtype, 1);
  EXPECT_EQ(e.query_len, 40);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.take(key(1, 1000, 7), 0xabc, e), PendingTable::Match::no_entry);
}

// Judged by age, not by whether the sweep got there: a late answer is no match, and a TxID reused
// after the timeout is a new query, not a duplicate.
TEST(PendingTable, AnExpiredEntryNeitherMatchesNorMakesADuplicate) {
  constexpr uint64_t kTimeout = 1000;
  PendingTable t(64);
  PendingEntry e;
  ASSERT_EQ(t.insert(key(1, 1000, 7), 0xabc, 1, 40, 100, kTimeout), PendingTable::Insert::inserted);
  EXPECT_EQ(t.take(key(1, 1000, 7), 0xabc, e, 1100, kTimeout), PendingTable::Match::matched);  // at the limit
  ASSERT_EQ(t.insert(key(1, 1000, 7), 0xabc, 1, 40, 2000, kTimeout), PendingTable::Insert::inserted);
  EXPECT_EQ(t.take(key(1, 1000, 7), 0xabc, e, 3001, kTimeout), PendingTable::Match::expired);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.take(key(1, 1000, 7), 0xabc, e, 3002, kTimeout), PendingTable::Match::no_entry);

  ASSERT_EQ(t.insert(key(2, 1000, 9), 0x111, 1, 40, 5000, kTimeout), PendingTable::Insert::inserted);
  EXPECT_EQ(t.insert(key(2, 1000, 9), 0x222, 28, 41, 5900, kTimeout), PendingTable::Insert::duplicate);
  EXPECT_EQ(t.insert(key(2, 1000, 9), 0x222, 28, 41, 6001, kTimeout), PendingTable::Insert::replaced_expired);
  EXPECT_EQ(t.size(), 1u);
  ASSERT_EQ(t.take(key(2, 1000, 9), 0x222, e, 6500, kTimeout), PendingTable::Match::matched);
  EXPECT_EQ(e.tsc, 6001u);
  EXPECT_EQ(e.qtype, 28);
  EXPECT_EQ(e.query_len, 41);
  // The sweep agrees on what expired means.
  ASSERT_EQ(t.insert(key(3, 1000, 1), 0x1, 1, 40, 10000, kTimeout), PendingTable::Insert::inserted);
  EXPECT_EQ(t.expire(11000, kTimeout, t.slots()), 0u);
  EXPECT_EQ(t.expire(11001, kTimeout, t.slots()), 1u);
}

TEST(PendingTable, FillsUpThenRefusesAndEverythingStaysFindable) {
  PendingTable t(1000);
  EXPECT_EQ(t.capacity(), 1000u);
  std::vector<TxKey> in;
  uint32_t full = 0;
  for (uint32_t i = 0; i < 2000; ++i) {
    const TxKey k = key(0x0a000000 + i, static_cast<uint16_t>(1024 + i), static_cast<uint16_t>(i * 7));
    const auto r = t.insert(k, i, 1, 30, i);
    if (r == PendingTable::Insert::inserted) in.push_back(k);
    else if (r == PendingTable::Insert::full) ++full;
  }
  EXPECT_EQ(in.size() + full, 2000u);
  EXPECT_EQ(in.size(), 1000u);  // exactly the capacity: the slots past it stay empty
  EXPECT_EQ(t.size(), in.size());
  // At the limit a query already waiting is still told apart from a new one.
  EXPECT_EQ(t.insert(in.back(), 0, 1, 30, 0), PendingTable::Insert::duplicate);
  // Remove every other entry (backward shifts), then every remaining one must still be found.
  PendingEntry e;
  for (size_t i = 0; i < in.size(); i += 2) {
    uint32_t c;
    std::memcpy(&c, in[i].client, 4);
    ASSERT_EQ(t.take(in[i], c - 0x0a000000, e), PendingTable::Match::matched) << i;
  }
  for (size_t i = 1; i < in.size(); i += 2) {
    uint32_t c;
    std::memcpy(&c, in[i].client, 4);
    ASSERT_EQ(t.take(in[i], c - 0x0a000000, e), PendingTable::Match::matched) << i;
  }
  EXPECT_EQ(t.size(), 0u);
}

TEST(PendingTable, RandomOperationsAgreeWithAMap) {
  PendingTable t(256);
  std::map<std::tuple<uint32_t, uint16_t, uint16_t>, uint64_t> model;
  std::mt19937 rng(7);
  for (int op = 0; op < 200000; ++op) {
    const uint32_t c = rng() % 64;
    const uint16_t port = static_cast<uint16_t>(rng() % 8);
    const uint16_t id = static_cast<uint16_t>(rng() % 4);
    const auto mk = std::make_tuple(c, port, id);
    if (rng() % 2) {
      const auto r = t.insert(key(c, port, id), c * 31 + id, 1, 0, op);
      if (model.count(mk)) EXPECT_EQ(r, PendingTable::Insert::duplicate);
      else if (r == PendingTable::Insert::inserted) model[mk] = op;
    } else {
      PendingEntry e;
      const auto r = t.take(key(c, port, id), c * 31 + id, e);
      if (model.count(mk)) {
        ASSERT_EQ(r, PendingTable::Match::matched);
        EXPECT_EQ(e.tsc, model[mk]);
        model.erase(mk);
      } else {
        ASSERT_EQ(r, PendingTable::Match::no_entry);
      }
    }
    ASSERT_EQ(t.size(), model.size());
  }
}

TEST(PendingTable, AFloodHeldAtTheLimitAgreesWithAMap) {
  // An unanswered flood: new queries all the time, a few answered, the rest timing out, the table
  // at its limit throughout. Deletions stop early there (kMaxProbe past the hole): every query the
  // model holds must still be found, and nothing else.
  PendingTable t(96);  // 128 slots: the fullest a table gets (3/4)
  ASSERT_EQ(t.slots(), 128u);
  std::map<std::tuple<uint32_t, uint16_t, uint16_t>, uint64_t> model;
  std::mt19937 rng(20261203);
  constexpr uint64_t kTimeout = 50;
  uint32_t full = 0, full_early = 0;
  for (uint64_t now = 0; now < 20000; ++now) {
    for (int q = 0; q < 8; ++q) {  // 8 new queries a tick: the limit is reached within 12 ticks
      const uint32_t c = rng() % 5000;
      const uint16_t port = static_cast<uint16_t>(rng() % 16);
      const auto mk = std::make_tuple(c, port, uint16_t{1});
      const auto r = t.insert(key(c, port, 1), c, 1, 0, now);
      if (model.count(mk)) {
        ASSERT_EQ(r, PendingTable::Insert::duplicate);
      } else if (r == PendingTable::Insert::inserted) {
        model[mk] = now;
      } else {
        ++full;
        // Below the limit only when kMaxProbe slots from the home are taken: rare at 3/4.
        if (model.size() < t.capacity()) ++full_early;
      }
    }
    if (!model.empty() && rng() % 4 == 0) {  // an answer
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      PendingEntry e;
      const auto [c, port, id] = it->first;
      ASSERT_EQ(t.take(key(c, port, id), c, e), PendingTable::Match::matched);
      EXPECT_EQ(e.tsc, it->second);
      model.erase(it);
    }
    if (now % 10 == 0) {  // a sweep over every slot
      const uint32_t gone = t.expire(now, kTimeout, t.slots());
      uint32_t want = 0;
      for (auto it = model.begin(); it != model.end();)
        if (now - it->second > kTimeout) { it = model.erase(it); ++want; } else { ++it; }
      ASSERT_EQ(gone, want);
    }
    ASSERT_EQ(t.size(), model.size());
    ASSERT_LE(t.size(), t.capacity());
  }
  EXPECT_GT(full, 100000u);  // the flood really ran at the limit
  EXPECT_LT(full_early * 100, full) << full_early << " of " << full;
  PendingEntry e;
  for (const auto& [mk, tsc] : model) {
    const auto [c, port, id] = mk;
    ASSERT_EQ(t.take(key(c, port, id), c, e), PendingTable::Match::matched);
  }
  EXPECT_EQ(t.size(), 0u);
}

TEST(PendingTable, ExpireRemovesOnlyOldEntries) {
  PendingTable t(128);
  for (uint32_t i = 0; i < 100; ++i) t.insert(key(i, 1, 1), 1, 1, 0, i < 40 ? 1000 : 5000);
  // now = 6000, timeout 2000: entries stamped 1000 are older than the timeout, 5000 are not.
  uint32_t removed = 0;
  for (int pass = 0; pass < 4; ++pass) removed += t.expire(6000, 2000, 64);
  EXPECT_EQ(removed, 40u);
  EXPECT_EQ(t.size(), 60u);
  // A timestamp in the future (another clock) never expires.
  EXPECT_EQ(t.expire(0, 10, 1024), 0u);
  PendingEntry e;
  for (uint32_t i = 40; i < 100; ++i) EXPECT_EQ(t.take(key(i, 1, 1), 1, e), PendingTable::Match::matched);
}

// ------------------------------------------------------------------ histogram

TEST(LatencyHistogram, BucketsAreContiguousAndTight) {
  uint64_t next = 0;
  for (unsigned b = 0; b < LatencyHistogram::kBuckets; ++b) {
    EXPECT_EQ(LatencyHistogram::bucket_low(b), next) << b;
    EXPECT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_low(b)), b);
    const uint64_t last = LatencyHistogram::bucket_low(b) + LatencyHistogram::bucket_width(b) - 1;
    EXPECT_EQ(LatencyHistogram::bucket_of(last), b);
    // Width at most 1/16 of the low edge above the linear range.
    if (b >= LatencyHistogram::kSub)
      EXPECT_LE(LatencyHistogram::bucket_width(b) * 16, LatencyHistogram::bucket_low(b));
    next = last + 1;
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(~uint64_t{0}), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, QuantilesWithinBucketPrecision) {
  LatencyHistogram h;
  std::vector<uint64_t> v;
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> d(13.0, 1.2);  // ~ 0.4 ms median, long tail
  for (int i = 0; i < 100000; ++i) {
    const auto x = static_cast<uint64_t>(d(rng));
    v.push_back(x);
    h.record(x);
  }
  std::sort(v.begin(), v.end());
  HistogramSnapshot s;
  s.add(h);
  EXPECT_EQ(s.count, v.size());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact = v[static_cast<size_t>(std::ceil(q * v.size())) - 1];
    const uint64_t got = s.quantile_ns(q);
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(exact), exact / 30.0 + 1) << q;
  }
  EXPECT_GE(s.max_ns(), v.back());
  EXPECT_LE(s.max_ns(), v.back() + v.back() / 16);
  HistogramSnapshot empty;
  EXPECT_EQ(empty.quantile_ns(0.5), 0u);
}

TEST(LatencyHistogram, SnapshotsSumLcores) {
  LatencyHistogram a, b;
  for (int i = 0; i < 10; ++i) a.record(1000);
  for (int i = 0; i < 30; ++i) b.record(3000000);
  HistogramSnapshot s;
  s.add(a);
  s.add(b);
  EXPECT_EQ(s.count, 40u);
  EXPECT_NEAR(static_cast<double>(s.quantile_ns(0.2)), 1000, 40);
  EXPECT_NEAR(static_cast<double>(s.quantile_ns(0.5)), 3000000, 100000);
}

// ------------------------------------------------------------------ space-saving

TEST(SpaceSaving, ExactWhileUnderCapacity) {
  SpaceSaving<16> s(8);
  const std::string keys[] = {"a", "bb", "ccc"};
  for (int i = 0; i < 10; ++i)
    for (int k = 0; k <= i % 3; ++k) s.add(reinterpret_cast<const uint8_t*>(keys[k].data()), keys[k].size(), hash_bytes(keys[k].data(), keys[k].size()));
  s.publish();
  uint64_t total = 0;
  auto items = s.read(&total);
  std::map<std::string, uint64_t> got;
  for (const auto& it : items) {
    got[it.key] = it.count;
    EXPECT_EQ(it.error, 0u);
  }
  EXPECT_EQ(got["a"], 10u);
  EXPECT_EQ(got["bb"], 6u);
  EXPECT_EQ(got["ccc"], 3u);
  EXPECT_EQ(total, 19u);
}

TEST(SpaceSaving, FindsHeavyHittersInAZipfStreamWithBoundedError) {
  constexpr uint32_t kCap = 64;
  SpaceSaving<32> s(kCap);
  std::map<std::string, uint64_t> truth;
  std::mt19937 rng(11);
  // Zipf-like: key i with weight 1/(i+1) over 5000 keys.
  std::vector<double> w;
  for (int i = 0; i < 5000; ++i) w.push_back(1.0 / (i + 1));
  std::discrete_distribution<int> d(w.begin(), w.end());
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const std::string k = "name" + std::to_string(d(rng)) + ".example";
    ++truth[k];
    s.add(reinterpret_cast<const uint8_t*>(k.data()), k.size(), hash_bytes(k.data(), k.size()));
  }
  s.publish();
  auto items = s.read();
  ASSERT_EQ(items.size(), kCap);
  std::map<std::string, std::pair<uint64_t, uint64_t>> got;
  uint64_t sum = 0;
  for (const auto& it : items) {
    got[it.key] = {it.count, it.error};
    sum += it.count;
    const uint64_t t = truth[it.key];
    EXPECT_LE(it.count - it.error, t) << it.key;
    EXPECT_GE(it.count, t) << it.key;
  }
  EXPECT_EQ(sum, static_cast<uint64_t>(kN));  // space-saving's invariant: counts sum to the stream
  // Every key above N/K is present.
  for (const auto& [k, t] : truth)
    if (t > kN / kCap) EXPECT_TRUE(got.count(k)) << k << " " << t;
  // The top 5 are the 5 most frequent keys.
  std::vector<std::pair<uint64_t, std::string>> by_truth;
  for (const auto& [k, t] : truth) by_truth.push_back({t, k});
  std::sort(by_truth.rbegin(), by_truth.rend());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  for (int i = 0; i < 5; ++i) EXPECT_EQ(items[i].key, by_truth[i].second);
}

TEST(SpaceSaving, ReadSeesOnlyPublishedState) {
  SpaceSaving<8> s(4);
  const uint8_t k[] = {1, 2, 3};
  s.add(k, 3, 42);
  EXPECT_TRUE(s.read().empty());
  EXPECT_TRUE(s.dirty());
  s.publish();
  EXPECT_FALSE(s.dirty());
  EXPECT_EQ(s.read().size(), 1u);
}

// ------------------------------------------------------------------ TCP flow table

TEST(TcpFlowTable, BothDirectionsShareAFlowAndFullTablesEvict) {
  TcpFlowTable t(2);
  uint8_t a[16] = {10, 0, 0, 1}, b[16] = {10, 0, 0, 53};
  unsigned d1 = 9, d2 = 9;
  const FlowKey k1 = make_flow_key(a, 40000, b, 53, 4, d1);
  const FlowKey k2 = make_flow_key(b, 53, a, 40000, 4, d2);
  EXPECT_NE(d1, d2);
  EXPECT_EQ(std::memcmp(&k1, &k2, sizeof k1), 0);
  bool created, evicted;
  auto* f1 = t.get(k1, 1, created, evicted);
  EXPECT_TRUE(created);
  EXPECT_EQ(t.get(k2, 2, created, evicted), f1);
  EXPECT_FALSE(created);
  unsigned d;
  t.get(make_flow_key(a, 40001, b, 53, 4, d), 3, created, evicted);
  EXPECT_EQ(t.active(), 2u);
  EXPECT_FALSE(evicted);
  t.get(make_flow_key(a, 40002, b, 53, 4, d), 4, created, evicted);
  EXPECT_TRUE(created);
  EXPECT_TRUE(evicted);
  EXPECT_EQ(t.active(), 2u);
  // Expiry: flows idle for longer than 10 ticks at time 100.
  EXPECT_EQ(t.expire(100, 10, 8), 2u);
  EXPECT_EQ(t.active(), 0u);
}

TEST(TcpFlowTable, ReassemblesThroughAFlow) {
  TcpFlowTable t(4);
  uint8_t a[16] = {1}, b[16] = {2};
  unsigned dir;
  bool created, evicted;
  auto* f = t.get(make_flow_key(a, 1234, b, 53, 4, dir), 0, created, evicted);
  ASSERT_NE(f, nullptr);
  f->dir[dir].on_syn(1000);
  std::vector<uint8_t> seg = {0, 12};
  for (int i = 0; i < 12; ++i) seg.push_back(static_cast<uint8_t>(i));
  int messages = 0;
  f->dir[dir].feed(1001, seg.data(), seg.size(), [&](const uint8_t*, size_t n) { messages += n == 12; });
  EXPECT_EQ(messages, 1);
  t.release(f);
  EXPECT_EQ(t.stats().messages, 1u);
}

TEST(SynTable, RemembersBothDirectionsUntilTakenAndCountsOverwrites) {
  SynTable t(4);  // 4 slots: collisions are easy to make
  uint8_t a[16] = {10, 0, 0, 1}, b[16] = {10, 0, 0, 53};
  unsigned d_syn, d_synack;
  const FlowKey k = make_flow_key(a, 40000, b, 53, 4, d_syn);
  const uint64_t h = TcpFlowTable::hash(k);
  make_flow_key(b, 53, a, 40000, 4, d_synack);
  EXPECT_EQ(t.record(k, h, d_syn, 1000, 10), SynTable::Record::recorded);
  EXPECT_EQ(t.record(k, h, d_synack, 5000, 11), SynTable::Record::recorded) << "the SYN-ACK joins the entry";
  uint32_t isn[2];
  bool known[2];
  EXPECT_FALSE(t.take(k, h, 12, isn, known)) << "recorded before `since`: stale";
  ASSERT_TRUE(t.take(k, h, 5, isn, known));
  EXPECT_TRUE(known[0] && known[1]);
  EXPECT_EQ(isn[d_syn], 1000u);
  EXPECT_EQ(isn[d_synack], 5000u);
  EXPECT_FALSE(t.take(k, h, 5, isn, known)) << "taken once";
  // A flood of other connections' SYNs overwrites slots and says so.
  uint64_t replaced = 0;
  t.record(k, h, d_syn, 1, 20);
  for (uint16_t p = 1; p <= 64; ++p) {
    unsigned d = 0;
    const FlowKey o = make_flow_key(a, static_cast<uint16_t>(50000 + p), b, 53, 4, d);
    replaced += t.record(o, TcpFlowTable::hash(o), d, p, 20) == SynTable::Record::replaced;
  }
  EXPECT_GE(replaced, 60u);
  EXPECT_FALSE(t.take(k, h, 0, isn, known)) << "overwritten";
  SynTable off(0);
  EXPECT_EQ(off.record(k, h, 0, 1, 1), SynTable::Record::off);
  EXPECT_FALSE(off.take(k, h, 0, isn, known));
}

// ------------------------------------------------------------------ names

TEST(DnsNames, CodePointNamesAreTelemetryKeys) {
  EXPECT_EQ(qtype_name(1), "A");
  EXPECT_EQ(qtype_name(28), "AAAA");
  EXPECT_EQ(qtype_name(23), "NSAP_PTR");
  EXPECT_EQ(qtype_name(65), "HTTPS");
  EXPECT_EQ(qtype_name(255), "ANY");
  EXPECT_EQ(qtype_name(4242), "TYPE4242");
  EXPECT_EQ(rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(rcode_name(16), "BADVERS");
  EXPECT_EQ(rcode_name(14), "RCODE14");
  EXPECT_EQ(qclass_name(1), "IN");
  EXPECT_EQ(qclass_name(3), "CH");
  EXPECT_EQ(opcode_name(5), "UPDATE");
  EXPECT_EQ(opcode_name(9), "OPCODE9");
  for (unsigned t = 0; t < 70000; t += 7)
    for (char c : qtype_name(static_cast<uint16_t>(t)))
      ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_') << t;
}

TEST(DnsNames, RegisteredDomainApproximation) {
  EXPECT_EQ(domain_of("www.example.com"), "example.com.");
  EXPECT_EQ(domain_of("a.b.c.example.com"), "example.com.");
  EXPECT_EQ(domain_of("example.com"), "example.com.");
  EXPECT_EQ(domain_of("com"), "com.");
  EXPECT_EQ(domain_of("www.bbc.co.uk"), "bbc.co.uk.");
  EXPECT_EQ(domain_of("shop.example.com.au"), "example.com.au.");
  EXPECT_EQ(domain_of("x.example.de"), "example.de.");
  EXPECT_EQ(domain_of("co.uk"), "co.uk.");
  const std::vector<uint8_t> root = {0};
  EXPECT_EQ(registered_domain_offset(root.data(), 1), 0u);
  EXPECT_EQ(wire_to_text(root.data(), 1), ".");
  const auto odd = wire("a\\b.c");
  EXPECT_EQ(wire_to_text(odd.data(), odd.size()), "a\\\\b.c.");
}

namespace rampart::dns {
namespace {

// The hash depends on the key's bytes only (not on what surrounds it in memory, which the tail
// read touches for keys of 8 bytes or more), at every length and alignment, and every byte counts.
// Two buffers of `size` bytes that differ in every byte: a key copied from one into the other has
// different bytes right outside it.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> differing_buffers(size_t size) {
  std::vector<uint8_t> a(size), b(size);
  for (size_t i = 0; i < size; ++i) {
    a[i] = static_cast<uint8_t>(i * 37 + 11);
    b[i] = static_cast<uint8_t>(~a[i]);
  }
  return {a, b};
}

TEST(HashBytes, DependsOnExactlyTheKeyBytes) {
  auto [a, b] = differing_buffers(96);
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t off = 8; off < 16; ++off) {
      std::copy(a.begin() + 40, a.begin() + 40 + static_cast<long>(n), b.begin() + static_cast<long>(off));
      const uint64_t h = hash_bytes(a.data() + 40, n);
      EXPECT_EQ(hash_bytes(b.data() + off, n), h) << "n=" << n << " off=" << off;
      for (size_t k = 0; k < n; ++k) {
        b[off + k] ^= 0x01;
        EXPECT_NE(hash_bytes(b.data() + off, n), h) << "n=" << n << " byte " << k;
        b[off + k] ^= 0x01;
      }
    }
  }
}

// keys_equal against memcmp for every length a key can have, equal and differing in any one byte,
// at any alignment, with different bytes right outside the keys.
TEST(KeysEqual, AgreesWithMemcmpForEveryLengthAndByte) {
  auto [a, b] = differing_buffers(300);
  for (size_t n = 0; n <= 255; ++n) {
    for (size_t off = 8; off < 12; ++off) {
      std::copy(a.begin() + 20, a.begin() + 20 + static_cast<long>(n), b.begin() + static_cast<long>(off));
      ASSERT_TRUE(keys_equal(a.data() + 20, b.data() + off, n)) << "n=" << n << " off=" << off;
      for (size_t k = 0; k < n; ++k) {
        b[off + k] ^= 0x80;
        ASSERT_FALSE(keys_equal(a.data() + 20, b.data() + off, n)) << "n=" << n << " byte " << k;
        b[off + k] ^= 0x80;
      }
    }
  }
}

}  // namespace
}  // namespace rampart::dns

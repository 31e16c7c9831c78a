// The DNS stage's own behaviour, case by case, in EAL: messages built here are fed through the
// stage's observe paths (observe_message for DNS messages, process() with classified frames for
// TCP), and the answers of /rampart/dns/stats, /top and /alerts are checked, also merged over two
// stage instances as two lcores would run them. Also the query log writer's failure handling and
// the refusal of pipeline plans that split DNS transactions over instances.
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "../../unit/dns/dns_writer.h"
#include "../pipeline_util.h"
#include "app/rampart/app_state.h"
#include "app/rampart/config.h"
#include "app/rampart/dns_commands.h"
#include "app/rampart/dns_query_log.h"
#include "app/rampart/telemetry.h"
#include "classify/classify_stage.h"
#include "common/json.h"
#include "core/lcore_runner.h"
#include "core/meta.h"
#include "dns/dns_stage.h"
#include "dns_test_util.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

using ::dnstest::endpoints;
using ::dnstest::endpoints6;

namespace fs = std::filesystem;
using json::Value;

// ------------------------------------------------------------------ messages

constexpr uint16_t kA = 1, kTxt = 16, kAny = 255, kDnskey = 48;

// A question-only message; `opt_size` >= 0 adds an OPT RR (that UDP size, `edns_flags`,
// `ext_rcode`) with `padding` bytes of EDNS padding.
Bytes message(uint16_t id, uint16_t flags, const std::string& name, uint16_t qtype, int opt_size = -1,
              uint16_t edns_flags = 0, uint8_t ext_rcode = 0, size_t padding = 0) {
  dnstest::Writer w;
  w.header(id, flags, 1, 0, 0, opt_size >= 0 ? 1 : 0);
  w.question(name, qtype);
  if (opt_size >= 0) {
    std::vector<uint8_t> opts;
    if (padding) {
      opts = {0, 12, static_cast<uint8_t>(padding >> 8), static_cast<uint8_t>(padding)};
      opts.resize(4 + padding, 0);
    }
    w.opt(static_cast<uint16_t>(opt_size), ext_rcode, 0, edns_flags, opts);
  }
  return w.b;
}

Bytes query(uint16_t id, const std::string& name, uint16_t qtype = kA) { return message(id, 0x0100, name, qtype); }

// A response of `total` bytes (at least the question plus 12 + 11): one TXT answer filled up.
Bytes response(uint16_t id, const std::string& name, uint16_t qtype, size_t total, uint16_t rcode = 0) {
  dnstest::Writer w;
  w.header(id, static_cast<uint16_t>(0x8180 | rcode), 1, 1, 0, 0);
  w.question(name, qtype);
  w.ptr(12);
  const size_t l = w.rr(kTxt, 1, 300);
  size_t left = total > w.size() ? total - w.size() : 1;
  while (left) {
    const size_t n = std::min<size_t>(left - 1, 255);
    w.u8(static_cast<uint8_t>(n));
    w.b.insert(w.b.end(), n, 'x');
    left -= n + 1;
  }
  w.end_rdata(l);
  return w.b;
}

// A message with its DNS-over-TCP length prefix.
Bytes framed(const Bytes& m) {
  Bytes f(m.size() + 2);
  f[0] = static_cast<uint8_t>(m.size() >> 8);
  f[1] = static_cast<uint8_t>(m.size());
  std::copy(m.begin(), m.end(), f.begin() + 2);
  return f;
}

// ------------------------------------------------------------------ rig

// An AppState holding `lcores` runners, each with its own DNS stage, as telemetry sees them.
struct Rig {
  std::unique_ptr<app::AppState> app = std::make_unique<app::AppState>();
  std::vector<dns::DnsStage*> stages;
  uint64_t hz = rte_get_tsc_hz();
  uint64_t t0 = rte_rdtsc();

  explicit Rig(const dns::DnsConfig& cfg, int lcores = 1) {
    for (int i = 0; i < lcores; ++i) {
      auto r = std::make_unique<core::LcoreRunner>(rte_lcore_id(), 32, 1000000);
      auto st = std::make_unique<dns::DnsStage>(cfg, core::ForwardConfig{}, hz);
      stages.push_back(st.get());
      r->set_local_stage(std::move(st));
      app->runners.push_back(std::move(r));
    }
    app->start_tsc = t0;
    app->start_unix = 1700000000;
  }
  dns::DnsStage& s(int i = 0) { return *stages[i]; }
  const dns::DnsCounters& c(int i = 0) { return stages[i]->counters(); }
  uint64_t at_ms(double ms) const { return t0 + static_cast<uint64_t>(ms * static_cast<double>(hz) / 1000.0); }
  void feed(const Bytes& m, const dns::DnsStage::Endpoints& ep, double ms, int lcore = 0) {
    stages[lcore]->observe_message(m.data(), m.size(), ep, false, at_ms(ms));
  }
  // flush() at `ms` on every instance: closes detection windows, publishes the top-N summaries.
  void flush(double ms) {
    core::StageContext ctx;
    ctx.now_tsc = at_ms(ms);
    for (auto* st : stages) st->flush(ctx);
  }
  Value stats() { return app::normalize_for_telemetry(app::dns_stats(*app)); }
  Value top(const std::string& p) { return app::dns_top(*app, p); }
  Value alerts() { return app::dns_alerts(*app); }
};

uint64_t at(const Value& v, const std::string& dict, const std::string& key) {
  const Value* d = v.find(dict);
  if (!d) return ~0ull;
  const Value* k = d->find(key);
  return k ? k->as_uint() : 0;
}

const Value* find_alert(const Value& alerts, const std::string& kind, const std::string& key) {
  for (const auto& a : alerts.find("alerts")->as_array())
    if (a.find("kind")->as_string() == kind && a.find("key")->as_string() == key) return &a;
  return nullptr;
}

// The top list as (key, count, error) rows.
struct Row {
  std::string key;
  uint64_t count, error;
};
std::vector<Row> rows(const Value& top) {
  std::vector<Row> out;
  const auto& k = top.find("keys")->as_array();
  for (size_t i = 0; i < k.size(); ++i)
    out.push_back({k[i].as_string(), top.find("counts")->as_array()[i].as_uint(),
                   top.find("errors")->as_array()[i].as_uint()});
  return out;
}

const auto kClient = endpoints(0x0a000001, 40000, 0x0a000035, 53);  // 10.0.0.1 -> 10.0.0.53
const auto kServer = endpoints(0x0a000035, 53, 0x0a000001, 40000);

// ------------------------------------------------------------------ counters

TEST(DnsStageCounters, TruncatedResponseWithCutSectionsIsKeptAndMatched) {
  Rig rig(dns::DnsConfig{});
  const Bytes q = query(7, "big.example", kA);
  // A TC=1 response announcing 2 answers, cut inside the second: header and question stand.
  dnstest::Writer w;
  w.header(7, 0x8380, 1, 2, 0, 0);
  w.question("big.example", kA);
  for (int i = 0; i < 2; ++i) {
    w.ptr(12);
    const size_t l = w.rr(kA, 1, 60);
    w.bytes({192, 0, 2, static_cast<uint8_t>(i)});
    w.end_rdata(l);
  }
  w.b.resize(w.b.size() - 6);
  rig.feed(q, kClient, 0);
  rig.feed(w.b, kServer, 1);
  // The same cut without TC is plain malformed: not kept, not matched.
  Bytes cut = w.b;
  cut[2] = 0x81;
  rig.feed(query(8, "big.example", kA), kClient, 2);
  rig.feed(cut, endpoints(0x0a000035, 53, 0x0a000001, 40000), 3);
  const auto& c = rig.c();
  EXPECT_EQ(c.truncated_kept.load(), 1u);
  EXPECT_EQ(c.malformed.load(), 2u);
  EXPECT_EQ(c.matched.load(), 1u);
  EXPECT_EQ(c.responses.load(), 1u);
  EXPECT_EQ(c.response_flags[dns::flag_tc].load(), 1u);
  const Value st = rig.stats();
  EXPECT_EQ(st.find("truncated_kept")->as_uint(), 1u);
  EXPECT_EQ(at(st, "rcodes", "NOERROR"), 1u);
  EXPECT_EQ(at(st, "malformed_by_error", "truncated_rr") + at(st, "malformed_by_error", "rdata_overrun"), 2u);
}

TEST(DnsStageCounters, DuplicateQueriesAndQuestionMismatch) {
  Rig rig(dns::DnsConfig{});
  rig.feed(query(1, "a.example", kA), kClient, 0);
  rig.feed(query(1, "a.example", kA), kClient, 1);  // retransmitted: same endpoints and TxID
  rig.feed(response(1, "b.example", kA, 80), kServer, 2);  // right TxID, another question
  rig.feed(response(1, "a.example", kAny, 80), kServer, 3);  // right name, another QTYPE
  rig.feed(response(1, "A.EXAMPLE", kA, 80), kServer, 4);  // case differs: still the question
  const Value st = rig.stats();
  EXPECT_EQ(st.find("duplicate_queries")->as_uint(), 1u);
  EXPECT_EQ(st.find("question_mismatch")->as_uint(), 2u);
  EXPECT_EQ(st.find("unmatched_responses")->as_uint(), 2u);
  EXPECT_EQ(st.find("matched")->as_uint(), 1u);
  EXPECT_EQ(st.find("pending")->as_uint(), 0u);
  EXPECT_EQ(st.find("latency_us")->find("count")->as_uint(), 1u);
}

// The sweep visits a few hundred slots per flush, so an expired query may still sit in the table:
// a late answer must not match it, and the TxID reused after the timeout is a new query.
TEST(DnsStageCounters, ExpiredQueriesNeitherMatchNorMakeDuplicates) {
  dns::DnsConfig cfg;
  cfg.query_timeout_ms = 2000;
  Rig rig(cfg);
  rig.feed(query(1, "a.example", kA), kClient, 0);
  rig.feed(response(1, "a.example", kA, 80), kServer, 4900);  // 4.9 s later: late
  rig.feed(query(2, "b.example", kA), kClient, 5000);
  rig.feed(query(2, "b.example", kA), kClient, 8000);  // reused after the timeout: a new query
  rig.feed(response(2, "b.example", kA, 80), kServer, 8100);
  const Value st = rig.stats();
  EXPECT_EQ(st.find("matched")->as_uint(), 1u);
  EXPECT_EQ(st.find("timeouts")->as_uint(), 2u);
  EXPECT_EQ(st.find("unmatched_responses")->as_uint(), 1u);
  EXPECT_EQ(st.find("duplicate_queries")->as_uint(), 0u);
  EXPECT_EQ(st.find("question_mismatch")->as_uint(), 0u);
  EXPECT_EQ(st.find("pending")->as_uint(), 0u);
  EXPECT_EQ(st.find("latency_us")->find("count")->as_uint(), 1u);
  EXPECT_LT(st.find("latency_us")->find("max")->as_uint(), 104000u);  // 100 ms, histogram-rounded
}

TEST(DnsStageCounters, ExtendedRcodesReachStats) {
  Rig rig(dns::DnsConfig{});
  // BADVERS = 16 (header 0, OPT upper bits 1), BADCOOKIE = 23 (header 7, upper 1), and 0xabc.
  rig.feed(message(1, 0x8100, "x.example", kA, 1232, 0, 1), kServer, 0);
  rig.feed(message(2, 0x8107, "x.example", kA, 1232, 0, 1), kServer, 1);
  rig.feed(message(3, 0x8100 | 0xc, "x.example", kA, 1232, 0, 0xab), kServer, 2);
  rig.feed(message(4, 0x8103, "x.example", kA), kServer, 3);  // NXDOMAIN without EDNS
  const Value st = rig.stats();
  EXPECT_EQ(at(st, "rcodes", "BADVERS"), 1u);
  EXPECT_EQ(at(st, "rcodes", "BADCOOKIE"), 1u);
  EXPECT_EQ(at(st, "rcodes", "OTHER"), 1u) << "rcodes above 63 share a slot";
  EXPECT_EQ(at(st, "rcodes", "NXDOMAIN"), 1u);
  EXPECT_EQ(at(st, "rcodes", "NOERROR"), 0u) << "BADVERS is not NOERROR";
  EXPECT_EQ(st.find("responses_edns")->as_uint(), 3u);
}

TEST(DnsStageCounters, FlagsEdnsSizesAndOpcodes) {
  Rig rig(dns::DnsConfig{});
  uint16_t id = 0;
  // Queries: AD set (RFC 6840 asks for it), CD, DO on some, EDNS sizes in every bucket.
  const int sizes[] = {400, 512, 1232, 1400, 4000, 4096, 4096};
  auto feed = [&](uint16_t flags, uint16_t qtype, int opt_size = -1, uint16_t edns_flags = 0) {
    ++id;
    rig.feed(message(id, flags, id < 9 ? "q.example" : "zone.example", qtype, opt_size, edns_flags), kClient, id);
  };
  for (int s : sizes) feed(0x0120, kA, s, 0x8000);
  feed(0x0110, kA);  // CD, no EDNS
  // Opcodes: NOTIFY (4), UPDATE (5), STATUS (2), and an unassigned one (9).
  for (uint16_t op : {4, 5, 2, 9}) feed(static_cast<uint16_t>(op << 11), 6);
  // Responses: AD + DO, AA.
  rig.feed(message(1, 0x81a0, "q.example", kA, 1232, 0x8000), kServer, 100);
  rig.feed(message(2, 0x8580, "q.example", kA), kServer, 101);
  const Value st = rig.stats();
  EXPECT_EQ(at(st, "query_flags", "do"), 7u);
  EXPECT_EQ(at(st, "query_flags", "ad"), 7u);
  EXPECT_EQ(at(st, "query_flags", "cd"), 1u);
  EXPECT_EQ(at(st, "query_flags", "rd"), 8u);
  EXPECT_EQ(at(st, "response_flags", "ad"), 1u);
  EXPECT_EQ(at(st, "response_flags", "do"), 1u);
  EXPECT_EQ(at(st, "response_flags", "aa"), 1u);
  EXPECT_EQ(at(st, "response_flags", "ra"), 2u);
  for (const auto& [bucket, n] : std::map<std::string, uint64_t>{
           {"lt_512", 1}, {"eq_512", 1}, {"le_1232", 1}, {"le_1452", 1}, {"lt_4096", 1}, {"ge_4096", 2}})
    EXPECT_EQ(at(st, "query_edns_size", bucket), n) << bucket;
  EXPECT_EQ(st.find("queries_edns")->as_uint(), 7u);
  EXPECT_EQ(at(st, "opcodes", "QUERY"), 10u);
  EXPECT_EQ(at(st, "opcodes", "NOTIFY"), 1u);
  EXPECT_EQ(at(st, "opcodes", "UPDATE"), 1u);
  EXPECT_EQ(at(st, "opcodes", "STATUS"), 1u);
  EXPECT_EQ(at(st, "opcodes", "OPCODE9"), 1u);
}

TEST(DnsStageCounters, PendingFullIsCounted) {
  dns::DnsConfig cfg;
  cfg.pending_entries = 64;
  Rig rig(cfg);
  for (uint16_t i = 0; i < 500; ++i) rig.feed(query(i, "p.example"), endpoints(0x0a000001, 1000 + i, 0x0a000035, 53), i * 0.01);
  rig.flush(5);  // well within query_timeout_ms: nothing expires
  const Value st = rig.stats();
  EXPECT_EQ(st.find("queries")->as_uint(), 500u);
  EXPECT_GT(st.find("pending_full")->as_uint(), 0u);
  EXPECT_EQ(st.find("pending")->as_uint() + st.find("pending_full")->as_uint(), 500u);
  // Exactly the configured number waits: the table refuses only at its limit.
  EXPECT_EQ(st.find("pending")->as_uint(), 64u);
  EXPECT_EQ(st.find("pending_capacity")->as_uint(), 64u);
}

TEST(DnsStageCounters, ForwardPointersAndAnswerRdataAreChecked) {
  for (bool validate : {true, false}) {
    SCOPED_TRACE(validate ? "validate_rdata" : "no validate_rdata");
    dns::DnsConfig cfg;
    cfg.validate_rdata = validate;
    Rig rig(cfg);
    // An answer whose owner points forward, to a name written after it (in the rdata).
    dnstest::Writer w;
    w.header(1, 0x8180, 1, 1, 0, 0);
    w.question("fw.example", kA);
    const size_t owner_at = w.pos();
    w.ptr(0);  // patched below
    const size_t l = w.rr(5 /* CNAME */, 1, 60);
    const size_t target = w.name("t.example");
    w.end_rdata(l);
    w.b[owner_at + 1] = static_cast<uint8_t>(target);
    rig.feed(w.b, kServer, 0);
    // An A record with 3 bytes of rdata: framed correctly, bad by its type.
    dnstest::Writer bad;
    bad.header(2, 0x8180, 1, 1, 0, 0);
    bad.question("bad.example", kA);
    bad.ptr(12);
    const size_t bl = bad.rr(kA, 1, 60);
    bad.bytes({1, 2, 3});
    bad.end_rdata(bl);
    rig.feed(bad.b, kServer, 1);
    rig.feed(response(3, "ok.example", kTxt, 300), kServer, 2);
    const Value st = rig.stats();
    EXPECT_EQ(st.find("forward_pointers")->as_uint(), 1u);
    EXPECT_EQ(st.find("bad_rdata")->as_uint(), validate ? 1u : 0u);
    EXPECT_EQ(st.find("malformed")->as_uint(), 0u) << "bad rdata does not make the message malformed";
    EXPECT_EQ(st.find("responses")->as_uint(), 3u);
  }
}

// ------------------------------------------------------------------ top-N

TEST(DnsStageTop, ListsHoldWhatWasQueried) {
  Rig rig(dns::DnsConfig{});
  uint16_t id = 0;
  double t = 0;
  const std::vector<std::pair<uint32_t, std::vector<std::string>>> traffic = {
      {0x0a000001, {"a.one.com", "a.one.com", "a.one.com", "b.one.com", "x.two.org"}},
      {0x0a000002, {"a.one.com", "b.one.com", "x.two.org"}},
      {0x0a000003, {"x.two.org"}},
  };
  for (const auto& [client, names] : traffic)
    for (const auto& n : names) {
      ++id;
      t += 2;
      rig.feed(query(id, n), endpoints(client, 5000, 0x0a000035, 53), t);
      const bool nx = n == "x.two.org";
      rig.feed(response(id, n, kA, 60, nx ? 3 : 0), endpoints(0x0a000035, 53, client, 5000), t + 1);
    }
  rig.flush(t + 1);
  auto expect = [&](const std::string& list, const std::vector<std::pair<std::string, uint64_t>>& want) {
    SCOPED_TRACE(list);
    const Value v = rig.top(list);
    const auto r = rows(v);
    ASSERT_EQ(r.size(), want.size()) << json::write(v);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(r[i].key, want[i].first);
      EXPECT_EQ(r[i].count, want[i].second);
      EXPECT_EQ(r[i].error, 0u);
    }
  };
  expect("names", {{"a.one.com.", 4}, {"x.two.org.", 3}, {"b.one.com.", 2}});
  expect("domains", {{"one.com.", 6}, {"two.org.", 3}});
  expect("clients", {{"10.0.0.1", 5}, {"10.0.0.2", 3}, {"10.0.0.3", 1}});
  expect("nxdomain", {{"x.two.org.", 3}});
  expect("names,1", {{"a.one.com.", 4}});
  EXPECT_EQ(rig.top("nxdomain").find("total")->as_uint(), 3u);
  EXPECT_EQ(rig.top("names").find("total")->as_uint(), 9u);
}

// Client keys hold the family and every address byte (the last one too), for both families, and
// the same client is one entry whichever direction its messages travel.
TEST(DnsStageTop, ClientsOfBothFamilies) {
  Rig rig(dns::DnsConfig{});
  const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0xab, 0xff};
  const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
  double t = 0;
  for (uint16_t id = 1; id <= 3; ++id) {
    t += 2;
    rig.feed(query(id, "v6.example"), endpoints6(c6, 5000, s6, 53), t);
    rig.feed(response(id, "v6.example", kA, 60), endpoints6(s6, 53, c6, 5000), t + 1);
  }
  rig.feed(query(9, "v4.example"), endpoints(0x0a0000ff, 5000, 0x0a000035, 53), t + 2);
  rig.flush(t + 3);
  const auto r = rows(rig.top("clients"));
  ASSERT_EQ(r.size(), 2u) << json::write(rig.top("clients"));
  EXPECT_EQ(r[0].key, "2001:db8:1:2:3:4:5:abff");
  EXPECT_EQ(r[0].count, 3u);
  EXPECT_EQ(r[1].key, "10.0.0.255");
  EXPECT_EQ(r[1].count, 1u);
  EXPECT_EQ(rig.stats().find("matched")->as_uint(), 3u);
}

TEST(DnsStageTop, TwoLcoresMergeWithinTheSpaceSavingBounds) {
  dns::DnsConfig small;
  small.topn_capacity = 4;
  Rig rig(small, 2);
  std::map<std::string, uint64_t> truth;
  uint16_t id = 0;
  auto q = [&](int lcore, const std::string& n) {
    ++id;
    rig.feed(query(id, n), endpoints(0x0a000001 + lcore, 6000, 0x0a000035, 53), id * 0.01, lcore);
    ++truth[n + "."];
  };
  // Lcore 0 (4 counters, full): x early, then enough other names to evict it. Lcore 1 (not full):
  // x ten times. Adding only the lcores that hold x would say 10; it was queried 15 times.
  for (int i = 0; i < 5; ++i) q(0, "x.example.com");
  for (int r = 0; r < 8; ++r)
    for (const char* n : {"p.example.com", "q.example.com", "r.example.com", "s.example.com"}) q(0, n);
  for (int i = 0; i < 10; ++i) q(1, "x.example.com");
  q(1, "y.example.com");
  rig.flush(100);
  const auto r = rows(rig.top("names,10"));
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front().key, "x.example.com.");
  for (const auto& row : r) {
    const uint64_t t = truth.at(row.key);
    EXPECT_LE(row.count - row.error, t) << row.key;
    EXPECT_GE(row.count, t) << row.key;
  }
  EXPECT_EQ(rig.top("names").find("total")->as_uint(), 48u);
}

// ------------------------------------------------------------------ amplification

// `n` transactions spread over [from_ms, from_ms + span_ms): the victim's address (spoofed) asks
// `reflector`, whose response of `resp_bytes` goes back to the victim. `query_pad` bytes of EDNS
// padding make the query bigger. Unmatched: responses only.
void reflect(Rig& rig, uint32_t victim, uint32_t reflector, int n, uint16_t qtype, size_t resp_bytes,
             bool matched, double from_ms, double span_ms = 1000, size_t query_pad = 0, int lcore = 0,
             uint16_t first_port = 1024) {
  for (int i = 0; i < n; ++i) {
    const double t = from_ms + span_ms * i / n;
    const auto port = static_cast<uint16_t>(first_port + i % 30000);
    const auto id = static_cast<uint16_t>(i);
    if (matched) {
      const Bytes q = query_pad ? message(id, 0x0100, "amp.example", qtype, 4096, 0, 0, query_pad)
                                : query(id, "amp.example", qtype);
      rig.feed(q, endpoints(victim, port, reflector, 53), t, lcore);
    }
    rig.feed(response(id, "amp.example", qtype, resp_bytes), endpoints(reflector, 53, victim, port), t + 0.01, lcore);
  }
}

constexpr uint32_t kVictim = 0xc0000207;     // 192.0.2.7
constexpr uint32_t kVictim2 = 0xc0000208;    // 192.0.2.8
constexpr uint32_t kReflector = 0xc6336401;  // 198.51.100.1

TEST(DnsAmplification, UnmatchedResponsesTriggerPerAddress) {
  Rig rig(dns::DnsConfig{});  // 500 unmatched/s
  rig.flush(0);
  reflect(rig, kVictim, kReflector, 700, kA, 200, false, 0);
  reflect(rig, kVictim2, kReflector, 600, kA, 200, false, 0);
  reflect(rig, 0xc0000209, kReflector, 100, kA, 200, false, 0);  // below
  rig.flush(1001);
  const Value al = rig.alerts();
  EXPECT_EQ(al.find("active")->as_uint(), 2u) << json::write(al);
  for (auto [addr, n] : {std::pair{"192.0.2.7", 700u}, std::pair{"192.0.2.8", 600u}}) {
    const Value* a = find_alert(al, "amplification", addr);
    ASSERT_TRUE(a) << addr << json::write(al);
    EXPECT_EQ(a->find("triggers")->as_string(), "unmatched");
    // Counted from when the address was admitted: after its first few hundred bytes (2 responses).
    EXPECT_NEAR(static_cast<double>(a->find("unmatched")->as_uint()), n, 2);
    EXPECT_EQ(a->find("rate_per_s")->as_uint(), a->find("unmatched")->as_uint());
    EXPECT_EQ(a->find("bytes")->as_uint(), a->find("unmatched")->as_uint() * 200);
    EXPECT_NEAR(a->find("start_unix")->as_double(), 1700000000.0, 0.01);
  }
}

TEST(DnsAmplification, LargeResponsesTrigger) {
  Rig rig(dns::DnsConfig{});  // 1000 large (> 1232 bytes) per second
  rig.flush(0);
  // Matched (the spoofed queries were seen too), 1300-byte answers to ~90-byte queries: ratio 14.
  reflect(rig, kVictim, kReflector, 1200, kA, 1300, true, 0, 1000, 40);
  rig.flush(1001);
  const Value al = rig.alerts();
  ASSERT_EQ(al.find("active")->as_uint(), 1u) << json::write(al);
  const Value* a = find_alert(al, "amplification", "192.0.2.7");
  ASSERT_TRUE(a) << json::write(al);
  EXPECT_EQ(a->find("triggers")->as_string(), "large");
  EXPECT_EQ(a->find("large")->as_uint(), 1200u);
  EXPECT_EQ(a->find("unmatched")->as_uint(), 0u);
  EXPECT_LT(a->find("ratio")->as_double(), 20.0);
  EXPECT_EQ(rig.c().matched.load(), 1200u);
}

TEST(DnsAmplification, AnyTxtDnskeyResponsesTrigger) {
  Rig rig(dns::DnsConfig{});  // 1000 ANY/TXT/DNSKEY per second
  rig.flush(0);
  reflect(rig, kVictim, kReflector, 400, kAny, 600, true, 0, 1000, 40);
  reflect(rig, kVictim, kReflector, 400, kTxt, 600, true, 0, 1000, 40, 0, 20000);
  reflect(rig, kVictim, kReflector, 400, kDnskey, 600, true, 0, 1000, 40, 0, 40000);
  rig.flush(1001);
  const Value al = rig.alerts();
  const Value* a = find_alert(al, "amplification", "192.0.2.7");
  ASSERT_TRUE(a) << json::write(al);
  EXPECT_EQ(a->find("triggers")->as_string(), "any_txt_dnskey");
  EXPECT_EQ(a->find("any_txt_dnskey")->as_uint(), 1200u);
  EXPECT_EQ(a->find("large")->as_uint(), 0u);
}

TEST(DnsAmplification, ByteRatioTriggers) {
  Rig rig(dns::DnsConfig{});  // x20, with at least 1 MB/s of responses
  rig.flush(0);
  // 1000/s of 1200-byte answers (not large) to ~29-byte queries: x41, 1.2 MB/s.
  reflect(rig, kVictim, kReflector, 1000, kA, 1200, true, 0);
  // The same ratio at a trickle is no attack: 50 KB/s.
  reflect(rig, kVictim2, kReflector, 40, kA, 1200, true, 0);
  rig.flush(1001);
  const Value al = rig.alerts();
  ASSERT_EQ(al.find("active")->as_uint(), 1u) << json::write(al);
  const Value* a = find_alert(al, "amplification", "192.0.2.7");
  ASSERT_TRUE(a) << json::write(al);
  EXPECT_EQ(a->find("triggers")->as_string(), "ratio");
  EXPECT_GT(a->find("ratio")->as_double(), 40.0);
  EXPECT_NE(a->find("evidence")->as_string().find(", ratio 41."), std::string::npos)
      << a->find("evidence")->as_string();
}

TEST(DnsAmplification, BusyBenignResolverRaisesNothing) {
  // A resolver's address (10.9.9.9) asking authoritative servers 5,000 times a second: mostly
  // small answers, 4 % large (DNSSEC), 3 % TXT and a few DNSKEY, 1 % answered too late (unmatched).
  Rig rig(dns::DnsConfig{});
  rig.flush(0);
  std::mt19937 rng(3);
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 5000; ++i) {
      const double t = s * 1000 + i / 5.0;
      const auto port = static_cast<uint16_t>(1024 + (s * 5000 + i) % 60000);
      const auto id = static_cast<uint16_t>(rng());
      const unsigned roll = rng() % 1000;
      const uint16_t qtype = roll < 30 ? kTxt : roll < 35 ? kDnskey : kA;
      const size_t size = roll >= 960 ? 1400 : 80 + rng() % 300;
      const uint32_t server = 0x0a100000 + rng() % 200;
      const std::string name = "n" + std::to_string(rng() % 3000) + ".zone" + std::to_string(rng() % 100) + ".com";
      const Bytes q = message(id, 0x0000, name, qtype, 1232, 0x8000);
      if (roll % 100 != 0) rig.feed(q, endpoints(0x0a090909, port, server, 53), t);
      rig.feed(response(id, name, qtype, size), endpoints(server, 53, 0x0a090909, port), t + 0.1);
    }
    rig.flush(s * 1000 + 1001);
    EXPECT_EQ(rig.alerts().find("active")->as_uint(), 0u) << json::write(rig.alerts());
  }
  EXPECT_EQ(rig.alerts().find("raised_total")->as_uint(), 0u);
  EXPECT_GT(rig.c().matched.load(), 14000u);
}

TEST(DnsAmplification, AlertsMergeOverTwoLcoresFromByteTotals) {
  dns::DnsConfig cfg;
  cfg.detect.amplification_large_rate = 500;
  Rig rig(cfg, 2);
  rig.flush(0);
  // Each lcore: 700 large answers a second to the same victim; queries of different sizes.
  reflect(rig, kVictim, kReflector, 700, kA, 1500, true, 0, 1000, 0, 0);
  reflect(rig, kVictim, kReflector, 700, kA, 1500, true, 0, 1000, 60, 1);
  rig.flush(1001);
  const Value al = rig.alerts();
  ASSERT_EQ(al.find("active")->as_uint(), 1u) << json::write(al);
  const Value* a = find_alert(al, "amplification", "192.0.2.7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->find("lcores")->as_uint(), 2u);
  EXPECT_EQ(a->find("rate_per_s")->as_uint(), 1400u);
  EXPECT_EQ(a->find("large")->as_uint(), 1400u);
  EXPECT_NE(a->find("triggers")->as_string().find("large"), std::string::npos);
  // The merged ratio is total response bytes over total query bytes, not a sum of ratios.
  const double q0 = static_cast<double>(query(0, "amp.example", kA).size());
  const double q1 = static_cast<double>(message(0, 0x0100, "amp.example", kA, 4096, 0, 0, 60).size());
  const double want = 1400.0 * 1500 / (700 * q0 + 700 * q1);
  EXPECT_NEAR(a->find("ratio")->as_double(), want, 0.01);
  EXPECT_EQ(al.find("raised_total")->as_uint(), 2u);
}

// ------------------------------------------------------------------ random subdomains

TEST(DnsRandomSubdomain, FiftyThousandQpsThroughTheStage) {
  Rig rig(dns::DnsConfig{});
  rig.flush(0);
  std::mt19937 rng(9);
  auto label = [&] {
    std::string s(10, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  };
  // 1.2 s: 50,000 random names a second under one domain, 20,000 ordinary queries a second over
  // 1,000 domains whose names repeat.
  uint16_t id = 0;
  for (int ms = 0; ms < 1200; ++ms) {
    for (int k = 0; k < 50; ++k) {
      ++id;
      rig.feed(query(id, label() + ".water-torture.net"), endpoints(0x0a000100 + k, 7000, 0x0a000035, 53), ms);
    }
    for (int k = 0; k < 20; ++k) {
      const unsigned a = rng() % 1000, b = 1 + rng() % 1000;
      ++id;
      rig.feed(query(id, "www.site" + std::to_string(a % b) + ".com"), endpoints(0x0a000200 + k, 7000, 0x0a000035, 53), ms);
    }
    if (ms == 1000) rig.flush(1000.5);
  }
  const Value al = rig.alerts();
  const Value* a = find_alert(al, "random_subdomain", "water-torture.net.");
  ASSERT_TRUE(a) << json::write(al);
  EXPECT_NEAR(static_cast<double>(a->find("rate_per_s")->as_uint()), 50000, 1000);
  EXPECT_EQ(al.find("active")->as_uint(), 1u) << json::write(al);
}

// ------------------------------------------------------------------ DNS over TCP

class DnsStageTcp : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("dnsstage_tcp", 1023, 0, core::kMetaPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  }
  static void TearDownTestSuite() { rte_mempool_free(pool_); }

 protected:
  void SetUp() override { in_use_ = rte_mempool_in_use_count(pool_); }
  void TearDown() override { EXPECT_EQ(rte_mempool_in_use_count(pool_), in_use_) << "mbuf leak"; }

  // Classify, then the DNS stage, one frame at a time.
  void send(dns::DnsStage& st, const Bytes& frame) {
    rte_mbuf* m = mbuf_from(pool_, frame);
    ASSERT_NE(m, nullptr);
    core::StageContext ctx;
    ctx.now_tsc = rte_rdtsc();
    core::meta(m)->in_port = 0;
    core::meta(m)->rx_tsc = ctx.now_tsc;
    classify_.process(&m, 1, ctx);
    ASSERT_EQ(core::verdict_of(ctx, &m, 0), static_cast<uint8_t>(core::StageId::dns)) << hex(frame);
    st.process(&m, 1, ctx);
    rte_pktmbuf_free(m);
  }
  static Bytes tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags,
                   uint32_t seq, uint32_t ack, const Bytes& data = {}) {
    proto::PacketBuilder b;
    b.eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4(src, dst).tcp(sport, dport, flags, seq, ack);
    if (!data.empty()) b.payload(data);
    return b.build();
  }

  classify::ClassifyStage classify_{classify::ClassifyConfig{}};
  static rte_mempool* pool_;
  unsigned in_use_ = 0;
};

rte_mempool* DnsStageTcp::pool_ = nullptr;

TEST_F(DnsStageTcp, SynFloodDoesNotEvictFlowsCarryingData) {
  namespace f = proto::tcp_flag;
  dns::DnsConfig cfg;
  cfg.tcp_flows = 4;
  dns::DnsStage st(cfg, core::ForwardConfig{}, rte_get_tsc_hz());
  // Two real connections: handshake, then each query; then 3,000 SYNs from spoofed sources (a
  // SYN flood on the resolver's port 53); then the two responses.
  const char* kC = "10.0.0.1";
  const char* kS = "10.0.0.53";
  for (uint16_t c = 0; c < 2; ++c) {
    const uint16_t port = 40000 + c;
    const uint32_t cis = 1000 + c * 100000, sis = 5000 + c * 100000;
    send(st, tcp(kC, port, kS, 53, f::syn, cis, 0));
    send(st, tcp(kS, 53, kC, port, f::syn | f::ack, sis, cis + 1));
    send(st, tcp(kC, port, kS, 53, f::ack, cis + 1, sis + 1));
    send(st, tcp(kC, port, kS, 53, f::psh | f::ack, cis + 1, sis + 1, framed(query(c, "tcp.example"))));
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 3000; ++i) {
    const std::string src = "198.18." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256);
    send(st, tcp(src.c_str(), static_cast<uint16_t>(1024 + rng() % 60000), kS, 53, f::syn, rng(), 0));
  }
  for (uint16_t c = 0; c < 2; ++c) {
    const uint16_t port = 40000 + c;
    const uint32_t cis = 1000 + c * 100000, sis = 5000 + c * 100000;
    const Bytes r = framed(response(c, "tcp.example", kA, 120));
    send(st, tcp(kS, 53, kC, port, f::psh | f::ack, sis + 1, cis + 1 + 31, r));
  }
  const auto& c = st.counters();
  EXPECT_EQ(c.matched.load(), 2u);
  EXPECT_EQ(c.tcp_flows_created.load(), 2u) << "only segments with data create flows";
  EXPECT_EQ(c.tcp_flows_evicted.load(), 0u);
  EXPECT_EQ(c.tcp_syn_used.load(), 2u) << "both flows started from their handshake's ISNs";
  EXPECT_EQ(c.tcp_syn_recorded.load(), 3004u);
  EXPECT_GT(c.tcp_syn_overwritten.load(), 1000u) << "the flood churns the SYN cache instead";
  core::StageContext ctx;
  ctx.now_tsc = rte_rdtsc();
  st.flush(ctx);
  const auto t = st.tcp_stats();
  EXPECT_EQ(t.resyncs, 0u) << "message boundaries were known from the SYNs";
  EXPECT_EQ(t.messages, 4u);
}

TEST_F(DnsStageTcp, UnsyncedStreamIsHeldAndThenResynchronised) {
  namespace f = proto::tcp_flag;
  dns::DnsStage st(dns::DnsConfig{}, core::ForwardConfig{}, rte_get_tsc_hz());
  // Joined mid-stream (no SYN) into 40 segments in which every 16th offset is a length prefix of
  // 65520 before a plausible header: thousands of candidates that never complete. The search's
  // work stays linear (the reassembler's own tests pin the bound down; here it must hold through
  // the stage and show in its statistics), and when the junk stops, the next real message is
  // found.
  uint32_t seq = 77;
  uint64_t bytes = 0;
  for (int i = 0; i < 40; ++i) {
    Bytes seg;
    while (seg.size() < 1400) {
      const Bytes lookalike = {0xff, 0xf0, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xee, 0xee};
      seg.insert(seg.end(), lookalike.begin(), lookalike.end());
    }
    send(st, tcp("10.0.0.1", 40000, "10.0.0.53", 53, f::ack, seq, 1, seg));
    seq += static_cast<uint32_t>(seg.size());
    bytes += seg.size();
  }
  const auto& c = st.counters();
  EXPECT_EQ(c.messages.load(), 0u);
  send(st, tcp("10.0.0.1", 40000, "10.0.0.53", 53, f::psh | f::ack, seq, 1, framed(query(7, "after.example"))));
  EXPECT_EQ(c.messages.load(), 1u) << "the real message after the junk is found";
  EXPECT_EQ(c.tcp_flows_created.load(), 1u);
  core::StageContext ctx;
  ctx.now_tsc = rte_rdtsc();
  st.flush(ctx);  // publishes the reassemblers' statistics
  const auto t = st.tcp_stats();
  EXPECT_EQ(t.resyncs, 1u);
  EXPECT_GT(t.search_limited, 3000u) << "candidates beyond the tracked few are dropped and counted";
  EXPECT_LE(t.search_steps, 6 * (bytes + 64)) << "linear in the bytes taken in";
}

// ------------------------------------------------------------------ query log

std::vector<dns::QueryLogRecord> records(int n) {
  std::vector<dns::QueryLogRecord> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    dns::QueryLogRecord& r = out[static_cast<size_t>(i)];
    std::memset(&r, 0, sizeof r);
    r.family = 4;
    r.client[0] = 10;
    r.server[0] = 10;
    r.server_port = 53;
    r.qtype = 1;
    r.qname_len = 3;
    r.qname[0] = 1;
    r.qname[1] = 'a';
  }
  return out;
}

size_t lines_in(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string l;
  size_t n = 0;
  while (std::getline(in, l)) ++n;
  return n;
}

TEST(DnsQueryLog, RecordsThatCannotBeWrittenAreCountedAndTheFileIsRetried) {
  const std::string dir = make_temp_dir("dns-qlog-fail");
  const std::string path = dir + "/not-yet/q.log";  // the directory does not exist (root or not)
  dns::QueryLogRing ring(64);
  app::QueryLogCounters& counters = app::dns_query_log_counters();
  const uint64_t lost0 = counters.lost.load(), err0 = counters.write_errors.load();
  app::QueryLogWriter w(path, 1 << 20, 2, {&ring}, dnstest::unix_from(1700000000.0, rte_get_tsc_hz()), &counters, 0);
  EXPECT_FALSE(w.ok());
  for (const auto& r : records(10)) ASSERT_TRUE(ring.push(r));
  EXPECT_EQ(w.poll(), 10u) << "the ring is drained even without a file";
  EXPECT_EQ(w.lost(), lost0 + 10);
  EXPECT_GE(w.write_errors(), err0 + 2) << "the open at start and the retry in poll() failed";
  // /rampart/dns/stats shows them.
  app::AppState app;
  const Value st = app::normalize_for_telemetry(app::dns_stats(app));
  EXPECT_EQ(st.find("query_log_lost")->as_uint(), lost0 + 10);
  EXPECT_GE(st.find("query_log_write_errors")->as_uint(), err0 + 2);
  // Once the directory exists the next poll opens the file and writes.
  fs::create_directory(dir + "/not-yet");
  for (const auto& r : records(5)) ASSERT_TRUE(ring.push(r));
  EXPECT_EQ(w.poll(), 5u);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.lost(), lost0 + 10);
  EXPECT_EQ(lines_in(path), 5u);
  remove_tree(dir);
}

TEST(DnsQueryLog, FailedWritesAreCountedNotIgnored) {
  // /dev/full accepts the open and refuses every write (ENOSPC): buffered lines fail at the flush.
  // Not a regular file, so it is never rotated (renamed).
  dns::QueryLogRing ring(64);
  app::QueryLogWriter w("/dev/full", 4096, 2, {&ring}, dnstest::unix_from(1700000000.0, rte_get_tsc_hz()), nullptr, 0);
  ASSERT_TRUE(w.ok());
  for (const auto& r : records(20)) ASSERT_TRUE(ring.push(r));
  EXPECT_EQ(w.poll(), 20u);
  EXPECT_EQ(w.written(), 0u);
  EXPECT_EQ(w.lost(), 20u);
  EXPECT_GE(w.write_errors(), 1u);
  EXPECT_EQ(w.rotations(), 0u);
  EXPECT_TRUE(fs::exists("/dev/full"));
  // Reopened after the retry interval (0 here), it opens again but still cannot be written: it
  // is still failing, and the log must not say it is writing again (it did on every reopen).
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  for (const auto& r : records(5)) ASSERT_TRUE(ring.push(r));
  EXPECT_EQ(w.poll(), 5u);
  spdlog::set_default_logger(previous);
  EXPECT_TRUE(w.failing());
  EXPECT_EQ(w.lost(), 25u);
  for (const std::string& line : sink->last_formatted())
    EXPECT_EQ(line.find("again ("), std::string::npos) << line;
}

// ------------------------------------------------------------------ pipeline plans

class DnsPlan : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("dns-plan"); }
  void TearDown() override { remove_tree(dir_); }
  std::string file(const std::string& extra) {
    const std::string f = dir_ + "/bump.toml";
    write_file(f,
               "[ports.a]\nprofile = \"net_pcap\"\nargs = { rx_pcap = \"a.pcap\" }\npeer = \"b\"\n"
               "[ports.b]\nprofile = \"net_pcap\"\nargs = { rx_pcap = \"b.pcap\" }\npeer = \"a\"\n" +
                   extra);
    return f;
  }
  std::string dir_;
};

const std::string kAll = "stages = [\"classify\", \"arp\", \"dns\", \"tcp\", \"other\", \"tx\"]\n";

TEST_F(DnsPlan, EachSideOfABumpOnItsOwnDnsLcoreIsRefused) {
  const std::string split =
      "[pipeline.lcores.1]\nrx = [\"a\"]\n" + kAll + "[pipeline.lcores.2]\nrx = [\"b\"]\n" + kAll;
  const std::string f = file(split);
  try {
    app::load_config(f, {});
    ADD_FAILURE() << "accepted a plan where responses never meet their queries";
  } catch (const app::ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(f), std::string::npos) << m;
    EXPECT_NE(m.find("key 'pipeline.lcores'"), std::string::npos) << m;
    EXPECT_NE(m.find("lcore 1 polls a:0 but none of b"), std::string::npos) << m;
    EXPECT_NE(m.find("allow_split_transactions"), std::string::npos) << m;
  }
  // Accepted when the operator says so (the DNS commands then warn at start and stats show it).
  const app::Config cfg = app::load_config(file(split + "[stages.dns]\nallow_split_transactions = true\n"), {});
  EXPECT_FALSE(app::dns_split_transactions(cfg).empty());
  app::AppState st;
  st.cfg = cfg;
  EXPECT_TRUE(app::dns_stats(st).find("transactions_may_split")->as_bool());
  // And no question without the DNS stage.
  EXPECT_NO_THROW(app::load_config(file(split + "[stages.dns]\nobserve = false\n"), {}));
}

TEST_F(DnsPlan, PlansThatKeepTransactionsTogetherAreAccepted) {
  // Both sides' queue 0 on lcore 1 and queue 1 on lcore 2 (symmetric RSS).
  EXPECT_NO_THROW(app::load_config(
      file("[pipeline.lcores.1]\nrx = [\"a:0\", \"b:0\"]\n" + kAll + "[pipeline.lcores.2]\nrx = [\"a:1\", \"b:1\"]\n" + kAll),
      {}));
  // Sides apart, dns on one lcore fed by rings.
  EXPECT_NO_THROW(app::load_config(
      file("[pipeline.lcores.1]\nrx = [\"a\"]\nstages = [\"classify\"]\n[pipeline.lcores.2]\nrx = [\"b\"]\n"
           "stages = [\"classify\"]\n[pipeline.lcores.3]\nstages = [\"arp\", \"dns\", \"tcp\", \"other\", \"tx\"]\n"),
      {}));
  // The default plan.
  EXPECT_NO_THROW(app::load_config(file(""), {}));
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new rampart::pipetest::EalEnvironment("dnsstage", {}));
  return RUN_ALL_TESTS();
}

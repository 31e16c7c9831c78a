// The ARP scanner in EAL with a real mempool: the frames ScanEngine builds (byte for byte, every
// target once, scattered), the whole loop behind the real classify and ARP stages (requests out
// through the stage's emit hook, replies fed back in through classify, duplicates recorded,
// retries only for the silent), no target lost when the pool runs dry, and two lcores sharing one
// engine. Clocks are the tests' own (1 cycle = 1 ns) so timeouts are exact.
#include <rte_errno.h>
#include <rte_lcore.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "../pipeline_util.h"
#include "arp/addr_text.h"
#include "arp/arp_stage.h"
#include "arp/oui.h"
#include "arp/scan_engine.h"
#include "classify/classify_stage.h"
#include "core/meta.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

constexpr uint16_t kPort = 0;
constexpr const char* kOurMac = "02:aa:00:00:00:01";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";
constexpr const char* kZero = "00:00:00:00:00:00";
constexpr uint64_t kHz = 1000000000;
constexpr uint64_t kMs = kHz / 1000;

uint32_t target_of(const Bytes& f) {
  return uint32_t{f[38]} << 24 | uint32_t{f[39]} << 16 | uint32_t{f[40]} << 8 | f[41];
}

rte_ether_addr ether(const char* text) {
  const auto m = proto::parse_mac(text);
  rte_ether_addr a;
  std::copy(m.begin(), m.end(), a.addr_bytes);
  return a;
}

arp::ScanRequest request_for(const char* cidr, uint32_t pps, uint32_t tries, uint32_t timeout_ms) {
  arp::ScanRequest r;
  std::string err;
  EXPECT_TRUE(arp::parse_scan_cidr(cidr, &r.range, &err)) << err;
  r.port = kPort;
  r.pps = pps;
  r.tries = tries;
  r.timeout_ms = timeout_ms;
  r.src_ip = arp::make_scan_range(0x0a000001, 32).first;  // 10.0.0.1
  r.src_mac = ether(kOurMac);
  r.seed = 7;
  return r;
}

class ScanPipelineTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("scan_pool", 4095, 0, core::kMetaPrivSize,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  }
  static void TearDownTestSuite() { rte_mempool_free(pool_); }

 protected:
  void SetUp() override { in_use_at_start_ = rte_mempool_in_use_count(pool_); }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_in_use_count(pool_), in_use_at_start_) << "mbuf leak";
  }

  // Everything generate() gives at `now` (up to `max` per call, until it gives nothing), freed.
  std::vector<Bytes> drain(arp::ScanEngine& e, uint64_t now, uint16_t max = 32) {
    std::vector<Bytes> out;
    rte_mbuf* m[64];
    for (;;) {
      const uint16_t n = e.generate(now, pool_, m, max);
      if (n == 0) return out;
      for (uint16_t i = 0; i < n; ++i) {
        EXPECT_EQ(core::meta(m[i])->out_port, kPort);
        out.push_back(bytes_of(m[i]));
        rte_pktmbuf_free(m[i]);
      }
    }
  }

  static rte_mempool* pool_;
  unsigned in_use_at_start_ = 0;
};

rte_mempool* ScanPipelineTest::pool_ = nullptr;

TEST_F(ScanPipelineTest, EngineBuildsOneCorrectRequestPerTargetInScatteredOrder) {
  arp::ScanEngine engine(kHz);
  std::string err;
  const uint32_t id = engine.start(request_for("10.0.0.0/27", 0, 1, 100), 0, &err);
  ASSERT_NE(id, 0u) << err;
  const std::vector<Bytes> frames = drain(engine, 1);
  ASSERT_EQ(frames.size(), 30u);
  std::vector<uint32_t> order;
  for (const Bytes& f : frames) {
    const uint32_t t = target_of(f);
    order.push_back(t);
    const std::string tpa = arp::format_ipv4(t);
    EXPECT_EQ(f, proto::PacketBuilder().eth(kOurMac, kBcast).arp(1, kOurMac, "10.0.0.1", kZero, tpa.c_str()).pad_to(60).build())
        << hex(f);
  }
  std::set<uint32_t> unique(order.begin(), order.end());
  EXPECT_EQ(unique.size(), 30u);
  EXPECT_EQ(*unique.begin(), 0x0a000001u);  // network .0 and broadcast .31 skipped
  EXPECT_EQ(*unique.rbegin(), 0x0a00001eu);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
  int neighbours = 0;
  for (size_t i = 1; i < order.size(); ++i) neighbours += order[i] == order[i - 1] + 1;
  EXPECT_LT(neighbours, 5);
  // Nothing more until the timeout ends the scan.
  EXPECT_TRUE(drain(engine, 99 * kMs).empty());
  arp::ScanInfo info;
  ASSERT_TRUE(engine.info(id, 99 * kMs, &info));
  EXPECT_EQ(info.state, arp::ScanState::running);
  EXPECT_EQ(info.sent, 30u);
  EXPECT_TRUE(drain(engine, 102 * kMs).empty());
  ASSERT_TRUE(engine.info(id, 102 * kMs, &info));
  EXPECT_EQ(info.state, arp::ScanState::done);
}

TEST_F(ScanPipelineTest, PacedScanSendsAtTheRate) {
  arp::ScanEngine engine(kHz);
  std::string err;
  ASSERT_NE(engine.start(request_for("10.0.0.0/24", 10000, 1, 10), 0, &err), 0u) << err;
  size_t sent = 0;
  for (uint64_t t = 0; t <= 10 * kMs; t += 50'000) sent += drain(engine, t).size();  // 10 ms
  EXPECT_GE(sent, 100u);  // 10000 pps x 10 ms, plus the 10-packet bucket at most
  EXPECT_LE(sent, 111u);
}

TEST_F(ScanPipelineTest, EmptyPoolMarksNoTargetSent) {
  rte_mempool* tiny = rte_pktmbuf_pool_create("scan_tiny", 15, 0, core::kMetaPrivSize,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  ASSERT_NE(tiny, nullptr);
  arp::ScanEngine engine(kHz);
  std::string err;
  const uint32_t id = engine.start(request_for("10.0.0.0/24", 0, 1, 10), 0, &err);
  rte_mbuf* m[64];
  EXPECT_EQ(engine.generate(1, tiny, m, 32), 0);  // 32 do not fit a 15-mbuf pool
  arp::ScanInfo info;
  ASSERT_TRUE(engine.info(id, 1, &info));
  EXPECT_EQ(info.alloc_failures, 1u);
  EXPECT_EQ(info.sent, 0u);
  std::set<uint32_t> targets;
  for (int i = 0; i < 100; ++i) {
    const uint16_t n = engine.generate(2, tiny, m, 8);
    for (uint16_t j = 0; j < n; ++j) {
      EXPECT_TRUE(targets.insert(target_of(bytes_of(m[j]))).second);
      rte_pktmbuf_free(m[j]);
    }
  }
  EXPECT_EQ(targets.size(), 254u);
  ASSERT_TRUE(engine.info(id, 2, &info));
  EXPECT_EQ(info.sent, 254u);
  rte_mempool_free(tiny);
}

TEST_F(ScanPipelineTest, TwoLcoresShareOneEngineWithoutSendingTwice) {
  arp::ScanEngine engine(kHz);
  std::string err;
  const uint32_t a = engine.start(request_for("10.1.0.0/20", 0, 1, 10), 0, &err);
  const uint32_t b = engine.start(request_for("10.2.0.0/20", 0, 1, 10), 0, &err);
  ASSERT_TRUE(a && b) << err;
  std::vector<uint32_t> got[2];
  std::atomic<bool> go{false};
  auto worker = [&](int w) {
    while (!go.load()) {}
    rte_mbuf* m[32];
    for (int round = 0; round < 20000; ++round) {
      const uint16_t n = engine.generate(1, pool_, m, 32);
      for (uint16_t j = 0; j < n; ++j) {
        got[w].push_back(target_of(bytes_of(m[j])));
        rte_pktmbuf_free(m[j]);
      }
      // Replies for what the other worker sent arrive here (any lcore may see them).
      for (uint16_t j = 0; j < n && j < 2; ++j)
        engine.on_reply(arp::ScanReply{kPort, 0, got[w][got[w].size() - 1 - j], 0x0a000001,
                                       proto::parse_mac("00:16:3e:00:00:01"), proto::parse_mac(kOurMac)},
                        2);
    }
  };
  std::thread t0(worker, 0), t1(worker, 1);
  go = true;
  t0.join();
  t1.join();
  std::map<uint32_t, int> count;
  std::set<int> senders_a, senders_b;
  for (int w = 0; w < 2; ++w)
    for (uint32_t ip : got[w]) {
      ++count[ip];
      ((ip >> 16) == 0x0a01 ? senders_a : senders_b).insert(w);
    }
  EXPECT_EQ(count.size(), 2u * 4094u);
  for (const auto& [ip, n] : count) ASSERT_EQ(n, 1) << arp::format_ipv4(ip);
  EXPECT_EQ(senders_a.size(), 1u);  // each scan has one sending lcore
  EXPECT_EQ(senders_b.size(), 1u);
  arp::ScanInfo ia, ib;
  ASSERT_TRUE(engine.info(a, 2, &ia));
  ASSERT_TRUE(engine.info(b, 2, &ib));
  EXPECT_EQ(ia.sent + ib.sent, 2u * 4094u);
  EXPECT_GT(ia.answered + ib.answered, 0u);
  EXPECT_EQ(ia.answered + ib.answered, ia.results + ib.results);
}

// The loop through the real stages: the ARP stage calls generate() from flush() and process(),
// emits the requests, and hands every reply it sees to on_reply().
class ScanThroughStagesTest : public ScanPipelineTest {
 protected:
  void SetUp() override {
    ScanPipelineTest::SetUp();
    arp::PortAddresses& p = book_.port(kPort);
    p.mac = ether(kOurMac);
    p.add({0x0a000001, 24, 0});
    p.add({0x0a000701, 24, 7});  // 10.0.7.1/24 on VLAN 7
    make_stage({});
    ctx_.counters = &counters_;
    ctx_.emit_fn = &ScanThroughStagesTest::on_emit;
    ctx_.emit_owner = this;
  }
  void make_stage(const arp::ArpConfig& cfg) {
    arp::ArpStageParams sp;
    sp.cfg = cfg;
    sp.forward.policy = core::Policy::drop;
    sp.addresses = &book_;
    sp.ports = {kPort};
    sp.pool = pool_;
    sp.tsc_hz = kHz;
    sp.scans = &engine_;
    sp.announce = false;
    stage_ = std::make_unique<arp::ArpStage>(sp);
  }
  static void on_emit(void* self, rte_mbuf* m) {
    auto* t = static_cast<ScanThroughStagesTest*>(self);
    if (core::meta(m)->next == static_cast<uint8_t>(core::StageId::tx)) t->sent_.push_back(bytes_of(m));
    rte_pktmbuf_free(m);
  }
  void flush_at(uint64_t now) {
    ctx_.now_tsc = now;
    stage_->flush(ctx_);
  }
  void feed(const Bytes& frame, uint64_t now) {
    ctx_.now_tsc = now;
    ctx_.rx_port = kPort;
    rte_mbuf* m = mbuf_from(pool_, frame);
    core::meta(m)->in_port = kPort;
    m->port = kPort;
    uint16_t n = classify_.process(&m, 1, ctx_);
    ctx_.rx_port = core::kNoPort;
    if (n == 1) n = stage_->process(&m, 1, ctx_);
    if (n == 1) rte_pktmbuf_free(m);
  }
  Bytes reply_from(const char* mac, uint32_t ip, const char* to_ip = "10.0.0.1", uint16_t vlan = 0,
                   const char* to_mac = kOurMac) {
    const std::string spa = arp::format_ipv4(ip);
    proto::PacketBuilder b;
    b.eth(mac, to_mac);
    if (vlan) b.vlan(vlan);
    return b.arp(2, mac, spa.c_str(), to_mac, to_ip).pad_to(60).build();
  }
  uint64_t unsolicited() const {
    return stage_->counters().events[static_cast<size_t>(arp::EventKind::unsolicited_reply)].load();
  }

  arp::ScanEngine engine_{kHz};
  arp::AddressBook book_;
  classify::ClassifyStage classify_{classify::ClassifyConfig{}};
  std::unique_ptr<arp::ArpStage> stage_;
  core::LcoreCounters counters_;
  core::StageContext ctx_;
  std::vector<Bytes> sent_;
};

TEST_F(ScanThroughStagesTest, RequestsOutRepliesRecordedRetriesOnlyForTheSilent) {
  std::string err;
  const uint32_t id = engine_.start(request_for("10.0.0.0/28", 0, 2, 100), 0, &err);
  ASSERT_NE(id, 0u) << err;
  for (int i = 0; i < 4; ++i) flush_at(1 * kMs);
  ASSERT_EQ(sent_.size(), 14u);
  std::set<uint32_t> asked;
  for (const Bytes& f : sent_) asked.insert(target_of(f));
  EXPECT_EQ(asked.size(), 14u);
  EXPECT_EQ(asked.count(0x0a000001), 1u);  // our own address is a target like any other
  sent_.clear();
  // Four hosts answer: .5 twice (a sleepy adapter), .9 with two MACs (a duplicate IP).
  feed(reply_from("00:16:3e:00:00:05", 0x0a000005), 2 * kMs);
  feed(reply_from("00:16:3e:00:00:05", 0x0a000005), 3 * kMs);
  feed(reply_from("00:16:3e:00:00:09", 0x0a000009), 2 * kMs);
  feed(reply_from("02:42:ac:00:00:99", 0x0a000009), 4 * kMs);
  feed(reply_from("00:16:3e:00:00:0c", 0x0a00000c), 2 * kMs);
  feed(reply_from("00:16:3e:00:00:77", 0x0a000077), 2 * kMs);  // outside the range: ignored
  EXPECT_TRUE(sent_.empty());  // no answer to replies
  // The retry pass: after 100 ms, only the 11 silent targets.
  flush_at(50 * kMs);
  EXPECT_TRUE(sent_.empty());
  for (int i = 0; i < 4; ++i) flush_at(102 * kMs);
  std::set<uint32_t> retried;
  for (const Bytes& f : sent_) retried.insert(target_of(f));
  EXPECT_EQ(sent_.size(), 11u);
  for (uint32_t answered : {0x0a000005u, 0x0a000009u, 0x0a00000cu}) EXPECT_EQ(retried.count(answered), 0u);
  sent_.clear();
  // Done 150 ms after the retries.
  flush_at(251 * kMs);
  arp::ScanInfo info;
  ASSERT_TRUE(engine_.info(id, 251 * kMs, &info));
  EXPECT_EQ(info.state, arp::ScanState::running);
  flush_at(253 * kMs);
  ASSERT_TRUE(engine_.info(id, 253 * kMs, &info));
  EXPECT_EQ(info.state, arp::ScanState::done);
  EXPECT_EQ(info.sent, 25u);
  EXPECT_EQ(info.answered, 3u);
  EXPECT_EQ(info.duplicates, 2u);
  EXPECT_EQ(info.results, 4u);
  std::vector<arp::ScanHost> hosts;
  ASSERT_TRUE(engine_.results(id, 0, 100, &hosts));
  ASSERT_EQ(hosts.size(), 4u);
  std::map<std::pair<uint32_t, std::string>, arp::ScanHost> by;
  for (const auto& h : hosts) by[{h.ip, arp::format_mac(h.mac)}] = h;
  EXPECT_EQ((by[{0x0a000005, "00:16:3e:00:00:05"}].replies), 2u);
  EXPECT_EQ((by[{0x0a000009, "00:16:3e:00:00:09"}].mac_ordinal), 1u);
  EXPECT_EQ((by[{0x0a000009, "02:42:ac:00:00:99"}].mac_ordinal), 2u);
  EXPECT_NEAR((by[{0x0a00000c, "00:16:3e:00:00:0c"}].rtt_us), 1000, 2);
  EXPECT_EQ(stage_->counters().scan_requests_out.load(), 25u);
}

// Like arp-scan, a scan counts only answers to its own requests: replies addressed to its sender
// MAC and IP. An announcement (gratuitous ARP) or a reply to somebody else is not an answer.
TEST_F(ScanThroughStagesTest, OnlyRepliesAddressedToTheScanAreAnswers) {
  std::string err;
  const uint32_t id = engine_.start(request_for("10.0.0.0/28", 0, 1, 100), 0, &err);
  ASSERT_NE(id, 0u) << err;
  for (int i = 0; i < 4; ++i) flush_at(1 * kMs);
  ASSERT_EQ(sent_.size(), 14u);
  const char* mac = "00:16:3e:00:00:05";
  // .5 announces itself (reply form), .6 answers a third party, .7 answers our MAC for another IP.
  feed(proto::PacketBuilder().eth(mac, kBcast).arp(2, mac, "10.0.0.5", kBcast, "10.0.0.5").build(), 2 * kMs);
  feed(reply_from("00:16:3e:00:00:06", 0x0a000006, "10.0.0.77", 0, "02:00:00:00:00:99"), 2 * kMs);
  feed(reply_from("00:16:3e:00:00:07", 0x0a000007, "10.0.0.77"), 2 * kMs);
  // .8 answers us: the one answer. .9 answers us on VLAN 7, where this scan did not ask.
  feed(reply_from("00:16:3e:00:00:08", 0x0a000008), 2 * kMs);
  feed(reply_from("00:16:3e:00:00:09", 0x0a000009, "10.0.7.1", 7), 2 * kMs);
  arp::ScanInfo info;
  ASSERT_TRUE(engine_.info(id, 2 * kMs, &info));
  EXPECT_EQ(info.answered, 1u);
  EXPECT_EQ(info.results, 1u);
  std::vector<arp::ScanHost> hosts;
  ASSERT_TRUE(engine_.results(id, 0, 10, &hosts));
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].ip, 0x0a000008u);
  EXPECT_EQ(stage_->counters().scan_replies_in.load(), 1u);
}

// A scan on a VLAN: tagged requests from our address on that VLAN, answers taken only from it.
TEST_F(ScanThroughStagesTest, VlanScanSendsTaggedRequestsAndTakesAnswersOnlyFromItsVlan) {
  std::string err;
  arp::ScanRequest req = request_for("10.0.7.0/29", 0, 1, 100);
  req.vlan = 7;
  req.src_ip = 0x0a000701;
  const uint32_t id = engine_.start(req, 0, &err);
  ASSERT_NE(id, 0u) << err;
  for (int i = 0; i < 4; ++i) flush_at(1 * kMs);
  ASSERT_EQ(sent_.size(), 6u);
  std::set<std::string> targets;
  for (const Bytes& f : sent_) {
    ASSERT_EQ(f.size(), 60u);
    const uint32_t tip = uint32_t{f[42]} << 24 | uint32_t{f[43]} << 16 | uint32_t{f[44]} << 8 | f[45];
    const std::string tpa = arp::format_ipv4(tip);
    targets.insert(tpa);
    EXPECT_EQ(f, proto::PacketBuilder().eth(kOurMac, kBcast).vlan(7)
                     .arp(1, kOurMac, "10.0.7.1", kZero, tpa.c_str()).pad_to(60).build())
        << hex(f);
  }
  EXPECT_EQ(targets.size(), 6u);
  EXPECT_EQ(*targets.begin(), "10.0.7.1");
  // .2 answers on VLAN 7; .3 answers untagged (another network that reuses the numbers).
  feed(reply_from("00:16:3e:00:07:02", 0x0a000702, "10.0.7.1", 7), 2 * kMs);
  feed(reply_from("00:16:3e:00:07:03", 0x0a000703, "10.0.7.1", 0), 2 * kMs);
  feed(reply_from("00:16:3e:00:07:04", 0x0a000704, "10.0.7.1", 8), 2 * kMs);
  arp::ScanInfo info;
  ASSERT_TRUE(engine_.info(id, 2 * kMs, &info));
  EXPECT_EQ(info.vlan, 7u);
  EXPECT_EQ(info.answered, 1u);
  std::vector<arp::ScanHost> hosts;
  ASSERT_TRUE(engine_.results(id, 0, 10, &hosts));
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].ip, 0x0a000702u);
  std::string why;
  req.vlan = 4095;
  EXPECT_EQ(engine_.start(req, 0, &why), 0u);
  EXPECT_NE(why.find("vlan"), std::string::npos);
}

// A scan sent as RFC 5227 probes (no address on its VLAN) is answered to 0.0.0.0 at our MAC: an
// answer, and ours to consume.
TEST_F(ScanThroughStagesTest, ProbeScanAnswersAreTakenAndConsumed) {
  std::string err;
  arp::ScanRequest req = request_for("10.9.0.0/30", 0, 1, 100);
  req.src_ip = 0;
  const uint32_t id = engine_.start(req, 0, &err);
  ASSERT_NE(id, 0u) << err;
  flush_at(1 * kMs);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0], proto::PacketBuilder().eth(kOurMac, kBcast)
                          .arp(1, kOurMac, "0.0.0.0", kZero, arp::format_ipv4(target_of(sent_[0])).c_str())
                          .pad_to(60).build());
  feed(reply_from("00:16:3e:00:09:01", 0x0a090001, "0.0.0.0"), 2 * kMs);
  arp::ScanInfo info;
  ASSERT_TRUE(engine_.info(id, 2 * kMs, &info));
  EXPECT_EQ(info.answered, 1u);
  EXPECT_EQ(stage_->counters().forwarded.load(), 0u) << "consumed, not passed on";
}

// Replies to us that no scan could have asked for are unsolicited even while a scan runs: only
// replies from the range of a scan running (or over for less than 10 s) on that port and VLAN
// are spared.
TEST_F(ScanThroughStagesTest, UnsolicitedDetectionSparesOnlyTheScannedRange) {
  std::string err;
  const uint32_t id = engine_.start(request_for("10.0.0.0/28", 1, 1, 100), 0, &err);  // 1 pps
  ASSERT_NE(id, 0u) << err;
  flush_at(1 * kMs);
  ASSERT_EQ(sent_.size(), 1u);
  const uint32_t asked = target_of(sent_[0]);
  const uint32_t not_yet = asked == 0x0a000003 ? 0x0a000004 : 0x0a000003;
  feed(reply_from("00:16:3e:00:00:c8", 0x0a0000c8), 2 * kMs);  // 10.0.0.200: outside the range
  EXPECT_EQ(unsolicited(), 1u);
  feed(reply_from("00:16:3e:00:00:03", not_yet), 2 * kMs);  // in the range, not asked yet
  feed(reply_from("00:16:3e:00:00:01", asked), 2 * kMs);    // the answer
  EXPECT_EQ(unsolicited(), 1u);
  feed(reply_from("00:16:3e:00:07:03", 0x0a000003, "10.0.7.1", 7), 2 * kMs);  // VLAN 7: not scanned
  EXPECT_EQ(unsolicited(), 2u);
  // Over: late answers are spared for 10 s, then they are unsolicited again.
  engine_.cancel(id);
  flush_at(3 * kMs);
  arp::ScanInfo info;
  ASSERT_TRUE(engine_.info(id, 3 * kMs, &info));
  ASSERT_EQ(info.state, arp::ScanState::cancelled);
  feed(reply_from("00:16:3e:00:00:03", not_yet), 3 * kMs + 9 * kHz);
  EXPECT_EQ(unsolicited(), 2u);
  feed(reply_from("00:16:3e:00:00:03", not_yet), 3 * kMs + 11 * kHz);
  EXPECT_EQ(unsolicited(), 3u);
}

// Scan requests are paced by the scan's own pps, not by request_rate_per_port (which is for
// next-hop resolution): a port limit of 1 request a second does not slow an unpaced scan.
TEST_F(ScanThroughStagesTest, ScansAreNotLimitedByTheResolutionRequestBudget) {
  arp::ArpConfig cfg;
  cfg.request_per_port = {1, 1};
  make_stage(cfg);
  std::string err;
  const uint32_t id = engine_.start(request_for("10.0.0.0/27", 0, 1, 100), 0, &err);
  ASSERT_NE(id, 0u) << err;
  flush_at(1 * kMs);
  EXPECT_EQ(sent_.size(), 30u);
  EXPECT_EQ(stage_->counters().requests_limited_port.load(), 0u);
  EXPECT_EQ(stage_->counters().scan_requests_out.load(), 30u);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new rampart::pipetest::EalEnvironment("arpscan", {"-l", "0", "--no-telemetry"}, 128));
  return RUN_ALL_TESTS();
}

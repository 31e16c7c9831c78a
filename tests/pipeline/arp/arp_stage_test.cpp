// ARP stage tests in EAL: the real classify and ARP stages over mbufs from a pool carrying
// core::PacketMeta, with a StageContext of the test's own so the clock can be moved (rate limits,
// timeouts). Each case is a table-like story: frames in (built with proto::PacketBuilder, an
// independent writer), then exactly which frames come out (byte for byte), which are dropped with
// which reason, and which events and counters the stage shows. The mempool's in-use count must be
// back at its start value after every case. Also the core emit mechanism through a real
// LcoreRunner (StageEmit).
#include <rte_errno.h>
#include <rte_lcore.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "../pipeline_util.h"
#include "arp/addr_text.h"
#include "arp/arp_stage.h"
#include "arp/echo_stage.h"
#include "classify/classify_stage.h"
#include "core/drop_reason.h"
#include "core/lcore_runner.h"
#include "core/meta.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

using arp::ArpStage;
using arp::EventKind;
using core::DropReason;
using proto::PacketBuilder;

constexpr uint16_t kPort = 0;
constexpr const char* kOurMac = "02:aa:00:00:00:01";
constexpr const char* kHostMac = "02:00:00:00:00:0a";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";
constexpr const char* kZero = "00:00:00:00:00:00";
constexpr uint64_t kHz = 1000000000;  // the test's clock: 1 cycle = 1 ns

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

Bytes padded(Bytes b) {
  b.resize(std::max<size_t>(b.size(), 60), 0);
  return b;
}

PacketBuilder request(const char* sha, const char* spa, const char* tpa) {
  return PacketBuilder().eth(sha, kBcast).arp(1, sha, spa, kZero, tpa);
}
PacketBuilder reply(const char* sha, const char* spa, const char* tha, const char* tpa) {
  return PacketBuilder().eth(sha, tha).arp(2, sha, spa, tha, tpa);
}

class ArpStageTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("arp_pool", 1023, 0, core::kMetaPrivSize,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  }
  static void TearDownTestSuite() { rte_mempool_free(pool_); }

 protected:
  void SetUp() override {
    in_use_at_start_ = rte_mempool_in_use_count(pool_);
    arp::PortAddresses& p = book_.port(kPort);
    const auto m = proto::parse_mac(kOurMac);
    std::copy(m.begin(), m.end(), p.mac.addr_bytes);
    p.add({ip(10, 0, 0, 1), 24, 0});
    p.add({ip(10, 0, 7, 1), 24, 7});
    ctx_.counters = &counters_;
    ctx_.emit_fn = &ArpStageTest::on_emit;
    ctx_.emit_owner = this;
    ctx_.now_tsc = 1000;
  }
  void TearDown() override {
    take_sent();
    EXPECT_EQ(rte_mempool_in_use_count(pool_), in_use_at_start_) << "mbuf leak";
  }

  // The parameters of an ARP stage instance on this fixture's port, address book and pool.
  arp::ArpStageParams params(arp::ArpConfig cfg = {}, bool announce = false,
                             core::Policy policy = core::Policy::reflect) {
    arp::ArpStageParams p;
    p.cfg = cfg;
    p.forward.policy = policy;
    p.addresses = &book_;
    p.ports = {kPort};
    p.pool = pool_;
    p.tsc_hz = kHz;
    p.announce = announce;
    return p;
  }
  void make_stage(arp::ArpConfig cfg = {}, bool announce = false,
                  core::Policy policy = core::Policy::reflect) {
    stage_ = std::make_unique<ArpStage>(params(cfg, announce, policy));
  }

  // Runs frames through classify and the ARP stage, as the runner would; what the stage hands
  // to TX and what it emits land in sent_, drops in drops_ (by reason) and are freed.
  void feed(const std::vector<Bytes>& frames) { feed_to(*stage_, frames); }
  void feed(const Bytes& f) { feed(std::vector<Bytes>{f}); }
  // Classify, then `stage` for the packets classify sends to it.
  void feed_to(core::Stage& stage, const std::vector<Bytes>& frames) {
    std::vector<rte_mbuf*> pkts;
    for (const Bytes& f : frames) pkts.push_back(mbuf_from(pool_, f));
    ctx_.rx_port = kPort;
    ctx_.routing = core::dest::none;
    const uint16_t n = classify_.process(pkts.data(), static_cast<uint16_t>(pkts.size()), ctx_);
    std::vector<rte_mbuf*> mine;
    for (uint16_t i = 0; i < n; ++i) {
      const uint8_t v = core::verdict_of(ctx_, pkts.data(), i);
      if (v == static_cast<uint8_t>(stage.id())) mine.push_back(pkts[i]);
      else settle(pkts[i], v);
    }
    ctx_.rx_port = core::kNoPort;
    ctx_.routing = core::dest::none;  // as the runner resets it before every call
    const uint16_t left = stage.process(mine.data(), static_cast<uint16_t>(mine.size()), ctx_);
    for (uint16_t i = 0; i < left; ++i) settle(mine[i], core::verdict_of(ctx_, mine.data(), i));
    ctx_.routing = core::dest::none;
  }
  void flush() { stage_->flush(ctx_); }

  // A packet the stage is done with, by its verdict (emitted ones carry theirs in the metadata).
  void settle(rte_mbuf* m) { settle(m, core::meta(m)->next); }
  void settle(rte_mbuf* m, uint8_t verdict) {
    core::PacketMeta* md = core::meta(m);
    if (verdict == static_cast<uint8_t>(core::StageId::tx)) {
      sent_.push_back({md->out_port, bytes_of(m)});
    } else {
      ++drops_[static_cast<DropReason>(md->drop_reason)];
    }
    rte_pktmbuf_free(m);
  }
  static void on_emit(void* self, rte_mbuf* m) { static_cast<ArpStageTest*>(self)->settle(m); }


 public:
  struct Sent {
    uint16_t port;
    Bytes bytes;
  };

 protected:
  std::vector<Sent> take_sent() {
    std::vector<Sent> out;
    out.swap(sent_);
    return out;
  }
  std::vector<arp::Event> events() const {
    std::vector<arp::Event> out;
    uint64_t lost = 0;
    stage_->events().read(0, out, 1000, lost);
    return out;
  }
  uint64_t events_of(EventKind k) const {
    return stage_->counters().events[static_cast<size_t>(k)].load();
  }

  static rte_mempool* pool_;
  unsigned in_use_at_start_ = 0;
  arp::AddressBook book_;
  classify::ClassifyStage classify_{classify::ClassifyConfig{}};
  std::unique_ptr<ArpStage> stage_;
  core::LcoreCounters counters_;
  core::StageContext ctx_;
  std::vector<Sent> sent_;
  std::map<DropReason, uint64_t> drops_;
};

rte_mempool* ArpStageTest::pool_ = nullptr;

TEST_F(ArpStageTest, RequestForOurAddressGetsExactlyOneCorrectReply) {
  make_stage();
  feed(request(kHostMac, "10.0.0.10", "10.0.0.1").pad_to(60).build());
  const auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].port, kPort);
  // Unicast to the requester, from our MAC; sender = our binding, target = the requester's.
  EXPECT_EQ(sent[0].bytes, reply(kOurMac, "10.0.0.1", kHostMac, "10.0.0.10").pad_to(60).build())
      << hex(sent[0].bytes);
  EXPECT_EQ(stage_->counters().replies_out.load(), 1u);
  EXPECT_EQ(stage_->counters().requests_for_us.load(), 1u);
  EXPECT_TRUE(drops_.empty());
  // The requester was learned from its request.
  const arp::Neighbour* n = stage_->table().lookup(ip(10, 0, 0, 10), kPort, 0);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mac, proto::parse_mac(kHostMac));
  EXPECT_EQ(events_of(EventKind::new_station), 1u);
}

TEST_F(ArpStageTest, TaggedRequestGetsATaggedReplyOnlyForTheAddressOfThatVlan) {
  make_stage();
  feed(request(kHostMac, "10.0.7.10", "10.0.7.1").vlan(7).build());
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, reply(kOurMac, "10.0.7.1", kHostMac, "10.0.7.10").vlan(7).build());
  // 10.0.0.1 is ours untagged only: asked on VLAN 7 it is someone else's, reflected by policy.
  const Bytes other = request(kHostMac, "10.0.7.10", "10.0.0.1").vlan(7).build();
  feed(other);
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, swap_macs(other));
  EXPECT_EQ(stage_->counters().replies_out.load(), 1u);
  EXPECT_EQ(stage_->counters().forwarded.load(), 1u);
}

TEST_F(ArpStageTest, ReplyChangingAKnownMacRaisesFlipFlop) {
  make_stage();
  feed(reply("02:00:00:00:00:21", "10.0.0.20", kBcast, "10.0.0.20").build());  // gratuitous
  feed(reply("02:00:00:00:00:22", "10.0.0.20", "02:00:00:00:00:30", "10.0.0.30").build());
  const auto ev = events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, EventKind::new_station);
  EXPECT_EQ(ev[1].kind, EventKind::flip_flop);
  EXPECT_EQ(ev[1].ip, ip(10, 0, 0, 20));
  EXPECT_EQ(ev[1].old_mac, proto::parse_mac("02:00:00:00:00:21"));
  EXPECT_EQ(ev[1].new_mac, proto::parse_mac("02:00:00:00:00:22"));
  EXPECT_EQ(ev[1].port, kPort);
  // Both MACs within the dual-claim window: the address is claimed twice at once.
  EXPECT_EQ(ev[2].kind, EventKind::dual_claim);
  EXPECT_EQ(events_of(EventKind::flip_flop), 1u);
  EXPECT_EQ(events_of(EventKind::unsolicited_reply), 0u) << "a reply between two others";
  EXPECT_EQ(stage_->table().lookup(ip(10, 0, 0, 20), kPort, 0)->mac, proto::parse_mac("02:00:00:00:00:22"));
  // A MAC change after the window is a flip-flop only.
  ctx_.now_tsc += 3 * kHz;
  feed(reply("02:00:00:00:00:21", "10.0.0.20", kBcast, "10.0.0.20").build());
  EXPECT_EQ(events_of(EventKind::flip_flop), 2u);
  EXPECT_EQ(events_of(EventKind::dual_claim), 1u);
}

TEST_F(ArpStageTest, UnsolicitedReplyAndConflictAreDetected) {
  make_stage();
  // A reply to us for a request we never sent (not gratuitous: sender != target): an event,
  // and the reply is ours (consumed, not passed on).
  feed(reply("02:00:00:00:00:31", "10.0.0.31", kOurMac, "10.0.0.1").build());
  EXPECT_EQ(events_of(EventKind::unsolicited_reply), 1u);
  EXPECT_TRUE(take_sent().empty());
  EXPECT_EQ(stage_->counters().replies_for_us.load(), 1u);
  // Someone else announces 10.0.0.1, our address: conflict; we defend with our own announcement.
  take_sent();
  const Bytes claim = reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").build();
  feed(claim);
  EXPECT_EQ(events_of(EventKind::conflict), 1u);
  const auto ev = events();
  EXPECT_EQ(ev.back().kind, EventKind::conflict);
  EXPECT_EQ(ev.back().new_mac, proto::parse_mac("02:00:00:00:00:66"));
  EXPECT_EQ(ev.back().old_mac, proto::parse_mac(kOurMac));
  const auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);  // our gratuitous ARP, and the claim reflected by the path policy
  EXPECT_EQ(sent[0].bytes,
            padded(request(kOurMac, "10.0.0.1", "10.0.0.1").build()));
  EXPECT_EQ(sent[1].bytes, swap_macs(claim));
  EXPECT_EQ(stage_->table().lookup(ip(10, 0, 0, 1), kPort, 0), nullptr) << "our address is not learned";
  // Our own frames seen again (a looped announcement) are neither learned nor a conflict.
  feed(padded(request(kOurMac, "10.0.0.1", "10.0.0.1").build()));
  EXPECT_EQ(events_of(EventKind::conflict), 1u);
  EXPECT_EQ(stage_->counters().own_frames.load(), 1u);
}

TEST_F(ArpStageTest, MalformedArpIsDroppedWithItsReason) {
  make_stage();
  const Bytes good = request(kHostMac, "10.0.0.10", "10.0.0.1").build();
  Bytes hlen = good, plen = good, op = good, sender = good, truncated = good;
  hlen[14 + 4] = 8;
  plen[14 + 5] = 16;
  op[14 + 7] = 3;
  sender[14 + 8] = 0x01;  // multicast sender MAC
  truncated.resize(14 + 20);
  feed({hlen, plen, op, sender, truncated});
  EXPECT_TRUE(take_sent().empty());
  EXPECT_EQ(drops_[core::drop_reason_of(proto::ParseError::arp_bad_format)], 2u);
  EXPECT_EQ(drops_[core::drop_reason_of(proto::ParseError::arp_truncated)], 1u);
  EXPECT_EQ(drops_[DropReason::arp_bad_op], 1u);
  EXPECT_EQ(drops_[DropReason::arp_bad_sender], 1u);
  EXPECT_EQ(stage_->counters().malformed[static_cast<size_t>(proto::ArpError::bad_op)].load(), 1u);
  EXPECT_EQ(stage_->counters().malformed[static_cast<size_t>(proto::ArpError::bad_sender)].load(), 1u);
  EXPECT_EQ(stage_->table().size(), 0u);
  EXPECT_EQ(stage_->counters().replies_out.load(), 0u);
}

// Senders no host can be (RFC 1122 3.2.1.3; what Linux's source validation refuses), our own MAC
// for another address, and the network or broadcast address of our subnet: no reply, nothing
// learned, dropped as arp_bad_sender. A probe's 0.0.0.0 is still answered.
TEST_F(ArpStageTest, RequestsFromSendersNoHostCanBeAreDropped) {
  make_stage();
  feed({request(kHostMac, "127.0.0.1", "10.0.0.1").build(), request(kHostMac, "0.5.5.5", "10.0.0.1").build(),
        request(kHostMac, "240.0.0.1", "10.0.0.1").build(), request(kHostMac, "10.0.0.255", "10.0.0.1").build(),
        request(kHostMac, "10.0.0.0", "10.0.0.1").build(), request(kOurMac, "10.0.0.31", "10.0.0.1").build()});
  EXPECT_TRUE(take_sent().empty());
  EXPECT_EQ(drops_[DropReason::arp_bad_sender], 6u);
  EXPECT_EQ(stage_->table().size(), 0u);
  feed(request(kHostMac, "0.0.0.0", "10.0.0.1").build());  // an RFC 5227 probe
  EXPECT_EQ(take_sent().size(), 1u);
}

// Our addresses live on one 802.1Q VLAN: a request from inside a customer VLAN (QinQ) is passed
// on, neither answered nor learned.
TEST_F(ArpStageTest, DoubleTaggedRequestsAreNotOurs) {
  make_stage();
  feed(request(kHostMac, "10.0.7.10", "10.0.7.1").vlan(7).vlan(20).build());
  take_sent();
  EXPECT_EQ(stage_->counters().replies_out.load(), 0u);
  EXPECT_EQ(stage_->counters().double_tagged.load(), 1u);
  EXPECT_EQ(stage_->table().size(), 0u);
}

// Every probe comes from 0.0.0.0: one busy prober must not use up the answers to the others.
TEST_F(ArpStageTest, ProbesAreRateLimitedPerProberMac) {
  arp::ArpConfig cfg;
  cfg.reply_per_target = {2, 2};
  cfg.reply_per_port = {100, 100};
  make_stage(cfg);
  feed(std::vector<Bytes>(10, request("02:00:00:00:00:a1", "0.0.0.0", "10.0.0.1").build()));
  EXPECT_EQ(take_sent().size(), 2u);
  feed({request("02:00:00:00:00:b2", "0.0.0.0", "10.0.0.1").build(),
        request("02:00:00:00:00:c3", "0.0.0.0", "10.0.0.1").build()});
  EXPECT_EQ(take_sent().size(), 2u);
}

TEST_F(ArpStageTest, RepliesAreRateLimitedPerTargetAndPerPort) {
  arp::ArpConfig cfg;
  cfg.reply_per_target = {5, 5};
  cfg.reply_per_port = {8, 8};
  make_stage(cfg);
  // A flood from one requester: 5 answered, the rest dropped as rate_limited.
  std::vector<Bytes> flood(20, request(kHostMac, "10.0.0.10", "10.0.0.1").build());
  feed(flood);
  EXPECT_EQ(take_sent().size(), 5u);
  EXPECT_EQ(drops_[DropReason::rate_limited], 15u);
  EXPECT_EQ(stage_->counters().replies_limited_target.load(), 15u);
  // Spoofed senders: each new target has tokens, the port's bucket (8) stops the rest.
  std::vector<Bytes> spoofed;
  for (int i = 0; i < 10; ++i) {
    const std::string spa = "10.0.0." + std::to_string(100 + i);
    spoofed.push_back(request(kHostMac, spa.c_str(), "10.0.0.1").build());
  }
  feed(spoofed);
  EXPECT_EQ(take_sent().size(), 3u);
  EXPECT_EQ(stage_->counters().replies_limited_port.load(), 7u);
  // A second later the buckets have refilled.
  ctx_.now_tsc += kHz;
  feed(request(kHostMac, "10.0.0.10", "10.0.0.1").build());
  EXPECT_EQ(take_sent().size(), 1u);
  EXPECT_EQ(stage_->counters().replies_out.load(), 9u);
}

TEST_F(ArpStageTest, GratuitousArpAnnouncesEveryAddressAtStartAndWhenOneIsAdded) {
  make_stage({}, /*announce=*/true);
  flush();
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].bytes, padded(request(kOurMac, "10.0.0.1", "10.0.0.1").build()));
  EXPECT_EQ(sent[1].bytes, padded(request(kOurMac, "10.0.7.1", "10.0.7.1").vlan(7).build()));
  flush();
  EXPECT_TRUE(take_sent().empty()) << "announced once";
  book_.port(kPort).add({ip(10, 0, 9, 1), 24, 0});
  ctx_.now_tsc += kHz;
  flush();
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, padded(request(kOurMac, "10.0.9.1", "10.0.9.1").build()));
  EXPECT_EQ(stage_->counters().gratuitous_out.load(), 3u);
}

TEST_F(ArpStageTest, ResolveQueuesAsksAndSendsWhenTheReplyComes) {
  make_stage();
  rte_ether_addr mac{};
  const Bytes payload = PacketBuilder().eth(kOurMac, kZero).ipv4("10.0.0.1", "10.0.0.50").udp(1000, 2000).build();
  rte_mbuf* m1 = mbuf_from(pool_, payload);
  rte_mbuf* m2 = mbuf_from(pool_, payload);
  EXPECT_EQ(stage_->resolve(ip(10, 0, 0, 50), kPort, 0, m1, ctx_, &mac), ArpStage::Resolution::queued);
  EXPECT_EQ(stage_->resolve(ip(10, 0, 0, 50), kPort, 0, m2, ctx_, &mac), ArpStage::Resolution::queued);
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u) << "one request for both packets";
  EXPECT_EQ(sent[0].bytes, padded(request(kOurMac, "10.0.0.1", "10.0.0.50").build()));
  EXPECT_EQ(stage_->counters().queue_depth.load(), 2u);
  // The answer releases both, in order, addressed to the neighbour.
  feed(reply("02:00:00:00:00:50", "10.0.0.50", kOurMac, "10.0.0.1").build());
  sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  Bytes want = payload;
  const auto nm = proto::parse_mac("02:00:00:00:00:50");
  std::copy(nm.begin(), nm.end(), want.begin());
  EXPECT_EQ(sent[0].bytes, want);
  EXPECT_EQ(sent[1].bytes, want);
  EXPECT_EQ(events_of(EventKind::unsolicited_reply), 0u) << "we asked for it";
  EXPECT_EQ(stage_->counters().resolve_released.load(), 2u);
  EXPECT_EQ(stage_->counters().queue_depth.load(), 0u);
  // Now known: resolved at once, the caller keeps the packet.
  rte_mbuf* m3 = mbuf_from(pool_, payload);
  EXPECT_EQ(stage_->resolve(ip(10, 0, 0, 50), kPort, 0, m3, ctx_, &mac), ArpStage::Resolution::resolved);
  EXPECT_TRUE(std::equal(nm.begin(), nm.end(), mac.addr_bytes));
  rte_pktmbuf_free(m3);
  // No address to ask from on VLAN 9: dropped at once.
  rte_mbuf* m4 = mbuf_from(pool_, payload);
  EXPECT_EQ(stage_->resolve(ip(10, 0, 9, 5), kPort, 9, m4, ctx_, &mac), ArpStage::Resolution::dropped);
  EXPECT_EQ(drops_[DropReason::no_route], 1u);
}

TEST_F(ArpStageTest, ResolutionQueueIsBoundedRetriesAndTimesOut) {
  arp::ArpConfig cfg;
  cfg.resolve_queue = 3;
  cfg.resolve_timeout_ms = 300;
  make_stage(cfg);
  rte_ether_addr mac{};
  const Bytes payload = PacketBuilder().eth(kOurMac, kZero).ipv4("10.0.0.1", "10.0.0.60").udp(1, 2).build();
  for (int i = 0; i < 5; ++i) stage_->resolve(ip(10, 0, 0, 60), kPort, 0, mbuf_from(pool_, payload), ctx_, &mac);
  EXPECT_EQ(drops_[DropReason::arp_queue_full], 2u);
  EXPECT_EQ(stage_->counters().resolve_queue_full.load(), 2u);
  EXPECT_EQ(take_sent().size(), 1u);
  // Past a third of the timeout without an answer: asked again (first flush).
  ctx_.now_tsc += 150 * kHz / 1000;
  flush();
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, padded(request(kOurMac, "10.0.0.1", "10.0.0.60").build()));
  // After the timeout: all three dropped as unresolved.
  ctx_.now_tsc += 200 * kHz / 1000;
  flush();
  take_sent();
  EXPECT_EQ(drops_[DropReason::arp_unresolved], 3u);
  EXPECT_EQ(stage_->counters().resolve_timeouts.load(), 3u);
  EXPECT_EQ(stage_->counters().queue_depth.load(), 0u);
}

TEST_F(ArpStageTest, NeighboursAgeOutOnTheStageClock) {
  arp::ArpConfig cfg;
  cfg.table_entries = 8;
  cfg.reachable_ms = 100;
  cfg.stale_ms = 1000;
  make_stage(cfg);
  feed(request(kHostMac, "10.0.0.10", "10.0.0.99").build());
  ASSERT_EQ(stage_->table().size(), 1u);
  ctx_.now_tsc += 200 * kHz / 1000;
  flush();
  EXPECT_EQ(stage_->table().lookup(ip(10, 0, 0, 10), kPort, 0)->state, arp::NeighState::stale);
  ctx_.now_tsc += kHz;
  flush();
  EXPECT_EQ(stage_->table().size(), 0u);
  EXPECT_EQ(stage_->table().expirations(), 1u);
}

// A table of 4M entries with short timeouts: the sweep keeps up (it walked 8 buckets a round, 65 s
// per sweep), and what it has not reached yet is not used to resolve.
TEST_F(ArpStageTest, LargeTablesAgeAtTheConfiguredPace) {
  arp::ArpConfig cfg;
  cfg.table_entries = 1u << 22;
  cfg.reachable_ms = 100;
  cfg.stale_ms = 200;
  make_stage(cfg);
  for (int i = 0; i < 32; ++i) {
    const std::string spa = "10.0.0." + std::to_string(100 + i);
    feed(request(kHostMac, spa.c_str(), "10.0.0.99").build());
  }
  ASSERT_EQ(stage_->table().size(), 32u);
  for (int ms = 0; ms < 1000; ++ms) {
    ctx_.now_tsc += kHz / 1000;
    flush();
  }
  EXPECT_EQ(stage_->table().size(), 0u);
  EXPECT_EQ(stage_->table().expirations(), 32u);
}

// ------------------------------------------------------------------ conflict defence (RFC 5227)

// Frames the stage emitted that are our announcement of `ip` (on `vlan`).
size_t announcements_of(const std::vector<ArpStageTest::Sent>& sent, const char* ip, uint16_t vlan = 0) {
  auto b = request(kOurMac, ip, ip);
  if (vlan) b.vlan(vlan);
  const Bytes want = padded(b.build());
  return static_cast<size_t>(std::count_if(sent.begin(), sent.end(), [&](const auto& s) { return s.bytes == want; }));
}

TEST_F(ArpStageTest, ConflictFloodGetsOneDefencePerIntervalAndResolutionStillGoesOut) {
  arp::ArpConfig cfg;
  cfg.request_per_port = {5, 5};
  make_stage(cfg, /*announce=*/false, core::Policy::drop);
  const Bytes claim = reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").build();
  const Bytes probe_of_ours = request("02:00:00:00:00:67", "10.0.0.1", "10.0.0.99").build();
  rte_ether_addr mac{};
  const Bytes payload = PacketBuilder().eth(kOurMac, kZero).ipv4("10.0.0.1", "10.0.0.50").udp(1, 2).build();
  const uint64_t t0 = ctx_.now_tsc;
  size_t defences = 0, requests = 0;
  // 1000 conflicting frames over 10 s (100 ms apart, 10 at a time); a next hop to resolve every
  // second.
  for (int round = 0; round < 100; ++round) {
    ctx_.now_tsc = t0 + static_cast<uint64_t>(round) * 100 * kHz / 1000;
    std::vector<Bytes> flood(5, claim);
    flood.insert(flood.end(), 5, probe_of_ours);
    feed(flood);
    if (round % 10 == 5) {
      const std::string target = "10.0.0." + std::to_string(50 + round / 10);
      stage_->resolve(ip(10, 0, 0, static_cast<uint8_t>(50 + round / 10)), kPort, 0,
                      mbuf_from(pool_, payload), ctx_, &mac);
      const auto sent = take_sent();
      requests += std::count_if(sent.begin(), sent.end(), [&](const auto& x) {
        return x.bytes == padded(request(kOurMac, "10.0.0.1", target.c_str()).build());
      });
      defences += announcements_of(sent, "10.0.0.1");
    } else {
      defences += announcements_of(take_sent(), "10.0.0.1");
    }
    flush();
    defences += announcements_of(take_sent(), "10.0.0.1");
  }
  EXPECT_EQ(defences, 1u) << "one defence in the 10 s the flood lasted";
  EXPECT_EQ(requests, 10u) << "every next hop was asked for";
  EXPECT_EQ(events_of(EventKind::conflict), 1000u);
  EXPECT_EQ(stage_->counters().defences_out.load(), 1u);
  EXPECT_EQ(stage_->counters().defences_suppressed.load(), 999u);
  EXPECT_EQ(stage_->counters().requests_limited_port.load(), 0u) << "defence took no request token";
  // DEFEND_INTERVAL after the defence, the next conflicting frame is defended again.
  ctx_.now_tsc = t0 + 10 * kHz;
  feed(claim);
  EXPECT_EQ(announcements_of(take_sent(), "10.0.0.1"), 1u);
  // Resolution may use the whole request budget: a defence still goes out (and vice versa).
  for (uint8_t i = 0; i < 8; ++i)
    stage_->resolve(ip(10, 0, 0, 100 + i), kPort, 0, mbuf_from(pool_, payload), ctx_, &mac);
  EXPECT_GE(stage_->counters().requests_limited_port.load(), 3u) << "the port's bucket is empty";
  take_sent();
  feed(reply("02:00:00:00:00:66", "10.0.7.1", kBcast, "10.0.7.1").vlan(7).build());
  EXPECT_EQ(announcements_of(take_sent(), "10.0.7.1", 7), 1u) << "each address has its own interval";
  EXPECT_EQ(stage_->counters().defences_out.load(), 3u);
  ctx_.now_tsc += 2 * kHz;  // let the waiting packets time out
  flush();
}

TEST_F(ArpStageTest, DefendIntervalIsConfigurable) {
  arp::ArpConfig cfg;
  cfg.defend_interval_ms = 500;
  make_stage(cfg, false, core::Policy::drop);
  const Bytes claim = reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").build();
  feed(claim);
  ctx_.now_tsc += 499 * kHz / 1000;
  feed(claim);
  EXPECT_EQ(announcements_of(take_sent(), "10.0.0.1"), 1u);
  ctx_.now_tsc += 2 * kHz / 1000;
  feed(claim);
  EXPECT_EQ(announcements_of(take_sent(), "10.0.0.1"), 1u);
}

// Several lcores run the ARP stage and the conflicting frames spread over them: still one
// defence per interval for the appliance, not one per lcore.
TEST_F(ArpStageTest, DefenceIsOncePerIntervalAcrossArpLcores) {
  make_stage({}, false, core::Policy::drop);
  ArpStage second(params({}, false, core::Policy::drop));
  const Bytes claim = reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").build();
  for (int i = 0; i < 10; ++i) {
    feed(claim);
    feed_to(second, {claim});
    ctx_.now_tsc += kHz / 10;
  }
  EXPECT_EQ(announcements_of(take_sent(), "10.0.0.1"), 1u);
  EXPECT_EQ(stage_->counters().defences_out.load() + second.counters().defences_out.load(), 1u);
  EXPECT_EQ(stage_->counters().defences_suppressed.load() + second.counters().defences_suppressed.load(), 19u);
  ctx_.now_tsc += 9 * kHz;  // 10 s after the first defence
  feed_to(second, {claim});
  EXPECT_EQ(announcements_of(take_sent(), "10.0.0.1"), 1u);
}

// Our address on one VLAN is somebody else's business on another: only the VLAN it lives on has
// a conflict.
TEST_F(ArpStageTest, ConflictDetectionIsPerVlan) {
  make_stage({}, false, core::Policy::drop);
  // 10.0.0.1 is ours untagged; a station using it on VLAN 7 is a neighbour there.
  feed(reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").vlan(7).build());
  // 10.0.7.1 is ours on VLAN 7 only.
  feed(request("02:00:00:00:00:67", "10.0.7.1", "10.0.7.99").build());
  EXPECT_EQ(events_of(EventKind::conflict), 0u);
  EXPECT_TRUE(take_sent().empty()) << "nothing to defend";
  ASSERT_NE(stage_->table().lookup(ip(10, 0, 0, 1), kPort, 7), nullptr);
  ASSERT_NE(stage_->table().lookup(ip(10, 0, 7, 1), kPort, 0), nullptr);
  // On their own VLANs they are conflicts.
  feed(reply("02:00:00:00:00:66", "10.0.0.1", kBcast, "10.0.0.1").build());
  feed(request("02:00:00:00:00:67", "10.0.7.1", "10.0.7.99").vlan(7).build());
  EXPECT_EQ(events_of(EventKind::conflict), 2u);
  const auto sent = take_sent();
  EXPECT_EQ(announcements_of(sent, "10.0.0.1"), 1u);
  EXPECT_EQ(announcements_of(sent, "10.0.7.1", 7), 1u);
  EXPECT_EQ(stage_->table().lookup(ip(10, 0, 0, 1), kPort, 0), nullptr);
}

// ------------------------------------------------------------------ announcements on link up

TEST_F(ArpStageTest, LinkUpGenerationMakesTheStageAnnounceThePortAgain) {
  arp::ArpConfig cfg;
  cfg.request_per_port = {1, 1};
  make_stage(cfg, /*announce=*/true, core::Policy::drop);
  flush();
  auto sent = take_sent();
  EXPECT_EQ(announcements_of(sent, "10.0.0.1"), 1u);
  EXPECT_EQ(announcements_of(sent, "10.0.7.1", 7), 1u);
  ctx_.now_tsc += kHz / 100;
  flush();
  EXPECT_TRUE(take_sent().empty());
  // The link watcher saw the port come back up (twice, before the stage looked: one round).
  book_.port(kPort).request_announce();
  book_.port(kPort).request_announce();
  ctx_.now_tsc += kHz / 100;
  flush();
  sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(announcements_of(sent, "10.0.0.1"), 1u);
  EXPECT_EQ(announcements_of(sent, "10.0.7.1", 7), 1u);
  EXPECT_EQ(stage_->counters().reannouncements.load(), 1u);
  ctx_.now_tsc += kHz / 100;
  flush();
  EXPECT_TRUE(take_sent().empty()) << "once per link-up";
  EXPECT_EQ(stage_->counters().gratuitous_out.load(), 4u);
  EXPECT_EQ(stage_->counters().requests_limited_port.load(), 0u) << "announcements use no request tokens";
  // Only the instance that announces acts on it (one announcement per appliance).
  ArpStage quiet(params({}, false, core::Policy::bump));
  book_.port(kPort).request_announce();
  ctx_.now_tsc += kHz / 100;
  quiet.flush(ctx_);
  EXPECT_TRUE(take_sent().empty());
}

// ------------------------------------------------------------------ requests Rampart sends

TEST_F(ArpStageTest, ResolutionRequestsAreRateLimitedPerPortAndPerTarget) {
  arp::ArpConfig cfg;
  cfg.request_per_target = {1, 1};
  cfg.request_per_port = {4, 4};
  cfg.resolve_timeout_ms = 300;
  make_stage(cfg, false, core::Policy::drop);
  rte_ether_addr mac{};
  const Bytes payload = PacketBuilder().eth(kOurMac, kZero).ipv4("10.0.0.1", "10.0.0.50").udp(1, 2).build();
  // Six next hops at once: the port's bucket lets four requests out.
  for (uint8_t i = 0; i < 6; ++i)
    EXPECT_EQ(stage_->resolve(ip(10, 0, 0, 50 + i), kPort, 0, mbuf_from(pool_, payload), ctx_, &mac),
              ArpStage::Resolution::queued);
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const std::string t = "10.0.0." + std::to_string(50 + i);
    EXPECT_EQ(sent[i].bytes, padded(request(kOurMac, "10.0.0.1", t.c_str()).build()));
  }
  EXPECT_EQ(stage_->counters().requests_out.load(), 4u);
  EXPECT_EQ(stage_->counters().requests_limited_port.load(), 2u);
  EXPECT_EQ(stage_->counters().requests_limited_target.load(), 0u);
  // A second later every bucket is full again; those six timed out meanwhile.
  ctx_.now_tsc += kHz;
  flush();
  take_sent();
  EXPECT_EQ(drops_[DropReason::arp_unresolved], 6u);
  // One target: asked, then its retry (a third of the timeout later) finds its own bucket empty.
  stage_->resolve(ip(10, 0, 0, 60), kPort, 0, mbuf_from(pool_, payload), ctx_, &mac);
  EXPECT_EQ(take_sent().size(), 1u);
  ctx_.now_tsc += 150 * kHz / 1000;
  flush();
  EXPECT_TRUE(take_sent().empty());
  EXPECT_EQ(stage_->counters().requests_limited_target.load(), 1u);
  EXPECT_EQ(stage_->counters().requests_limited_port.load(), 2u) << "the port had tokens";
  // Dropped at the timeout; a second after the first request the target may be asked again.
  ctx_.now_tsc += 850 * kHz / 1000;
  flush();
  stage_->resolve(ip(10, 0, 0, 60), kPort, 0, mbuf_from(pool_, payload), ctx_, &mac);
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, padded(request(kOurMac, "10.0.0.1", "10.0.0.60").build()));
  EXPECT_EQ(stage_->counters().requests_out.load(), 6u);
  ctx_.now_tsc += kHz;
  flush();
}

// ------------------------------------------------------------------ unsolicited replies

// The old 256-slot memory of requests lost targets to each other (and to other VLANs): their
// answers looked unsolicited. Hundreds of next hops asked at once must all be remembered.
TEST_F(ArpStageTest, AnswersToManyOutstandingRequestsAreNeverUnsolicited) {
  arp::ArpConfig cfg;
  cfg.request_per_port = {2000, 2000};
  cfg.resolve_queue = 1024;
  make_stage(cfg, false, core::Policy::drop);
  rte_ether_addr mac{};
  const Bytes payload = PacketBuilder().eth(kOurMac, kZero).ipv4("10.0.0.1", "10.0.0.50").udp(1, 2).build();
  std::vector<std::pair<uint32_t, uint16_t>> asked;
  for (uint32_t i = 0; i < 600; ++i) {
    const uint32_t target = i < 300 ? ip(10, 0, 1, 0) + i : ip(10, 0, 7, 0) + (i - 300) % 250 + 2;
    const uint16_t vlan = i < 300 ? 0 : 7;
    if (vlan == 7 && target == ip(10, 0, 7, 1)) continue;
    stage_->resolve(target, kPort, vlan, mbuf_from(pool_, payload), ctx_, &mac);
    asked.emplace_back(target, vlan);
  }
  EXPECT_EQ(take_sent().size(), stage_->counters().requests_out.load());
  ctx_.now_tsc += kHz / 100;
  for (const auto& [target, vlan] : asked) {
    const std::string spa = arp::format_ipv4(target);
    auto r = reply("02:00:00:00:00:51", spa.c_str(), kOurMac, vlan ? "10.0.7.1" : "10.0.0.1");
    if (vlan) r.vlan(vlan);
    feed(r.build());
  }
  EXPECT_EQ(events_of(EventKind::unsolicited_reply), 0u);
  EXPECT_EQ(stage_->asked().fresh_evictions(), 0u);
  EXPECT_EQ(stage_->counters().resolve_released.load(), asked.size());
  take_sent();
  // Asked on VLAN 0 only: the same address answering on VLAN 7 was not asked there.
  feed(reply("02:00:00:00:00:52", "10.0.1.5", kOurMac, "10.0.7.1").vlan(7).build());
  EXPECT_EQ(events_of(EventKind::unsolicited_reply), 1u);
}

// ------------------------------------------------------------------ ICMP echo (the other path)

TEST_F(ArpStageTest, EchoRequestForOurAddressIsAnsweredTheRestForwarded) {
  core::ForwardConfig fwd;
  fwd.policy = core::Policy::reflect;
  arp::EchoStage echo(fwd, &book_, arp::RateLimit{2, 2}, kHz);
  const auto req = [](const char* dst, uint8_t ttl) {
    return PacketBuilder().eth(kHostMac, kOurMac).ipv4("10.0.0.10", dst, ttl).ipv4_id(77)
        .icmp(8, 0, 0x1234, 5).payload("ping-data");
  };
  feed_to(echo, {req("10.0.0.1", 61).build()});
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, PacketBuilder().eth(kOurMac, kHostMac).ipv4("10.0.0.1", "10.0.0.10", 64)
                               .ipv4_id(77).icmp(0, 0, 0x1234, 5).payload("ping-data").build())
      << hex(sent[0].bytes);
  // On VLAN 7 for its address: a tagged reply.
  feed_to(echo, {PacketBuilder().eth(kHostMac, kOurMac).vlan(7).ipv4("10.0.7.10", "10.0.7.1")
                     .icmp(8, 0, 1, 1).build()});
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, PacketBuilder().eth(kOurMac, kHostMac).vlan(7).ipv4("10.0.7.1", "10.0.7.10")
                               .icmp(0, 0, 1, 1).build());
  // Not ours: forwarded by the policy. A corrupt checksum: dropped. Over the rate: dropped.
  const Bytes other = req("10.0.0.99", 64).build();
  feed_to(echo, {other, req("10.0.0.1", 64).corrupt_l4_checksum().build(), req("10.0.0.1", 64).build()});
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, swap_macs(other));
  EXPECT_EQ(drops_[core::drop_reason_of(proto::ParseError::l4_bad_checksum)], 1u);
  EXPECT_EQ(drops_[DropReason::rate_limited], 1u);
  EXPECT_EQ(echo.counters().replies_out.load(), 2u);
  EXPECT_EQ(echo.counters().requests_for_us.load(), 4u);
  EXPECT_EQ(echo.counters().forwarded.load(), 1u);
}

// RFC 1122 3.2.1.3: a request whose source is not a unicast host is discarded (the reply would go
// to a group, or to nobody).
TEST_F(ArpStageTest, EchoRequestFromABroadcastOrMulticastSourceIsDiscarded) {
  core::ForwardConfig fwd;
  fwd.policy = core::Policy::reflect;
  arp::EchoStage echo(fwd, &book_, arp::RateLimit{100, 100}, kHz);
  const auto req = [](const char* src) {
    return PacketBuilder().eth(kHostMac, kOurMac).ipv4(src, "10.0.0.1").icmp(8, 0, 1, 1).build();
  };
  feed_to(echo, {req("255.255.255.255"), req("224.0.0.1"), req("239.1.2.3"), req("0.0.0.0"), req("127.0.0.1"),
                 req("240.0.0.1"), req("10.0.0.255")});  // the last: the broadcast of 10.0.0.1's /24
  EXPECT_TRUE(take_sent().empty());
  EXPECT_EQ(drops_[DropReason::icmp_bad_source], 7u);
  EXPECT_EQ(echo.counters().bad_source.load(), 7u);
  EXPECT_EQ(echo.counters().replies_out.load(), 0u);
  // The same subnet's hosts, and other networks' .255 (a host address there), are answered.
  feed_to(echo, {req("10.0.0.254"), req("192.168.1.255")});
  EXPECT_EQ(take_sent().size(), 2u);
  EXPECT_EQ(echo.counters().replies_out.load(), 2u);
}

// ------------------------------------------------------------------ core: StageContext::emit

// A stage that creates one packet in process() and one in flush(), towards TX.
class Emitter final : public core::Stage {
 public:
  explicit Emitter(rte_mempool* pool, uint8_t dest) : pool_(pool), dest_(dest) {}
  core::StageId id() const override { return core::StageId::arp; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override {
    for (uint16_t i = 0; i < n; ++i) core::set_next(pkts[i], core::StageId::tx);
    make(ctx, 0xa1);
    return n;
  }
  void flush(core::StageContext& ctx) override { make(ctx, 0xf1); }

 private:
  void make(core::StageContext& ctx, uint8_t tag) {
    rte_mbuf* m = mbuf_from(pool_, Bytes(60, tag));
    *core::meta(m) = core::PacketMeta{};
    core::meta(m)->next = dest_;
    core::meta(m)->out_port = 3;
    ctx.emit(m);
  }
  rte_mempool* pool_;
  uint8_t dest_;
};

// Stands in for TX: records what reaches it (first byte, out_port) and frees it.
class Sink final : public core::Stage {
 public:
  core::StageId id() const override { return core::StageId::tx; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext&) override {
    for (uint16_t i = 0; i < n; ++i) {
      seen.emplace_back(rte_pktmbuf_mtod(pkts[i], uint8_t*)[0], core::meta(pkts[i])->out_port);
      rte_pktmbuf_free(pkts[i]);
    }
    return 0;
  }
  std::vector<std::pair<uint8_t, uint16_t>> seen;
};

TEST_F(ArpStageTest, StageEmitReachesTxFromProcessAndFlush) {
  core::LcoreRunner r(rte_lcore_id(), 32, 1000);
  r.set_local_stage(std::make_unique<Emitter>(pool_, static_cast<uint8_t>(core::StageId::tx)));
  auto sink = std::make_unique<Sink>();
  Sink* s = sink.get();
  r.set_local_stage(std::move(sink));
  rte_mbuf* in = mbuf_from(pool_, Bytes(60, 0x55));
  *core::meta(in) = core::PacketMeta{};
  r.inject(core::StageId::arp, &in, 1);
  ASSERT_EQ(s->seen.size(), 2u);
  EXPECT_EQ(s->seen[0].first, 0xa1) << "emitted in process(), reaches TX in the same pass";
  EXPECT_EQ(s->seen[0].second, 3);
  EXPECT_EQ(s->seen[1].first, 0x55);
  r.flush_all();
  ASSERT_EQ(s->seen.size(), 3u);
  EXPECT_EQ(s->seen[2].first, 0xf1) << "emitted in flush(), reaches TX before TX flushes";
  EXPECT_EQ(r.counters().stage[core::index(core::StageId::tx)].in.load(), 3u);
}

TEST_F(ArpStageTest, StageEmitTowardsAStageNobodyRunsIsACountedDrop) {
  core::LcoreRunner r(rte_lcore_id(), 32, 1000);
  // DNS runs nowhere on this runner: the emitted packets have no route.
  r.set_local_stage(std::make_unique<Emitter>(pool_, static_cast<uint8_t>(core::StageId::dns)));
  r.set_local_stage(std::make_unique<Sink>());
  r.flush_all();
  r.flush_all();
  EXPECT_EQ(r.counters().drops[static_cast<size_t>(DropReason::no_route)].load(), 2u);
  // And a context without a runner frees and counts too.
  core::LcoreCounters c;
  core::StageContext bare;
  bare.counters = &c;
  bare.emit(mbuf_from(pool_, Bytes(60, 1)));
  EXPECT_EQ(c.drops[static_cast<size_t>(DropReason::no_route)].load(), 1u);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new rampart::pipetest::EalEnvironment("arp", {"-l", "0", "--no-telemetry"}, 128));
  return RUN_ALL_TESTS();
}

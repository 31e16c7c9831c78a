// Stage-level pipeline tests: the real classify, forward and TX stages in one LcoreRunner (run to
// completion, as on a 2-core machine), fed through LcoreRunner::inject with mbufs from a pool
// that carries core::PacketMeta, transmitting on net_ring ports whose TX rings the test reads.
//
// Every case reads like Katran's packet tests: a description, the input frame built with
// proto::PacketBuilder, and the expected verdict: transmitted on port P with these exact bytes,
// or dropped by stage S with reason R. Each case also checks the per-stage in/out/drops counters,
// the drop counters by reason, and that the mempool's in-use count is back where it started.
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "classify/classify_stage.h"
#include "core/drop_reason.h"
#include "core/lcore_runner.h"
#include "core/meta.h"
#include "forward/forward_stage.h"
#include "pipeline_util.h"
#include "proto/builder.h"
#include "tx/tx_stage.h"

namespace rampart::pipetest {
namespace {

using core::DropReason;
using core::StageId;
using proto::PacketBuilder;
using proto::ParseError;
namespace tcpf = proto::tcp_flag;

constexpr const char* kClientMac = "02:00:00:00:00:0a";
constexpr const char* kServerMac = "02:00:00:00:00:0b";

PacketBuilder v4() { return PacketBuilder().eth(kClientMac, kServerMac).ipv4("10.1.0.1", "10.2.0.53"); }
PacketBuilder v6() { return PacketBuilder().eth(kClientMac, kServerMac).ipv6("fd00:1::1", "fd00:2::53"); }
PacketBuilder arp_request() {
  return PacketBuilder().eth(kClientMac, "ff:ff:ff:ff:ff:ff")
      .arp(1, kClientMac, "192.168.50.10", "00:00:00:00:00:00", "192.168.50.1");
}

Bytes cut(Bytes b, size_t n) {
  b.resize(n);
  return b;
}
Bytes poke(Bytes b, size_t at, uint8_t v) {
  b.at(at) = v;
  return b;
}

DropReason parse_drop(ParseError e) { return core::drop_reason_of(e); }

// --------------------------------------------------------------------------- fixture

struct RingPort {
  uint16_t id = 0;
  rte_ring* rx = nullptr;
  rte_ring* tx = nullptr;
};

class StageTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("stage_pool", 2047, 0, core::kMetaPrivSize,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
    port_a_ = make_port("net_ring_sa", 256);
    port_b_ = make_port("net_ring_sb", 256);
    port_small_ = make_port("net_ring_sc", 8);  // a TX ring that holds 7 packets
  }
  static void TearDownTestSuite() {
    for (RingPort* p : {&port_a_, &port_b_, &port_small_}) {
      rte_eth_dev_stop(p->id);
      rte_eth_dev_close(p->id);
      rte_ring_free(p->rx);
      rte_ring_free(p->tx);
    }
    rte_mempool_free(pool_);
  }

 protected:
  static RingPort make_port(const std::string& name, unsigned tx_ring_size) {
    RingPort p;
    const int socket = static_cast<int>(rte_socket_id());
    p.rx = rte_ring_create((name + "_rx").c_str(), 256, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    p.tx = rte_ring_create((name + "_tx").c_str(), tx_ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    EXPECT_TRUE(p.rx && p.tx);
    const int id = rte_eth_from_rings(name.c_str(), &p.rx, 1, &p.tx, 1, socket);
    EXPECT_GE(id, 0) << "rte_eth_from_rings " << name;
    p.id = static_cast<uint16_t>(id);
    rte_eth_conf conf{};
    EXPECT_EQ(rte_eth_dev_configure(p.id, 1, 1, &conf), 0);
    EXPECT_EQ(rte_eth_rx_queue_setup(p.id, 0, 64, socket, nullptr, pool_), 0);
    EXPECT_EQ(rte_eth_tx_queue_setup(p.id, 0, 64, socket, nullptr), 0);
    EXPECT_EQ(rte_eth_dev_start(p.id), 0);
    return p;
  }

  void SetUp() override { in_use_at_start_ = rte_mempool_in_use_count(pool_); }
  void TearDown() override {
    collect();  // anything left on the TX rings is freed, so a failing case does not cascade
    EXPECT_EQ(rte_mempool_in_use_count(pool_), in_use_at_start_) << "mbuf leak";
  }

  struct Sent {
    uint16_t port;
    Bytes bytes;
  };
  // Everything the ports transmitted since the last call, port A first, then B, then the small one.
  static std::vector<Sent> collect() {
    std::vector<Sent> out;
    for (const RingPort* p : {&port_a_, &port_b_, &port_small_}) {
      void* objs[64];
      unsigned n;
      while ((n = rte_ring_dequeue_burst(p->tx, objs, 64, nullptr)) > 0)
        for (unsigned i = 0; i < n; ++i) {
          auto* m = static_cast<rte_mbuf*>(objs[i]);
          out.push_back({p->id, bytes_of(m)});
          rte_pktmbuf_free(m);
        }
    }
    return out;
  }

  static rte_mempool* pool_;
  static RingPort port_a_, port_b_, port_small_;
  unsigned in_use_at_start_ = 0;
};

rte_mempool* StageTest::pool_ = nullptr;
RingPort StageTest::port_a_, StageTest::port_b_, StageTest::port_small_;

// How a runner is built: the classify config, each path's forwarding policy, the TX queues.
struct Spec {
  classify::ClassifyConfig classify;
  forward::Policy policy = forward::Policy::reflect;
  bool swap_mac = true;
  std::map<StageId, forward::Policy> policy_of;  // per-path exceptions to `policy`
  bool peers = true;                             // bump pairs A <-> B
  bool tx_on_b = true;                           // TX stage has a queue on port B
};

std::unique_ptr<core::LcoreRunner> make_runner(const Spec& spec, uint16_t a, uint16_t b,
                                               uint16_t small) {
  auto r = std::make_unique<core::LcoreRunner>(rte_lcore_id(), 32, 1000000);
  r->set_local_stage(std::make_unique<classify::ClassifyStage>(spec.classify));
  for (StageId s : {StageId::arp, StageId::dns, StageId::tcp, StageId::other}) {
    forward::ForwardConfig fc;
    fc.policy = spec.policy_of.count(s) ? spec.policy_of.at(s) : spec.policy;
    fc.reflect_swap_mac = spec.swap_mac;
    if (spec.peers) {
      fc.peer[a] = b;
      fc.peer[b] = a;
    }
    r->set_local_stage(std::make_unique<forward::ForwardStage>(s, fc));
  }
  std::vector<tx::TxQueue> q = {{a, 0}, {small, 0}};
  if (spec.tx_on_b) q.push_back({b, 0});
  r->set_local_stage(std::make_unique<tx::TxStage>(q, 32));
  return r;
}

// --------------------------------------------------------------------------- cases

enum class Verdict { tx, drop };

struct Case {
  std::string desc;
  Bytes frame;
  Verdict verdict = Verdict::tx;
  StageId path = StageId::other;  // path stage the packet must visit (if it gets past classify)
  DropReason reason = DropReason::none;
  StageId drop_at = StageId::classify;
  std::optional<Bytes> out;            // default: the input with MACs swapped
  std::optional<uint16_t> out_port;    // default: the arrival port (reflect)
  uint64_t ol_flags = 0;               // RX offload flags as a NIC would set them
  uint32_t first_seg = 0;              // > 0: a chained mbuf with this many bytes in the first segment
  std::map<std::string, uint64_t> classify_counters;  // expected values of some classify counters
};

Case tx(std::string d, StageId path, Bytes f) {
  Case c;
  c.desc = std::move(d);
  c.frame = std::move(f);
  c.path = path;
  return c;
}
Case bad(std::string d, ParseError e, Bytes f) {
  Case c;
  c.desc = std::move(d);
  c.frame = std::move(f);
  c.verdict = Verdict::drop;
  c.reason = parse_drop(e);
  return c;
}
Case with(Case c, std::map<std::string, uint64_t> counters) {
  c.classify_counters = std::move(counters);
  return c;
}

// Every path, with the default classify options and all paths reflecting with MACs swapped.
std::vector<Case> path_cases() {
  const Bytes dns_q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1};
  std::vector<Case> v;
  v.push_back(tx("UDP query to port 53 -> dns", StageId::dns, v4().udp(40000, 53).payload(dns_q).build()));
  v.push_back(tx("UDP answer from port 53 -> dns", StageId::dns, v4().udp(53, 40000).payload(dns_q).build()));
  v.push_back(tx("TCP to port 53 -> dns", StageId::dns, v4().tcp(40001, 53, tcpf::syn, 7).build()));
  v.push_back(tx("TCP from port 53 -> dns", StageId::dns,
                 v4().tcp(53, 40001, tcpf::syn | tcpf::ack, 9, 8).build()));
  v.push_back(tx("TCP to port 80 -> tcp", StageId::tcp,
                 v4().tcp(40002, 80, tcpf::syn, 1, 0, 65535,
                          proto::tcp_opt::join({proto::tcp_opt::mss(1460), proto::tcp_opt::nop(),
                                                proto::tcp_opt::wscale(7)}))
                     .build()));
  v.push_back(tx("TCP with payload, port 443 -> tcp", StageId::tcp,
                 v4().tcp(40003, 443, tcpf::ack | tcpf::psh, 100, 200).payload("hello").build()));
  v.push_back(tx("UDP 5353 -> 123 (not DNS) -> other", StageId::other, v4().udp(5353, 123).payload("ntp").build()));
  v.push_back(tx("ICMP echo -> other", StageId::other, v4().icmp(8, 0, 1, 1).payload("ping").build()));
  v.push_back(tx("ICMPv6 echo -> other", StageId::other, v6().icmp(128, 0, 1, 1).payload("ping6").build()));
  v.push_back(tx("IPv6 UDP to 53 -> dns", StageId::dns, v6().udp(40000, 53).payload(dns_q).build()));
  v.push_back(tx("IPv6 TCP to 443 -> tcp", StageId::tcp, v6().tcp(40000, 443, tcpf::syn).build()));
  v.push_back(tx("IPv6 hop-by-hop + dest-opts, TCP -> tcp", StageId::tcp,
                 v6().ipv6_ext(0).ipv6_ext(60, 16).tcp(40000, 22, tcpf::syn).build()));
  v.push_back(tx("IPv6 other next header (GRE) -> other", StageId::other,
                 v6().payload("gre?").override_ip_protocol(47).build()));
  v.push_back(tx("ARP request -> arp", StageId::arp, arp_request().build()));
  v.push_back(tx("ARP reply padded to 60 -> arp", StageId::arp,
                 PacketBuilder().eth(kServerMac, kClientMac)
                     .arp(2, kServerMac, "192.168.50.1", kClientMac, "192.168.50.10").pad_to(60).build()));
  v.push_back(with(tx("802.1Q-tagged DNS -> dns", StageId::dns,
                      PacketBuilder().eth(kClientMac, kServerMac).vlan(100).ipv4("10.1.0.1", "10.2.0.53")
                          .udp(40000, 53).payload(dns_q).build()),
                   {{"vlan_tagged", 1}, {"qinq", 0}}));
  v.push_back(with(tx("QinQ TCP -> tcp", StageId::tcp,
                      PacketBuilder().eth(kClientMac, kServerMac).vlan(10, 0, 0x88a8).vlan(20)
                          .ipv6("fd00::1", "fd00::2").tcp(1, 2, tcpf::rst).build()),
                   {{"vlan_tagged", 1}, {"qinq", 1}, {"ipv6", 1}}));
  v.push_back(with(tx("IPv4 with options, UDP 53 -> dns", StageId::dns,
                      v4().ipv4_options({0x94, 0x04, 0x00, 0x00}).udp(40000, 53).payload(dns_q).build()),
                   {{"ipv4_options", 1}}));
  v.push_back(with(tx("non-IP ethertype 0x88b5 -> other", StageId::other,
                      PacketBuilder().eth(kClientMac, kServerMac).payload("experimental").pad_to(60).build()),
                   {{"non_ip", 1}}));
  v.push_back(tx("IPv4 GRE (no L4 parse) -> other", StageId::other,
                 v4().payload("gre-payload").override_ip_protocol(47).build()));
  v.push_back(tx("UDP 53 short frame padded to 60 -> dns (padding kept)", StageId::dns,
                 v4().udp(40000, 53).payload("ab").pad_to(60).build()));
  v.push_back(tx("IPv4 UDP 53 with checksum 0 (none sent) -> dns", StageId::dns,
                 v4().udp(40000, 53).payload(dns_q).override_l4_checksum(0).build()));
  // L4 checksums: verified on the dns and tcp paths only, by default.
  v.push_back(with(tx("ICMP with a bad checksum -> other (not verified there)", StageId::other,
                      v4().icmp(8, 0, 2, 2).payload("x").corrupt_l4_checksum().build()),
                   {{"l4_checksum_sw", 0}}));
  v.push_back(with(tx("UDP 5353 -> 123 with a bad checksum -> other (not verified)", StageId::other,
                      v4().udp(5353, 123).payload("ntp").corrupt_l4_checksum().build()),
                   {{"l4_checksum_sw", 0}}));
  v.push_back(with(tx("ICMPv6 with a bad checksum -> other (not verified)", StageId::other,
                      v6().icmp(128, 0, 3, 3).corrupt_l4_checksum().build()),
                   {{"l4_checksum_sw", 0}}));
  v.push_back(with(tx("good DNS checksum is verified in software", StageId::dns,
                      v4().udp(40001, 53).payload(dns_q).build()),
                   {{"l4_checksum_sw", 1}, {"l4_checksum_hw", 0}}));
  v.push_back(with(bad("UDP 53 bad checksum", ParseError::l4_bad_checksum,
                       v4().udp(40000, 53).payload(dns_q).corrupt_l4_checksum().build()),
                   {{"l4_checksum_sw", 1}}));
  v.push_back(bad("TCP 53 bad checksum", ParseError::l4_bad_checksum,
                  v4().tcp(40000, 53, tcpf::syn).corrupt_l4_checksum().build()));
  v.push_back(bad("TCP 80 bad checksum", ParseError::l4_bad_checksum,
                  v4().tcp(40000, 80, tcpf::syn).corrupt_l4_checksum().build()));
  v.push_back(bad("IPv6 UDP 53 bad checksum", ParseError::l4_bad_checksum,
                  v6().udp(40000, 53).payload(dns_q).corrupt_l4_checksum().build()));
  v.push_back(bad("IPv6 UDP 53 with checksum 0 (mandatory over IPv6)", ParseError::l4_bad_checksum,
                  v6().udp(40000, 53).payload(dns_q).override_l4_checksum(0).build()));
  v.push_back(bad("IPv6 TCP 443 bad checksum", ParseError::l4_bad_checksum,
                  v6().tcp(40000, 443, tcpf::syn).corrupt_l4_checksum().build()));
  // Fragments: flagged, never checksum-checked (the datagram is not whole).
  v.push_back(with(tx("IPv4 first fragment UDP 53, 'bad' checksum -> dns, unchecked", StageId::dns,
                      v4().ipv4_fragment(0, true, 0x42).udp(40000, 53).payload(Bytes(64, 0x61))
                          .corrupt_l4_checksum().build()),
                   {{"ip_fragments", 1}, {"l4_checksum_sw", 0}}));
  v.push_back(with(tx("IPv4 later fragment of a UDP datagram -> dns (reassembled there)", StageId::dns,
                      v4().ipv4_fragment(72, false, 0x42).udp(40000, 53).payload(Bytes(32, 0x62)).build()),
                   {{"ip_fragments", 1}, {"l4_checksum_sw", 0}}));
  v.push_back(with(tx("IPv4 first fragment TCP 80, 'bad' checksum -> tcp, unchecked", StageId::tcp,
                      v4().ipv4_fragment(0, true, 0x43).tcp(40000, 80, tcpf::ack).payload(Bytes(40, 1))
                          .corrupt_l4_checksum().build()),
                   {{"ip_fragments", 1}, {"l4_checksum_sw", 0}}));
  v.push_back(with(tx("IPv6 first fragment UDP 53, 'bad' checksum -> dns, unchecked", StageId::dns,
                      v6().ipv6_fragment(0, true, 7).udp(40000, 53).payload(Bytes(64, 0x63))
                          .corrupt_l4_checksum().build()),
                   {{"ip_fragments", 1}, {"l4_checksum_sw", 0}, {"ipv6_ext_headers", 1}}));
  v.push_back(with(tx("IPv6 later fragment of a UDP datagram -> dns", StageId::dns,
                      v6().ipv6_fragment(64, false, 7).udp(40000, 53).payload(Bytes(16, 0x64)).build()),
                   {{"ip_fragments", 1}, {"l4_checksum_sw", 0}}));
  return v;
}

// One frame per proto::ParseError, each refused by classify with that reason.
std::vector<Case> malformed_cases() {
  const Bytes udp53 = v4().udp(40000, 53).payload("query").build();
  const Bytes v6udp = v6().udp(40000, 53).payload("query").build();
  const Bytes arp = arp_request().build();
  const Bytes tcp80 = v4().tcp(40000, 80, tcpf::syn).build();
  std::vector<Case> v;
  v.push_back(bad("13-byte frame", ParseError::eth_truncated, cut(udp53, 13)));
  v.push_back(bad("1-byte frame", ParseError::eth_truncated, cut(udp53, 1)));
  v.push_back(bad("802.1Q tag cut short", ParseError::vlan_truncated,
                  cut(PacketBuilder().vlan(5).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), 16)));
  v.push_back(bad("QinQ inner tag cut short", ParseError::vlan_truncated,
                  cut(PacketBuilder().vlan(5, 0, 0x88a8).vlan(6).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), 20)));
  v.push_back(bad("three VLAN tags", ParseError::vlan_too_deep,
                  PacketBuilder().vlan(1, 0, 0x88a8).vlan(2).vlan(3).ipv4("1.1.1.1", "2.2.2.2").udp(1, 53).build()));
  v.push_back(bad("ARP with 20 of 28 bytes", ParseError::arp_truncated, cut(arp, 14 + 20)));
  v.push_back(bad("ARP with hlen 8", ParseError::arp_bad_format, poke(arp, 14 + 4, 8)));
  v.push_back(bad("ARP with ptype IPv6", ParseError::arp_bad_format, poke(arp, 14 + 2, 0x86)));
  v.push_back(bad("IPv4 header cut at 19 bytes", ParseError::ipv4_truncated, cut(udp53, 14 + 19)));
  v.push_back(bad("IPv4 IHL 15 beyond the frame", ParseError::ipv4_truncated, poke(udp53, 14, 0x4f)));
  v.push_back(bad("IPv4 version 6 in an IPv4 ethertype", ParseError::ipv4_bad_version, poke(udp53, 14, 0x65)));
  v.push_back(bad("IPv4 IHL 4", ParseError::ipv4_bad_ihl, poke(udp53, 14, 0x44)));
  v.push_back(bad("IPv4 total length beyond the frame", ParseError::ipv4_bad_total_length,
                  v4().udp(40000, 53).payload("q").override_ipv4_total_length(1000).build()));
  v.push_back(bad("IPv4 total length below the header", ParseError::ipv4_bad_total_length,
                  v4().udp(40000, 53).payload("q").override_ipv4_total_length(12).build()));
  v.push_back(bad("IPv4 header checksum wrong", ParseError::ipv4_bad_checksum,
                  v4().udp(40000, 53).payload("q").corrupt_ipv4_checksum().build()));
  v.push_back(bad("IPv6 header cut at 39 bytes", ParseError::ipv6_truncated, cut(v6udp, 14 + 39)));
  v.push_back(bad("IPv6 version 4", ParseError::ipv6_bad_version,
                  poke(v6udp, 14, static_cast<uint8_t>(0x40 | (v6udp[14] & 0x0f)))));
  v.push_back(bad("IPv6 payload length beyond the frame", ParseError::ipv6_bad_payload_length,
                  v6().udp(40000, 53).payload("q").override_ipv6_payload_length(500).build()));
  v.push_back(bad("IPv6 nine extension headers", ParseError::ipv6_bad_ext_header,
                  v6().ipv6_ext(60).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60)
                      .ipv6_ext(60).ipv6_ext(60).ipv6_ext(60).udp(1, 53).build()));
  v.push_back(bad("IPv6 hop-by-hop not first", ParseError::ipv6_bad_ext_header,
                  v6().ipv6_ext(60).ipv6_ext(0).udp(1, 53).build()));
  v.push_back(bad("ICMP with 4 bytes", ParseError::icmp_truncated,
                  v4().payload(Bytes(4, 8)).override_ip_protocol(1).build()));
  v.push_back(bad("ICMPv6 with 2 bytes", ParseError::icmp_truncated,
                  v6().payload(Bytes{128, 0}).override_ip_protocol(58).build()));
  v.push_back(bad("UDP with 4 bytes", ParseError::udp_truncated,
                  v4().payload(Bytes(4, 0)).override_ip_protocol(17).build()));
  v.push_back(bad("UDP length 4", ParseError::udp_bad_length,
                  v4().udp(40000, 53).payload("query").override_udp_length(4).build()));
  v.push_back(bad("UDP length beyond the datagram", ParseError::udp_bad_length,
                  v4().udp(40000, 53).payload("query").override_udp_length(200).build()));
  v.push_back(bad("TCP with 12 bytes", ParseError::tcp_truncated,
                  v4().payload(Bytes(12, 0)).override_ip_protocol(6).build()));
  v.push_back(bad("TCP data offset 4", ParseError::tcp_bad_offset, poke(tcp80, 14 + 20 + 12, 0x40)));
  v.push_back(bad("TCP data offset 15 beyond the segment", ParseError::tcp_bad_offset,
                  poke(tcp80, 14 + 20 + 12, 0xf0)));
  v.push_back(bad("UDP 53 with a one-bit checksum error", ParseError::l4_bad_checksum,
                  v4().udp(40000, 53).payload("query").corrupt_l4_checksum().build()));
  return v;
}

// What the NIC's RX checksum flags change, and chained (multi-segment) frames.
std::vector<Case> offload_and_chain_cases() {
  const Bytes big_payload(1300, 0x5a);
  std::vector<Case> v;
  {
    Case c = tx("NIC says IP checksum good: a wrong header checksum is trusted", StageId::dns,
                v4().udp(40000, 53).payload("q").corrupt_ipv4_checksum().build());
    c.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    v.push_back(c);
  }
  {
    Case c = bad("NIC says IP checksum bad", ParseError::ipv4_bad_checksum, v4().udp(40000, 53).payload("q").build());
    c.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
    v.push_back(c);
  }
  {
    Case c = with(bad("NIC says L4 checksum bad on the dns path", ParseError::l4_bad_checksum,
                      v4().udp(40000, 53).payload("q").build()),
                  {{"l4_checksum_hw", 1}, {"l4_checksum_sw", 0}});
    c.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
    v.push_back(c);
  }
  {
    Case c = with(tx("NIC says L4 checksum good: trusted on the tcp path", StageId::tcp,
                     v4().tcp(40000, 80, tcpf::syn).corrupt_l4_checksum().build()),
                  {{"l4_checksum_hw", 1}, {"l4_checksum_sw", 0}});
    c.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    v.push_back(c);
  }
  {
    Case c = with(tx("NIC says L4 checksum bad on the other path: not looked at", StageId::other,
                     v4().icmp(8, 0).build()),
                  {{"l4_checksum_hw", 0}, {"l4_checksum_sw", 0}});
    c.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
    v.push_back(c);
  }
  {
    Case c = with(tx("chained mbuf, IPv4 UDP 53, good checksum (segment-aware verify)", StageId::dns,
                     v4().udp(40000, 53).payload(big_payload).build()),
                  {{"l4_checksum_sw", 1}});
    c.first_seg = 100;
    v.push_back(c);
  }
  {
    Case c = bad("chained mbuf, IPv4 UDP 53, bad checksum", ParseError::l4_bad_checksum,
                 v4().udp(40000, 53).payload(big_payload).corrupt_l4_checksum().build());
    c.first_seg = 100;
    v.push_back(c);
  }
  {
    Case c = tx("chained mbuf, IPv6 TCP 80, good checksum", StageId::tcp,
                v6().tcp(40000, 80, tcpf::ack).payload(big_payload).build());
    c.first_seg = 120;
    v.push_back(c);
  }
  {
    Case c = bad("chained mbuf, IPv6 TCP 80, bad checksum", ParseError::l4_bad_checksum,
                 v6().tcp(40000, 80, tcpf::ack).payload(big_payload).corrupt_l4_checksum().build());
    c.first_seg = 120;
    v.push_back(c);
  }
  // DPDK's rte_ipv6_udptcp_cksum_mbuf_verify takes no extension headers (it summed past the frame
  // and put the first extension header's type in the pseudo-header): good frames were dropped.
  {
    Case c = tx("chained mbuf, IPv6 TCP 80 behind Destination Options, good checksum", StageId::tcp,
                v6().ipv6_ext(60, 8).tcp(40000, 80, tcpf::ack).payload(big_payload).build());
    c.first_seg = 130;
    v.push_back(c);
  }
  {
    Case c = bad("chained mbuf, IPv6 TCP 80 behind Destination Options, bad checksum", ParseError::l4_bad_checksum,
                 v6().ipv6_ext(60, 8).tcp(40000, 80, tcpf::ack).payload(big_payload).corrupt_l4_checksum().build());
    c.first_seg = 130;
    v.push_back(c);
  }
  {
    Case c = tx("chained mbuf, IPv6 UDP 53 behind Hop-by-Hop and Destination Options, good checksum",
                StageId::dns, v6().ipv6_ext(0, 8).ipv6_ext(60, 16).udp(40000, 53).payload(big_payload).build());
    c.first_seg = 150;
    v.push_back(c);
  }
  {
    Case c = bad("chained mbuf, IPv6 UDP 53 with checksum 0 (mandatory over IPv6)", ParseError::l4_bad_checksum,
                 v6().udp(40000, 53).payload(big_payload).override_l4_checksum(0).build());
    c.first_seg = 100;
    v.push_back(c);
  }
  return v;
}

// --------------------------------------------------------------------------- checking

uint64_t total(const std::array<core::Counter, core::kDropReasonCount>& d) {
  uint64_t n = 0;
  for (const auto& c : d) n += c.load();
  return n;
}

std::map<std::string, uint64_t> stage_counters(const core::LcoreRunner& r, StageId s) {
  std::map<std::string, uint64_t> out;
  if (const core::Stage* st = r.local_stage(s))
    st->visit_counters([&](std::string_view k, uint64_t v) { out[std::string(k)] = v; });
  return out;
}

class StageCases : public StageTest {
 protected:
  // Runs one case through a fresh runner built from `spec` and checks everything it promises.
  void check(const Spec& spec, const Case& c, uint16_t in_port) {
    SCOPED_TRACE(c.desc + " [" + hex(c.frame, 48) + "]");
    const unsigned before = rte_mempool_in_use_count(pool_);
    auto runner = make_runner(spec, port_a_.id, port_b_.id, port_small_.id);
    rte_mbuf* m = mbuf_from(pool_, c.frame, c.first_seg);
    ASSERT_NE(m, nullptr);
    if (c.first_seg) {
      ASSERT_GT(m->nb_segs, 1);
    }
    m->ol_flags |= c.ol_flags;
    core::meta(m)->in_port = in_port;
    runner->inject(StageId::classify, &m, 1);
    runner->flush_all();
    const auto sent = collect();
    const auto& cnt = runner->counters();
    auto stage = [&](StageId s) { return &cnt.stage[core::index(s)]; };

    EXPECT_EQ(stage(StageId::classify)->in.load(), 1u);
    if (c.verdict == Verdict::tx) {
      ASSERT_EQ(sent.size(), 1u) << "expected one transmitted frame";
      EXPECT_EQ(sent[0].port, c.out_port.value_or(in_port));
      const Bytes want = c.out.value_or(swap_macs(c.frame));
      EXPECT_EQ(sent[0].bytes, want) << "got  " << hex(sent[0].bytes) << "\nwant " << hex(want);
      EXPECT_EQ(total(cnt.drops), 0u);
      for (StageId s : {StageId::classify, c.path, StageId::tx}) {
        SCOPED_TRACE(std::string(core::to_string(s)));
        EXPECT_EQ(stage(s)->in.load(), 1u);
        EXPECT_EQ(stage(s)->out.load(), 1u);
        EXPECT_EQ(stage(s)->drops.load(), 0u);
      }
    } else {
      EXPECT_TRUE(sent.empty()) << "a dropped packet was transmitted: " << hex(sent[0].bytes);
      EXPECT_EQ(cnt.drops[static_cast<size_t>(c.reason)].load(), 1u)
          << "drop reason " << core::to_string(c.reason);
      EXPECT_EQ(total(cnt.drops), 1u);
      EXPECT_EQ(stage(c.drop_at)->drops.load(), 1u) << "dropped by " << core::to_string(c.drop_at);
      EXPECT_EQ(stage(c.drop_at)->out.load(), 0u);
      if (c.drop_at != StageId::classify) {
        EXPECT_EQ(stage(StageId::classify)->out.load(), 1u);
        EXPECT_EQ(stage(c.path)->in.load(), 1u);
      }
    }
    // No stage other than classify, the expected path and TX saw the packet.
    for (size_t s = 1; s < core::kStageCount; ++s) {
      const auto id = static_cast<StageId>(s);
      const bool may = id == c.path || id == StageId::tx;
      if (!may || (c.verdict == Verdict::drop && c.drop_at == StageId::classify)) {
        EXPECT_EQ(stage(id)->in.load(), 0u) << "stage " << core::to_string(id) << " saw the packet";
      }
    }
    const auto cc = stage_counters(*runner, StageId::classify);
    for (const auto& [k, v] : c.classify_counters) {
      ASSERT_TRUE(cc.count(k)) << "classify has no counter " << k;
      EXPECT_EQ(cc.at(k), v) << "classify counter " << k;
    }
    if (c.verdict == Verdict::tx) {
      const char* path_counter = c.path == StageId::arp   ? "path_arp"
                                 : c.path == StageId::dns ? "path_dns"
                                 : c.path == StageId::tcp ? "path_tcp"
                                                          : "path_other";
      EXPECT_EQ(cc.at(path_counter), 1u);
    }
    runner.reset();
    EXPECT_EQ(rte_mempool_in_use_count(pool_), before) << "mbuf leak";
  }
};

TEST_F(StageCases, PathChoiceChecksumsAndFragmentsReflectWithMacSwap) {
  Spec spec;
  for (const Case& c : path_cases()) check(spec, c, port_a_.id);
}

TEST_F(StageCases, EveryParseErrorIsADropReasonAndNothingIsSent) {
  Spec spec;
  const auto cases = malformed_cases();
  std::set<DropReason> seen;
  for (const Case& c : cases) {
    check(spec, c, port_a_.id);
    seen.insert(c.reason);
  }
  for (uint16_t e = 1; e < core::kParseErrorCount; ++e)
    EXPECT_TRUE(seen.count(static_cast<DropReason>(e)))
        << "no case for ParseError " << proto::to_string(static_cast<ParseError>(e));
  // The counter names telemetry shows are the parse error names.
  for (uint16_t e = 1; e < core::kParseErrorCount; ++e)
    EXPECT_EQ(core::to_string(static_cast<DropReason>(e)), proto::to_string(static_cast<ParseError>(e)));
}

TEST_F(StageCases, RxOffloadFlagsAndChainedMbufs) {
  Spec spec;
  for (const Case& c : offload_and_chain_cases()) check(spec, c, port_a_.id);
}

TEST_F(StageCases, ReflectWithoutMacSwapSendsTheFrameUnchanged) {
  Spec spec;
  spec.swap_mac = false;
  for (Case c : path_cases()) {
    if (c.verdict != Verdict::tx) continue;
    c.out = c.frame;
    check(spec, c, port_b_.id);
  }
}

TEST_F(StageCases, BumpInTheWireSendsToThePeerUnchanged) {
  Spec spec;
  spec.policy = forward::Policy::bump;
  for (Case c : path_cases()) {
    if (c.verdict != Verdict::tx) continue;
    c.out = c.frame;
    c.out_port = port_b_.id;
    check(spec, c, port_a_.id);
    c.out_port = port_a_.id;
    check(spec, c, port_b_.id);
  }
}

TEST_F(StageCases, BumpWithNoPeerIsCountedAsNoRoute) {
  Spec spec;
  spec.policy = forward::Policy::bump;
  spec.peers = false;
  for (Case c : path_cases()) {
    if (c.verdict != Verdict::tx) continue;
    c.verdict = Verdict::drop;
    c.reason = DropReason::no_route;
    c.drop_at = c.path;
    check(spec, c, port_a_.id);
  }
}

TEST_F(StageCases, PeerWithoutATxQueueIsCountedAsNoRouteByTx) {
  Spec spec;
  spec.policy = forward::Policy::bump;
  spec.tx_on_b = false;  // A's peer is B, but this TX stage has no queue on B
  Case c = tx("UDP 53 bumped towards a port TX does not serve", StageId::dns,
              v4().udp(40000, 53).payload("q").build());
  c.verdict = Verdict::drop;
  c.reason = DropReason::no_route;
  c.drop_at = StageId::tx;
  check(spec, c, port_a_.id);
}

TEST_F(StageCases, PolicyDropPerPathIsCountedAsPolicyDrop) {
  EXPECT_EQ(core::to_string(DropReason::policy), "policy_drop");
  for (StageId dropping : {StageId::arp, StageId::dns, StageId::tcp, StageId::other}) {
    SCOPED_TRACE("dropping path " + std::string(core::to_string(dropping)));
    Spec spec;
    spec.policy_of[dropping] = forward::Policy::drop;
    for (Case c : path_cases()) {
      if (c.verdict != Verdict::tx) continue;
      if (c.path == dropping) {
        c.verdict = Verdict::drop;
        c.reason = DropReason::policy;
        c.drop_at = dropping;
      }
      check(spec, c, port_a_.id);
    }
  }
}

TEST_F(StageCases, ClassifyOptionsChangeWhatIsVerifiedAndWhichPortsAreDns) {
  {
    SCOPED_TRACE("verify_l4_checksum = [other] only");
    Spec spec;
    spec.classify.verify_l4_checksum = {false, false, false, false, true};
    check(spec, tx("DNS with a bad checksum passes when dns is not verified", StageId::dns,
                   v4().udp(40000, 53).payload("q").corrupt_l4_checksum().build()),
          port_a_.id);
    check(spec, tx("TCP with a bad checksum passes when tcp is not verified", StageId::tcp,
                   v4().tcp(40000, 80, tcpf::syn).corrupt_l4_checksum().build()),
          port_a_.id);
    check(spec, bad("ICMP with a bad checksum is dropped when other is verified", ParseError::l4_bad_checksum,
                    v4().icmp(8, 0, 1, 1).corrupt_l4_checksum().build()),
          port_a_.id);
    check(spec, bad("ICMPv6 with a bad checksum is dropped when other is verified", ParseError::l4_bad_checksum,
                    v6().icmp(128, 0, 1, 1).corrupt_l4_checksum().build()),
          port_a_.id);
  }
  {
    SCOPED_TRACE("verify_l4_checksum = [] (a NIC that verifies, or nobody cares)");
    Spec spec;
    spec.classify.verify_l4_checksum = {false, false, false, false, false};
    check(spec, tx("DNS with a bad checksum passes when no path is verified", StageId::dns,
                   v4().udp(40000, 53).payload("q").corrupt_l4_checksum().build()),
          port_a_.id);
    check(spec, tx("TCP with a bad checksum passes when no path is verified", StageId::tcp,
                   v4().tcp(40000, 80, tcpf::syn).corrupt_l4_checksum().build()),
          port_a_.id);
    check(spec, bad("a bad IPv4 header checksum is still dropped", ParseError::ipv4_bad_checksum,
                    v4().udp(40000, 53).payload("q").corrupt_ipv4_checksum().build()),
          port_a_.id);
  }
  {
    SCOPED_TRACE("dns_ports = [5353, 853]");
    Spec spec;
    spec.classify.dns_ports = {5353, 853};
    check(spec, tx("UDP 53 is not DNS any more", StageId::other, v4().udp(40000, 53).payload("q").build()),
          port_a_.id);
    check(spec, tx("TCP 53 is plain TCP", StageId::tcp, v4().tcp(40000, 53, tcpf::syn).build()), port_a_.id);
    check(spec, tx("UDP 5353 is DNS", StageId::dns, v4().udp(5353, 5353).payload("q").build()), port_a_.id);
    check(spec, tx("TCP from 853 is DNS", StageId::dns, v6().tcp(853, 40000, tcpf::ack).build()), port_a_.id);
  }
  {
    SCOPED_TRACE("verify_ipv4_checksum = false");
    Spec spec;
    spec.classify.verify_ipv4_checksum = false;
    check(spec, tx("a wrong IPv4 header checksum passes", StageId::dns,
                   v4().udp(40000, 53).payload("q").corrupt_ipv4_checksum().build()),
          port_a_.id);
  }
}

// All the cases at once, in bursts: the same verdicts and bytes as one at a time, drops summed by
// reason, and within each path the output keeps the input order.
TEST_F(StageCases, MixedBurstsGiveTheSameVerdictsAsSinglePackets) {
  std::vector<Case> all = path_cases();
  for (auto& c : malformed_cases()) all.push_back(c);
  for (auto& c : offload_and_chain_cases()) all.push_back(c);
  Spec spec;
  auto runner = make_runner(spec, port_a_.id, port_b_.id, port_small_.id);
  std::map<DropReason, uint64_t> want_drops;
  std::map<StageId, std::vector<Bytes>> want_by_path;
  std::map<Bytes, StageId> path_of;
  size_t want_tx = 0;
  for (size_t start = 0; start < all.size(); start += 32) {
    std::vector<rte_mbuf*> burst;
    for (size_t i = start; i < std::min(all.size(), start + 32); ++i) {
      const Case& c = all[i];
      rte_mbuf* m = mbuf_from(pool_, c.frame, c.first_seg);
      ASSERT_NE(m, nullptr);
      m->ol_flags |= c.ol_flags;
      core::meta(m)->in_port = port_a_.id;
      burst.push_back(m);
      if (c.verdict == Verdict::drop) {
        ++want_drops[c.reason];
      } else {
        ++want_tx;
        want_by_path[c.path].push_back(swap_macs(c.frame));
        path_of[swap_macs(c.frame)] = c.path;
      }
    }
    runner->inject(StageId::classify, burst.data(), static_cast<uint16_t>(burst.size()));
  }
  runner->flush_all();
  const auto sent = collect();
  ASSERT_EQ(sent.size(), want_tx);
  std::map<StageId, std::vector<Bytes>> got_by_path;
  for (const auto& s : sent) {
    EXPECT_EQ(s.port, port_a_.id);
    ASSERT_TRUE(path_of.count(s.bytes)) << "unexpected frame " << hex(s.bytes);
    got_by_path[path_of[s.bytes]].push_back(s.bytes);
  }
  EXPECT_EQ(got_by_path, want_by_path);
  const auto& cnt = runner->counters();
  uint64_t dropped = 0;
  for (size_t r = 0; r < core::kDropReasonCount; ++r) {
    const auto reason = static_cast<DropReason>(r);
    const uint64_t want = want_drops.count(reason) ? want_drops[reason] : 0;
    EXPECT_EQ(cnt.drops[r].load(), want) << core::to_string(reason);
    dropped += cnt.drops[r].load();
  }
  const auto& cl = cnt.stage[core::index(StageId::classify)];
  EXPECT_EQ(cl.in.load(), all.size());
  EXPECT_EQ(cl.out.load() + cl.drops.load(), all.size());
  EXPECT_EQ(cl.drops.load(), dropped);
  uint64_t path_in = 0, path_out = 0;
  for (StageId s : {StageId::arp, StageId::dns, StageId::tcp, StageId::other}) {
    path_in += cnt.stage[core::index(s)].in.load();
    path_out += cnt.stage[core::index(s)].out.load();
    EXPECT_EQ(cnt.stage[core::index(s)].in.load(), want_by_path[s].size()) << core::to_string(s);
  }
  EXPECT_EQ(path_in, cl.out.load());
  EXPECT_EQ(path_out, cnt.stage[core::index(StageId::tx)].in.load());
  EXPECT_EQ(cnt.stage[core::index(StageId::tx)].out.load(), want_tx);
}

// LcoreRunner::receive (the RX path of run()): classify stamps the arrival port into the metadata,
// whatever the mbuf's private area held before, so reflect answers out of the right port.
TEST_F(StageCases, ReceiveStampsTheArrivalPort) {
  Spec spec;
  auto runner = make_runner(spec, port_a_.id, port_b_.id, port_small_.id);
  const Bytes f = v4().udp(40000, 53).payload("q").build();
  for (uint16_t port : {port_b_.id, port_a_.id}) {
    rte_mbuf* m = mbuf_from(pool_, f);
    ASSERT_NE(m, nullptr);
    core::meta(m)->in_port = 0x7777;  // stale garbage from the mbuf's previous life
    runner->receive(port, &m, 1);
    runner->flush_all();
    const auto sent = collect();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].port, port);
    EXPECT_EQ(sent[0].bytes, swap_macs(f));
  }
}

// A TX queue that refuses packets: what it does not take is freed and counted as tx_full, once
// the runner flushes, and nothing leaks.
TEST_F(StageCases, FullTxQueueIsCountedAsTxFull) {
  Spec spec;
  auto runner = make_runner(spec, port_a_.id, port_b_.id, port_small_.id);
  const unsigned capacity = rte_ring_get_capacity(port_small_.tx);
  ASSERT_EQ(capacity, 7u);
  std::vector<rte_mbuf*> burst;
  for (uint16_t i = 0; i < 20; ++i) {
    rte_mbuf* m = mbuf_from(pool_, v4().udp(1000 + i, 53).payload("q").build());
    ASSERT_NE(m, nullptr);
    core::meta(m)->in_port = port_small_.id;  // reflect: out the same (small) port
    burst.push_back(m);
  }
  runner->inject(StageId::classify, burst.data(), static_cast<uint16_t>(burst.size()));
  runner->flush_all();
  const auto& cnt = runner->counters();
  EXPECT_EQ(rte_ring_count(port_small_.tx), capacity);
  EXPECT_EQ(cnt.drops[static_cast<size_t>(DropReason::tx_full)].load(), 20u - capacity);
  EXPECT_EQ(stage_counters(*runner, StageId::tx).at("tx_full"), 20u - capacity);
  const auto sent = collect();
  ASSERT_EQ(sent.size(), capacity);
  for (uint16_t i = 0; i < capacity; ++i)
    EXPECT_EQ(sent[i].bytes, swap_macs(v4().udp(1000 + i, 53).payload("q").build())) << i;
  // The TX stage's in/out count what it took; the loss shows up in the drop counter.
  EXPECT_EQ(cnt.stage[core::index(StageId::tx)].in.load(), 20u);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new rampart::pipetest::EalEnvironment("stages", {"-l", "0", "--no-telemetry"}, 128));
  return RUN_ALL_TESTS();
}

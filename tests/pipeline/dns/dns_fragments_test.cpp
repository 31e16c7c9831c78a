// Reassembly of fragmented UDP in the DNS stage (pipelines/dns/ip_reassembly.*), in EAL: the real
// classify and DNS stages on frames built here. Whole datagrams are built with the proto builder
// (checksums right) and cut into fragments the way a router does; each case then checks what the
// stage decoded, what it counted, that every original frame passed on byte for byte, and that no
// copy is left behind. The public capture with fragments is checked against tshark in
// dns_pipeline_test.cpp.
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "../ip_fragments.h"
#include "../pipeline_util.h"
#include "../../unit/dns/dns_writer.h"
#include "classify/classify_stage.h"
#include "core/meta.h"
#include "dns/dns_stage.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

constexpr size_t kEth = 14;

// A DNS response with one TXT answer of `txt_bytes` (in 255-byte strings): big enough to need
// fragments.
Bytes txt_response(uint16_t id, size_t txt_bytes) {
  dnstest::Writer w;
  w.header(id, 0x8180, 1, 1, 0, 0);
  w.question("big.example", 16);
  w.ptr(12);
  const size_t l = w.rr(16, 1, 300);
  for (size_t left = txt_bytes; left;) {
    const size_t n = std::min<size_t>(left, 255);
    w.u8(static_cast<uint8_t>(n));
    w.b.insert(w.b.end(), n, 'x');
    left -= n;
  }
  w.end_rdata(l);
  return w.b;
}

Bytes txt_query(uint16_t id) {
  dnstest::Writer w;
  w.header(id, 0x0100, 1, 0, 0, 0);
  w.question("big.example", 16);
  return w.b;
}

// Client 192.0.2.1 / 2001:db8::1 and server .53 / ::35, in either direction.
proto::PacketBuilder between(bool v6, bool from_server) {
  const char* mac[2] = {"02:00:00:00:00:01", "02:00:00:00:00:35"};
  const char* ip[2] = {v6 ? "2001:db8::1" : "192.0.2.1", v6 ? "2001:db8::35" : "192.0.2.53"};
  const int src = from_server ? 1 : 0;
  proto::PacketBuilder b;
  b.eth(mac[src], mac[1 - src]);
  if (v6) b.ipv6(ip[src], ip[1 - src]);
  else b.ipv4(ip[src], ip[1 - src]);
  return b;
}
proto::PacketBuilder server_to_client(bool v6) { return between(v6, true); }
proto::PacketBuilder client_to_server(bool v6) { return between(v6, false); }

// The whole IPv4 frame of a TXT response from the server's port 53 to the client's 40000.
Bytes response_frame(uint16_t id, size_t txt_bytes) {
  return server_to_client(false).udp(53, 40000).payload(txt_response(id, txt_bytes)).build();
}

// Incomplete datagrams dropped after 100 ms.
dns::DnsConfig short_timeout() {
  dns::DnsConfig cfg;
  cfg.ip_frag_timeout_ms = 100;
  return cfg;
}

class DnsFragments : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("dnsfrag_test", 2047, 0, core::kMetaPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  }
  static void TearDownTestSuite() { rte_mempool_free(pool_); }

 protected:
  void SetUp() override {
    in_use_ = rte_mempool_in_use_count(pool_);
    hz_ = rte_get_tsc_hz();
    t0_ = rte_rdtsc();
  }
  void TearDown() override { EXPECT_EQ(rte_mempool_in_use_count(pool_), in_use_) << "mbuf leak"; }

  void make_stage(dns::DnsConfig cfg = {}) {
    core::ForwardConfig fc;
    fc.policy = core::Policy::reflect;
    fc.reflect_swap_mac = false;
    stage_ = std::make_unique<dns::DnsStage>(cfg, fc, hz_);
  }
  uint64_t at_ms(double ms) const { return t0_ + static_cast<uint64_t>(ms * static_cast<double>(hz_) / 1000.0); }

  // Classify then the DNS stage, one burst, at time `ms`; every frame must come out unchanged.
  void send(const std::vector<Bytes>& frames, double ms) {
    std::vector<rte_mbuf*> ms_;
    core::StageContext ctx;
    ctx.now_tsc = at_ms(ms);
    for (const Bytes& f : frames) {
      rte_mbuf* m = mbuf_from(pool_, f);
      ASSERT_NE(m, nullptr);
      core::meta(m)->in_port = 0;
      core::meta(m)->rx_tsc = ctx.now_tsc;
      ms_.push_back(m);
    }
    const auto n = static_cast<uint16_t>(ms_.size());
    classify_.process(ms_.data(), n, ctx);
    std::vector<rte_mbuf*> dns;
    for (uint16_t i = 0; i < n; ++i) {
      if (core::verdict_of(ctx, ms_.data(), i) == static_cast<uint8_t>(core::StageId::dns)) dns.push_back(ms_[i]);
      else ADD_FAILURE() << "not on the dns path: " << hex(bytes_of(ms_[i]));
    }
    stage_->process(dns.data(), static_cast<uint16_t>(dns.size()), ctx);
    for (size_t i = 0; i < ms_.size(); ++i) EXPECT_EQ(bytes_of(ms_[i]), frames[i]) << "frame " << i << " changed";
    for (rte_mbuf* m : ms_) rte_pktmbuf_free(m);
    flush(ms);  // as the lcore loop does when idle: the piece being coalesced goes to the table
  }
  void flush(double ms) {
    core::StageContext ctx;
    ctx.now_tsc = at_ms(ms);
    stage_->flush(ctx);
  }
  const dns::FragmentCounters& fc() const { return stage_->fragments()->counters(); }
  const dns::DnsCounters& dc() const { return stage_->counters(); }

  classify::ClassifyStage classify_{classify::ClassifyConfig{}};
  std::unique_ptr<dns::DnsStage> stage_;
  static rte_mempool* pool_;
  unsigned in_use_ = 0;
  uint64_t hz_ = 0, t0_ = 0;
};

rte_mempool* DnsFragments::pool_ = nullptr;

// A query, then its 3000-byte response in 3 fragments sent last-first-middle: nothing to coalesce,
// rte_ip_frag's table does the work. IPv4 and IPv6.
TEST_F(DnsFragments, OutOfOrderFragmentsAreReassembledAndMatched) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    make_stage();
    send({client_to_server(v6).udp(40000, 53).payload(txt_query(7)).build()}, 0);
    const Bytes whole = server_to_client(v6).udp(53, 40000).payload(txt_response(7, 3000)).build();
    const auto frags = fragment(whole, 1232, 0x1234);
    ASSERT_EQ(frags.size(), 3u);
    send({frags[2], frags[0]}, 1);
    flush(1.5);
    EXPECT_EQ(fc().reassembled.load(), 0u);
    send({frags[1]}, 2);
    EXPECT_EQ(fc().fragments.load(), 3u);
    EXPECT_EQ(fc().coalesced.load(), 0u);
    EXPECT_EQ(fc().reassembled.load(), 1u);
    EXPECT_EQ(dc().responses.load(), 1u);
    EXPECT_EQ(dc().matched.load(), 1u);
    EXPECT_EQ(dc().malformed.load(), 0u);
    EXPECT_EQ(dc().rcodes[0].load(), 1u);
    EXPECT_EQ(dc().ip_fragments.load(), 3u);
    flush(3);
    EXPECT_EQ(stage_->fragments()->mbufs_held(), 0u);
  }
}

// In order, 12 pieces: more than rte_ip_frag holds, coalesced before the table.
TEST_F(DnsFragments, ManyInOrderFragmentsAreCoalesced) {
  make_stage();
  const Bytes whole = response_frame(9, 2500);
  const auto frags = fragment(whole, 216, 0x99);
  ASSERT_GT(frags.size(), 8u);
  send(frags, 0);
  EXPECT_EQ(fc().reassembled.load(), 1u);
  EXPECT_EQ(fc().coalesced.load(), frags.size() - 1);
  EXPECT_EQ(dc().responses.load(), 1u);
  EXPECT_EQ(dc().unmatched_responses.load(), 1u);  // no query was seen
  EXPECT_EQ(stage_->fragments()->mbufs_held(), 0u);
}

// A fragment never arrives: the others are held until the timeout, then dropped and counted.
TEST_F(DnsFragments, MissingFragmentTimesOutAndIsCounted) {
  make_stage(short_timeout());
  const Bytes whole = response_frame(3, 3000);
  const auto frags = fragment(whole, 1232, 0x77);
  send({frags[0]}, 0);
  send({frags[2]}, 1);
  flush(50);
  EXPECT_EQ(fc().timed_out.load(), 0u);
  EXPECT_GT(stage_->fragments()->mbufs_held(), 0u);
  flush(102);
  EXPECT_EQ(fc().timed_out.load(), 2u) << "both fragments held";
  EXPECT_EQ(fc().reassembled.load(), 0u);
  EXPECT_EQ(dc().responses.load(), 0u);
  EXPECT_EQ(stage_->fragments()->mbufs_held(), 0u);
  // The missing piece, late: alone it completes nothing and times out in turn.
  send({frags[1]}, 110);
  flush(300);
  EXPECT_EQ(fc().timed_out.load(), 3u);
  EXPECT_EQ(fc().reassembled.load(), 0u);
}

TEST_F(DnsFragments, FullTableRefusesAndCounts) {
  dns::DnsConfig cfg = short_timeout();
  cfg.ip_frag_entries = 4;
  make_stage(cfg);
  const Bytes whole = response_frame(3, 3000);
  // Second pieces only of 6 datagrams: 4 take the entries, 2 find the table full.
  for (uint32_t id = 1; id <= 6; ++id) send({fragment(whole, 1232, id)[1]}, 0);
  EXPECT_EQ(fc().table_full.load(), 2u);
  flush(101);
  EXPECT_EQ(fc().timed_out.load(), 4u);
  // Entries free again: a whole datagram goes through the table (out of order).
  const auto f = fragment(whole, 1232, 42);
  send({f[1], f[2], f[0]}, 102);
  EXPECT_EQ(fc().reassembled.load(), 1u);
  EXPECT_EQ(dc().responses.load(), 1u);
}

// Overlaps, duplicates, holes filled twice, more pieces than the table holds, bad lengths, and
// random bytes: counted, never parsed as DNS by mistake, nothing leaks.
TEST_F(DnsFragments, OverlappingAndGarbageFragmentsAreCounted) {
  make_stage(short_timeout());
  const Bytes whole = response_frame(5, 3000);
  const auto a = fragment(whole, 1232, 0x501);
  // Overlap: pieces cut at 1232 and at 800 mixed (last first, so nothing is coalesced).
  const auto b = fragment(whole, 800, 0x501);
  send({a[2], b[1], a[0], a[1]}, 0);
  EXPECT_GT(fc().invalid.load(), 0u);
  EXPECT_EQ(dc().responses.load(), 0u);
  // Duplicate first piece of another datagram.
  const auto d = fragment(whole, 1232, 0x502);
  send({d[2], d[0], d[0]}, 1);
  // 13 pieces out of order (every other one first): beyond the 8 rte_ip_frag holds.
  const auto m = fragment(whole, 232, 0x503);
  std::vector<Bytes> shuffled;
  for (size_t i = 1; i < m.size(); i += 2) shuffled.push_back(m[i]);
  for (size_t i = 0; i < m.size(); i += 2) shuffled.push_back(m[i]);
  send(shuffled, 2);
  // An empty fragment and a non-final one whose length is not a multiple of 8.
  Bytes empty = a[1];
  empty.resize(kEth + 20);
  empty[kEth + 2] = 0;
  empty[kEth + 3] = 20;
  empty[kEth + 10] = empty[kEth + 11] = 0;
  const uint16_t ck = proto::checksum_finish(proto::checksum_partial(empty.data() + kEth, 20));
  empty[kEth + 10] = static_cast<uint8_t>(ck >> 8);
  empty[kEth + 11] = static_cast<uint8_t>(ck);
  const uint64_t invalid_before = fc().invalid.load();
  send({empty, fragment(whole, 1001, 0x504)[0]}, 3);
  EXPECT_EQ(fc().invalid.load(), invalid_before + 2);
  // Random payload bytes in well-formed fragments, to port 53 and elsewhere.
  std::mt19937 rng(3);
  for (int i = 0; i < 50; ++i) {
    Bytes junk(600 + rng() % 2000);
    for (auto& x : junk) x = static_cast<uint8_t>(rng());
    const uint16_t port = i % 2 ? 53 : 9999;
    const Bytes w = server_to_client(i % 3 == 0).udp(port, 40000).payload(junk).build();
    auto f = fragment(w, 8 * (1 + rng() % 70), 0x1000 + static_cast<uint32_t>(i));  // < 600 bytes
    if (i % 4 == 0) std::reverse(f.begin(), f.end());
    send(f, 4 + i);
  }
  EXPECT_GT(fc().non_dns.load(), 0u);
  EXPECT_GT(dc().malformed.load(), 0u) << "random bytes to port 53 reach the DNS parser and fail there";
  flush(1000);
  EXPECT_EQ(stage_->fragments()->mbufs_held(), 0u);
  // Every fragment taken in is accounted for exactly once.
  const auto& f = fc();
  EXPECT_EQ(f.fragments.load(), f.used.load() + f.timed_out.load() + f.invalid.load() + f.table_full.load() +
                                    f.no_mbuf.load() + f.unsupported.load());
  std::printf("  fragments %llu: coalesced %llu, timed out %llu, invalid %llu, table full %llu -> %llu datagrams\n",
              (unsigned long long)f.fragments.load(), (unsigned long long)f.coalesced.load(),
              (unsigned long long)f.timed_out.load(), (unsigned long long)f.invalid.load(),
              (unsigned long long)f.table_full.load(), (unsigned long long)f.reassembled.load());
}

// Fragments of a datagram still incomplete when the stage goes away: the stage frees its copies
// and its pool (the test's own pool is checked in TearDown).
TEST_F(DnsFragments, IncompleteDatagramsAreFreedWithTheStage) {
  make_stage();
  const Bytes whole = response_frame(3, 3000);
  for (uint32_t id = 1; id <= 20; ++id) send({fragment(whole, 1232, id)[2]}, 0);
  EXPECT_EQ(stage_->fragments()->mbufs_held(), 20u);
  stage_.reset();
}

TEST_F(DnsFragments, OffMeansCountedOnly) {
  dns::DnsConfig cfg;
  cfg.ip_frag_entries = 0;
  make_stage(cfg);
  EXPECT_EQ(stage_->fragments(), nullptr);
  const Bytes whole = response_frame(3, 3000);
  send(fragment(whole, 1232, 1), 0);
  EXPECT_EQ(dc().ip_fragments.load(), 3u);
  EXPECT_EQ(dc().messages.load(), 0u);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new rampart::pipetest::EalEnvironment("dnsfrag", {}));
  return RUN_ALL_TESTS();
}

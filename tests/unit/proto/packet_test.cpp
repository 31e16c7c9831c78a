#include "proto/packet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proto/builder.h"
#include "proto/checksum.h"

namespace rampart::proto {
namespace {

using Bytes = std::vector<uint8_t>;
using E = ParseError;

constexpr ParseOptions kVerifyAll{.verify_ipv4_checksum = true, .verify_l4_checksum = true};
constexpr ParseOptions kNoVerify{.verify_ipv4_checksum = false, .verify_l4_checksum = false};

// A parsed packet as the tests look at it: the parse plus the flow hash of the same bytes.
struct Parsed : ParsedPacket {
  uint32_t flow_hash = 0;
};

E parse(const Bytes& f, Parsed& p, const ParseOptions& o = kVerifyAll) {
  // An exact-size copy so that sanitizer builds catch any read past the frame.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[f.size() ? f.size() : 1]);
  if (!f.empty()) std::memcpy(copy.get(), f.data(), f.size());
  const auto n = static_cast<uint32_t>(f.size());
  // Every frame of every test also checks that the IPv4 UDP/TCP fast path agrees with the
  // general walk (errors included).
  Parsed g;
  const E eg = detail::parse_packet_general(copy.get(), n, n, o, g);
  const E e = parse_packet(copy.get(), n, o, p);
  EXPECT_EQ(e, eg);
  if (e == E::ok && eg == E::ok) {
    EXPECT_EQ(p.flags, g.flags);
    EXPECT_EQ(p.payload_len, g.payload_len);
    EXPECT_EQ(p.tcp_flags, g.tcp_flags);
    p.flow_hash = flow_hash(copy.get(), p);
  }
  return e;
}

E parse(const Bytes& f, const ParseOptions& o = kVerifyAll) {
  Parsed p;
  return parse(f, p, o);
}

PacketBuilder v4() { return PacketBuilder().ipv4("192.0.2.1", "198.51.100.7"); }
PacketBuilder v6() { return PacketBuilder().ipv6("2001:db8::1", "2001:db8:ffff::53"); }

bool same(const ParsedPacket& x, const ParsedPacket& y) {
  // Field by field: memcmp would also compare padding bytes, which assignment need not copy.
  return x.outer_vlan == y.outer_vlan && x.inner_vlan == y.inner_vlan &&
         x.ethertype == y.ethertype && x.flags == y.flags && x.l3 == y.l3 &&
         x.l4_proto == y.l4_proto && x.tcp_flags == y.tcp_flags && x.icmp_type == y.icmp_type &&
         x.l3_offset == y.l3_offset && x.l4_offset == y.l4_offset &&
         x.payload_offset == y.payload_offset && x.payload_len == y.payload_len &&
         x.l3_len == y.l3_len && x.src_port == y.src_port && x.dst_port == y.dst_port;
}

TEST(ParseErrorNames, StableSnakeCase) {
  EXPECT_EQ(to_string(E::ok), "ok");
  EXPECT_EQ(to_string(E::ipv4_bad_checksum), "ipv4_bad_checksum");
  EXPECT_EQ(to_string(E::ipv6_bad_payload_length), "ipv6_bad_payload_length");
  EXPECT_EQ(to_string(E::l4_bad_checksum), "l4_bad_checksum");
  std::set<std::string_view> seen;
  for (int i = 0; i < static_cast<int>(E::count_); ++i) {
    auto s = to_string(static_cast<E>(i));
    EXPECT_EQ(s.find('-'), std::string_view::npos) << s;
    EXPECT_NE(s, "unknown") << i;
    EXPECT_TRUE(seen.insert(s).second) << s;
  }
}

// ---------------------------------------------------------------- L2

TEST(Parse, EthTruncated) {
  Bytes f = PacketBuilder().build();
  EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + 13)), E::eth_truncated);
  EXPECT_EQ(parse(Bytes{}), E::eth_truncated);
}

TEST(Parse, UnknownEthertypeIsOk) {
  Parsed p;
  Bytes f = PacketBuilder().ethertype(0x88cc).payload("lldp-ish").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l3, L3Kind::none);
  EXPECT_EQ(p.ethertype, 0x88cc);
  EXPECT_EQ(p.l3_offset, 14);
  EXPECT_EQ(p.l4_proto, 0);
  EXPECT_EQ(p.flags, 0);
  Parsed q;
  ASSERT_EQ(parse(PacketBuilder().eth("02:00:00:00:00:02", "02:00:00:00:00:01").ethertype(0x88cc).build(), q),
            E::ok);
  EXPECT_EQ(p.flow_hash, q.flow_hash);
}

TEST(Parse, SingleVlan) {
  Parsed p;
  Bytes f = v4().vlan(100, 5).udp(1, 2).build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.outer_vlan, 100);
  EXPECT_EQ(p.inner_vlan, 0);
  EXPECT_EQ(p.flags & (pkt_flag::vlan | pkt_flag::qinq), pkt_flag::vlan);
  EXPECT_EQ(p.ethertype, 0x0800);
  EXPECT_EQ(p.l3_offset, 18);
  EXPECT_EQ(p.l4_offset, 38);
}

TEST(Parse, QinQ) {
  Parsed p;
  Bytes f = v6().vlan(300, 0, 0x88a8).vlan(4095).tcp(1000, 80, tcp_flag::syn).build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.outer_vlan, 300);
  EXPECT_EQ(p.inner_vlan, 4095);
  EXPECT_TRUE(p.flags & pkt_flag::qinq);
  EXPECT_TRUE(p.flags & pkt_flag::vlan);
  EXPECT_EQ(p.l3, L3Kind::ipv6);
  EXPECT_EQ(p.l3_offset, 22);
  // 0x8100 outside 0x8100 is seen in the wild too.
  EXPECT_EQ(parse(v4().vlan(1).vlan(2).udp(1, 2).build()), E::ok);
}

TEST(Parse, VlanTooDeep) {
  EXPECT_EQ(parse(v4().vlan(1, 0, 0x88a8).vlan(2).vlan(3).udp(1, 2).build()), E::vlan_too_deep);
  // Legacy QinQ tag types count as tags too.
  EXPECT_EQ(parse(v4().vlan(1, 0, 0x9100).vlan(2).vlan(3).udp(1, 2).build()), E::vlan_too_deep);
  EXPECT_EQ(parse(v4().vlan(1, 0, 0x9200).vlan(2).udp(1, 2).build()), E::ok);
  EXPECT_EQ(parse(v4().vlan(1).vlan(2).vlan(3).vlan(4).udp(1, 2).build()), E::vlan_too_deep);
}

TEST(Parse, VlanTruncated) {
  Bytes f = v4().vlan(7).vlan(8).udp(1, 2).build();
  for (size_t n = 14; n < 22; ++n)
    EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + n)), E::vlan_truncated) << n;
  EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + 22)), E::ipv4_truncated);
}

// ---------------------------------------------------------------- ARP

PacketBuilder arp_request() {
  return PacketBuilder().eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff").arp(
      1, "02:00:00:00:00:0a", "10.0.0.10", "00:00:00:00:00:00", "10.0.0.1");
}

TEST(Parse, Arp) {
  Parsed p;
  Bytes f = arp_request().pad_to(60).build();
  ASSERT_EQ(f.size(), 60u);
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l3, L3Kind::arp);
  EXPECT_EQ(p.ethertype, 0x0806);
  EXPECT_EQ(p.l3_len, 28);
  EXPECT_EQ(p.l4_offset, 0);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
  Parsed r;
  ASSERT_EQ(parse(PacketBuilder().arp(2, "02:00:00:00:00:01", "10.0.0.1", "02:00:00:00:00:0a",
                                      "10.0.0.10").build(), r),
            E::ok);
  EXPECT_EQ(p.flow_hash, r.flow_hash);
  Parsed o;
  ASSERT_EQ(parse(PacketBuilder().arp(1, "02:00:00:00:00:0a", "10.0.0.10", "00:00:00:00:00:00",
                                      "10.0.0.2").build(), o),
            E::ok);
  EXPECT_NE(p.flow_hash, o.flow_hash);
}

TEST(Parse, ArpTruncated) {
  Bytes f = arp_request().build();
  for (size_t n = 14; n < 42; ++n)
    EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + n)), E::arp_truncated) << n;
  EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + 42)), E::ok);
}

TEST(Parse, ArpBadFormat) {
  const Bytes good = arp_request().build();
  struct Edit {
    size_t at;
    uint8_t value;
  };
  for (Edit e : {Edit{15, 6}, Edit{16, 0x86}, Edit{17, 0xdd}, Edit{18, 8}, Edit{19, 16}}) {
    Bytes f = good;
    f[e.at] = e.value;
    EXPECT_EQ(parse(f), E::arp_bad_format) << e.at;
  }
}

// ---------------------------------------------------------------- IPv4

TEST(Parse, Ipv4Udp) {
  Parsed p;
  Bytes f = v4().udp(5353, 53).payload("0123456789").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l3, L3Kind::ipv4);
  EXPECT_EQ(p.ethertype, 0x0800);
  EXPECT_EQ(p.l4_proto, 17);
  EXPECT_EQ(p.l3_offset, 14);
  EXPECT_EQ(p.l3_len, 20 + 8 + 10);
  EXPECT_EQ(p.l4_offset, 34);
  EXPECT_EQ(p.payload_offset, 42);
  EXPECT_EQ(p.payload_len, 10);
  EXPECT_EQ(p.src_port, 5353);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.flags, pkt_flag::l4_parsed);
  EXPECT_EQ(std::memcmp(f.data() + p.payload_offset, "0123456789", 10), 0);
}

TEST(Parse, Ipv4Tcp) {
  Parsed p;
  auto opts = tcp_opt::join({tcp_opt::mss(1460), tcp_opt::sack_permitted(),
                             tcp_opt::timestamp(1, 0), tcp_opt::nop(), tcp_opt::wscale(7)});
  Bytes f = v4().tcp(40000, 443, tcp_flag::syn | tcp_flag::ece, 1, 0, 29200, opts).build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l4_proto, 6);
  EXPECT_EQ(p.tcp_flags, tcp_flag::syn | tcp_flag::ece);
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 443);
  EXPECT_EQ(p.payload_offset, 34 + 40);
  EXPECT_EQ(p.payload_len, 0);
  Bytes d = v4().tcp(1, 2, tcp_flag::psh | tcp_flag::ack).payload("data").pad_to(64).build();
  ASSERT_EQ(parse(d, p), E::ok);
  EXPECT_EQ(p.payload_len, 4);
}

// The fast path's checks against the general walk's, one field at a time: every truncation
// (contiguous and total), every value of the bytes the fast path decides on.
TEST(Parse, FastPathMatchesGeneralWalk) {
  const Bytes frames[] = {
      v4().udp(5353, 53).payload("0123456789").build(),
      v4().udp(1, 2).pad_to(60).build(),
      v4().tcp(40000, 443, tcp_flag::syn, 1, 0, 29200, tcp_opt::mss(1460)).build(),
      v4().tcp(1, 2, tcp_flag::psh | tcp_flag::ack).payload("data").pad_to(64).build(),
  };
  // Byte offsets the fast path reads: ethertype, version/IHL, total length, fragment field,
  // protocol, UDP length / checksum, TCP data offset and flags.
  const size_t offsets[] = {12, 13, 14, 16, 17, 20, 21, 23, 38, 39, 40, 41, 46, 47};
  const uint8_t values[] = {0x00, 0x01, 0x05, 0x06, 0x08, 0x11, 0x14, 0x20, 0x3f, 0x45, 0x50, 0xf0, 0xff};
  auto agree = [](const Bytes& f, uint32_t contiguous, uint32_t total) {
    for (const ParseOptions& o : {kVerifyAll, kNoVerify}) {
      std::unique_ptr<uint8_t[]> copy(new uint8_t[contiguous ? contiguous : 1]);
      std::memcpy(copy.get(), f.data(), contiguous);
      Parsed a, b;
      const E ea = parse_packet(copy.get(), contiguous, total, o, a);
      const E eb = detail::parse_packet_general(copy.get(), contiguous, total, o, b);
      ASSERT_EQ(ea, eb) << "contiguous " << contiguous << " total " << total;
      if (ea == E::ok) ASSERT_TRUE(same(a, b)) << "contiguous " << contiguous << " total " << total;
    }
  };
  int fast_ok = 0;
  for (const Bytes& f : frames) {
    const auto n = static_cast<uint32_t>(f.size());
    for (uint32_t total = 0; total <= n; ++total)
      for (uint32_t contiguous = 0; contiguous <= total; ++contiguous) agree(f, contiguous, total);
    for (size_t off : offsets) {
      if (off >= f.size()) continue;
      for (uint8_t v : values) {
        Bytes g = f;
        g[off] = v;
        agree(g, n, n);
      }
    }
    Parsed p;
    fast_ok += parse(f, p, kNoVerify) == E::ok;
  }
  EXPECT_EQ(fast_ok, 4);
}

TEST(Parse, Ipv4Icmp) {
  Parsed p;
  ASSERT_EQ(parse(v4().icmp(8, 0, 77, 1).payload("ping").build(), p), E::ok);
  EXPECT_EQ(p.l4_proto, 1);
  EXPECT_EQ(p.icmp_type, 8);
  EXPECT_TRUE(p.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(p.payload_offset, 42);
  EXPECT_EQ(p.payload_len, 4);
}

TEST(Parse, EthernetPaddingExcluded) {
  Parsed p;
  Bytes f = v4().udp(1, 53).payload("x").pad_to(60).build();
  ASSERT_EQ(f.size(), 60u);
  f[59] = 0xee;  // padding content must not matter, not even to the L4 checksum
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l3_len, 29);
  EXPECT_EQ(p.payload_len, 1);
  Bytes g = v6().tcp(1, 2, tcp_flag::ack).pad_to(128).build();
  ASSERT_EQ(parse(g, p), E::ok);
  EXPECT_EQ(p.l3_len, 60);
  EXPECT_EQ(p.payload_len, 0);
}

TEST(Parse, Ipv4Truncated) {
  Bytes f = v4().udp(1, 2).build();
  for (size_t n = 14; n < 34; ++n)
    EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + n)), E::ipv4_truncated) << n;
  Bytes o = v4().ipv4_options({1, 1, 1, 1, 1, 1, 1, 1}).udp(1, 2).build();
  EXPECT_EQ(parse(Bytes(o.begin(), o.begin() + 14 + 24)), E::ipv4_truncated);
}

TEST(Parse, Ipv4BadVersion) {
  Bytes f = v4().udp(1, 2).build();
  f[14] = 0x65;
  EXPECT_EQ(parse(f, kNoVerify), E::ipv4_bad_version);
  Bytes g = v6().udp(1, 2).ethertype(0x0800).build();
  EXPECT_EQ(parse(g), E::ipv4_bad_version);
}

TEST(Parse, Ipv4BadIhl) {
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    Bytes f = v4().udp(1, 2).build();
    f[14] = static_cast<uint8_t>(0x40 | ihl);
    EXPECT_EQ(parse(f, kNoVerify), E::ipv4_bad_ihl) << int(ihl);
  }
}

TEST(Parse, Ipv4BadTotalLength) {
  EXPECT_EQ(parse(v4().udp(1, 2).override_ipv4_total_length(29).build()), E::ipv4_bad_total_length);
  EXPECT_EQ(parse(v4().udp(1, 2).override_ipv4_total_length(19).build()), E::ipv4_bad_total_length);
  EXPECT_EQ(parse(v4().ipv4_options({7, 3, 4}).udp(1, 2).override_ipv4_total_length(23).build()),
            E::ipv4_bad_total_length);
  // Exactly the header is a valid (empty) datagram, but there is then no room for UDP.
  EXPECT_EQ(parse(v4().udp(1, 2).override_ipv4_total_length(20).build()), E::udp_truncated);
}

TEST(Parse, Ipv4BadChecksum) {
  Bytes f = v4().udp(1, 2).corrupt_ipv4_checksum().build();
  EXPECT_EQ(parse(f), E::ipv4_bad_checksum);
  ParseOptions o{.verify_ipv4_checksum = false};
  EXPECT_EQ(parse(f, o), E::ok);
  Bytes g = v4().ipv4_options({0x94, 0x04, 0, 0}).tcp(1, 2, 0).corrupt_ipv4_checksum().build();
  EXPECT_EQ(parse(g), E::ipv4_bad_checksum);
}

TEST(Parse, Ipv4Options) {
  Parsed p;
  Bytes f = v4().ipv4_options({0x94, 0x04, 0x00, 0x00, 0x01}).udp(10, 20).payload("ab").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::ipv4_options);
  EXPECT_EQ(p.l4_offset, 14 + 28);
  EXPECT_EQ(p.src_port, 10);
  EXPECT_EQ(p.payload_len, 2);
  Bytes max = v4().ipv4_options(Bytes(40, 1)).tcp(1, 2, 0).build();
  ASSERT_EQ(parse(max, p), E::ok);
  EXPECT_EQ(p.l4_offset, 14 + 60);
}

TEST(Parse, Ipv4FirstFragment) {
  Parsed p;
  // The L4 checksum of a fragment covers bytes not in this frame: it must not be judged.
  Bytes f = v4().ipv4_fragment(0, true, 0x1234).udp(53, 4000).payload(Bytes(64, 'a'))
                .corrupt_l4_checksum().build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::fragment);
  EXPECT_FALSE(p.flags & pkt_flag::later_fragment);
  EXPECT_TRUE(p.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(p.src_port, 53);
  Parsed q;
  Bytes later = v4().ipv4_fragment(72, false, 0x1234).override_ip_protocol(17)
                    .payload(Bytes(40, 'b')).build();
  ASSERT_EQ(parse(later, q), E::ok);
  EXPECT_TRUE(q.flags & pkt_flag::fragment);
  EXPECT_TRUE(q.flags & pkt_flag::later_fragment);
  EXPECT_FALSE(q.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(q.l4_proto, 17);
  EXPECT_EQ(q.l4_offset, 0);
  EXPECT_EQ(q.payload_offset, 0);
  EXPECT_EQ(q.src_port, 0);
  EXPECT_EQ(q.l3_len, 60);
  // Every piece of a datagram must be steered alike.
  EXPECT_EQ(p.flow_hash, q.flow_hash);
}

TEST(Parse, FirstFragmentUdpLengthCoversWholeDatagram) {
  Parsed p;
  Bytes f = v4().ipv4_fragment(0, true, 9).udp(53, 999).payload(Bytes(24, 1))
                .override_udp_length(1400).build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.payload_len, 24);  // what this fragment carries
  Bytes g = v6().ipv6_fragment(0, true, 9).udp(53, 999).payload(Bytes(24, 1))
                .override_udp_length(1400).build();
  ASSERT_EQ(parse(g, p), E::ok);
  EXPECT_EQ(p.payload_len, 24);
  EXPECT_EQ(parse(v4().ipv4_fragment(0, true, 9).udp(1, 2).override_udp_length(7).build()),
            E::udp_bad_length);
}

TEST(Parse, Ipv4LaterFragmentWithGarbageIsNotParsedAsL4) {
  Parsed p;
  // 3 bytes after the header: would be udp_truncated if it were parsed as a header.
  Bytes f = v4().ipv4_fragment(8, true, 1).override_ip_protocol(17).payload("xyz").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::later_fragment);
}

TEST(Parse, Ipv4DontFragmentIsNotAFragment) {
  Parsed p;
  ASSERT_EQ(parse(v4().ipv4_dont_fragment().udp(1, 2).build(), p), E::ok);
  EXPECT_FALSE(p.flags & pkt_flag::fragment);
}

TEST(Parse, UnknownL4IsOk) {
  Parsed p;
  ASSERT_EQ(parse(v4().override_ip_protocol(47).payload("gre-ish-bytes").build(), p), E::ok);
  EXPECT_EQ(p.l4_proto, 47);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(p.l4_offset, 34);
  ASSERT_EQ(parse(v6().override_ip_protocol(132).payload("sctp").build(), p), E::ok);
  EXPECT_EQ(p.l4_proto, 132);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
  // ICMPv6 over IPv4 and ICMP over IPv6 are not the protocols they claim to be.
  ASSERT_EQ(parse(v4().override_ip_protocol(58).payload("ab").build(), p), E::ok);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
  ASSERT_EQ(parse(v6().override_ip_protocol(1).payload("ab").build(), p), E::ok);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
}

// ---------------------------------------------------------------- IPv6

TEST(Parse, Ipv6Udp) {
  Parsed p;
  Bytes f = v6().udp(33000, 53).payload("query").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_EQ(p.l3, L3Kind::ipv6);
  EXPECT_EQ(p.ethertype, 0x86dd);
  EXPECT_EQ(p.l3_len, 40 + 8 + 5);
  EXPECT_EQ(p.l4_offset, 54);
  EXPECT_EQ(p.payload_offset, 62);
  EXPECT_EQ(p.payload_len, 5);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.flags, pkt_flag::l4_parsed);
}

TEST(Parse, Ipv6Icmpv6) {
  Parsed p;
  ASSERT_EQ(parse(v6().icmp(128, 0, 1, 2).build(), p), E::ok);
  EXPECT_EQ(p.l4_proto, 58);
  EXPECT_EQ(p.icmp_type, 128);
  EXPECT_EQ(p.payload_offset, 54 + 4);
  EXPECT_EQ(p.payload_len, 4);
}

TEST(Parse, Ipv6Truncated) {
  Bytes f = v6().udp(1, 2).build();
  for (size_t n = 14; n < 54; ++n)
    EXPECT_EQ(parse(Bytes(f.begin(), f.begin() + n)), E::ipv6_truncated) << n;
}

TEST(Parse, Ipv6BadVersion) {
  Bytes f = v6().udp(1, 2).build();
  f[14] = 0x40;
  EXPECT_EQ(parse(f), E::ipv6_bad_version);
}

TEST(Parse, Ipv6BadPayloadLength) {
  EXPECT_EQ(parse(v6().udp(1, 2).override_ipv6_payload_length(9).build()),
            E::ipv6_bad_payload_length);
  EXPECT_EQ(parse(v6().udp(1, 2).override_ipv6_payload_length(0xffff).build()),
            E::ipv6_bad_payload_length);
  // Shorter than the frame is padding, and then UDP no longer fits.
  EXPECT_EQ(parse(v6().udp(1, 2).override_ipv6_payload_length(7).build()), E::udp_truncated);
}

TEST(Parse, Ipv6ExtensionWalk) {
  Parsed p;
  Bytes f = v6().ipv6_ext(0, 8).ipv6_ext(60, 24).ipv6_ext(43, 16).ipv6_ext(51, 12)
                .ipv6_ext(60, 8).udp(1000, 53).payload("q").build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::ipv6_ext);
  EXPECT_TRUE(p.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(p.l4_proto, 17);
  EXPECT_EQ(p.l4_offset, 54 + 8 + 24 + 16 + 12 + 8);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.payload_len, 1);
  // Largest hop-by-hop the length byte allows.
  ASSERT_EQ(parse(v6().ipv6_ext(0, 2048).tcp(1, 2, 0).build(), p), E::ok);
  EXPECT_EQ(p.l4_offset, 54 + 2048);
}

TEST(Parse, Ipv6EightExtHeadersOkNineRejected) {
  PacketBuilder b = v6().ipv6_ext(0);
  for (int i = 0; i < 7; ++i) b.ipv6_ext(60);
  b.udp(1, 2);
  EXPECT_EQ(parse(b.build()), E::ok);
  b.ipv6_ext(43);
  EXPECT_EQ(parse(b.build()), E::ipv6_bad_ext_header);
}

TEST(Parse, Ipv6ExtHeaderMalformed) {
  // Hop-by-hop anywhere but first.
  EXPECT_EQ(parse(v6().ipv6_ext(60).ipv6_ext(0).udp(1, 2).build()), E::ipv6_bad_ext_header);
  // Declared length runs past the payload.
  Bytes f = v6().ipv6_ext(60, 16).udp(1, 2).build();
  f[54 + 1] = 5;
  EXPECT_EQ(parse(f), E::ipv6_bad_ext_header);
  // Chain cut by the payload length (the rest of the frame is padding).
  EXPECT_EQ(parse(v6().ipv6_ext(0, 16).udp(1, 2).override_ipv6_payload_length(12).build()),
            E::ipv6_bad_ext_header);
  EXPECT_EQ(parse(v6().ipv6_ext(0, 16).udp(1, 2).override_ipv6_payload_length(4).build()),
            E::ipv6_bad_ext_header);
  // Chain cut by the end of the frame.
  Bytes g = v6().ipv6_ext(0, 8).ipv6_ext(60, 8).udp(1, 2).build();
  EXPECT_EQ(parse(Bytes(g.begin(), g.begin() + 54 + 8 + 4), kNoVerify), E::ipv6_bad_payload_length);
  Parsed p;
  EXPECT_EQ(parse_packet(g.data(), 54 + 8 + 4, static_cast<uint32_t>(g.size()), kNoVerify, p),
            E::ipv6_bad_ext_header);
  // Header start readable, its end not: the whole header must be in the first segment.
  Bytes h = v6().ipv6_ext(0, 16).override_ip_protocol(50).payload("esp").build();
  EXPECT_EQ(parse_packet(h.data(), 54 + 12, static_cast<uint32_t>(h.size()), kNoVerify, p),
            E::ipv6_bad_ext_header);
  EXPECT_EQ(parse_packet(h.data(), 54 + 16, static_cast<uint32_t>(h.size()), kNoVerify, p), E::ok);
}

TEST(Parse, Ipv6FragmentHeader) {
  Parsed p;
  Bytes first = v6().ipv6_ext(0).ipv6_fragment(0, true, 0xabcdef).udp(53, 1234)
                    .payload(Bytes(100, 'z')).corrupt_l4_checksum().build();
  ASSERT_EQ(parse(first, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::fragment);
  EXPECT_FALSE(p.flags & pkt_flag::later_fragment);
  EXPECT_TRUE(p.flags & pkt_flag::l4_parsed);
  EXPECT_TRUE(p.flags & pkt_flag::ipv6_ext);
  EXPECT_EQ(p.src_port, 53);
  EXPECT_EQ(p.l4_offset, 54 + 16);

  Parsed q;
  Bytes later = v6().ipv6_fragment(1232, false, 0xabcdef).override_ip_protocol(17)
                    .payload("rest").build();
  ASSERT_EQ(parse(later, q), E::ok);
  EXPECT_TRUE(q.flags & pkt_flag::fragment);
  EXPECT_TRUE(q.flags & pkt_flag::later_fragment);
  EXPECT_FALSE(q.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(q.l4_proto, 17);
  EXPECT_EQ(q.l4_offset, 0);
  EXPECT_EQ(p.flow_hash, q.flow_hash);

  // Atomic fragment (offset 0, M clear) is a whole datagram: RFC 6946.
  Parsed a;
  ASSERT_EQ(parse(v6().ipv6_fragment(0, false, 9).udp(1, 2).build(), a), E::ok);
  EXPECT_FALSE(a.flags & pkt_flag::fragment);
  EXPECT_TRUE(a.flags & pkt_flag::ipv6_ext);
  EXPECT_TRUE(a.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(parse(v6().ipv6_fragment(0, false, 9).udp(1, 2).corrupt_l4_checksum().build()),
            E::l4_bad_checksum);
}

// Headers behind a Fragment header belong to the fragmented datagram (RFC 8200 4.5): the first
// piece stops there as the later ones must, so all pieces share l4_proto (path) and flow hash.
TEST(Parse, Ipv6FragmentPiecesAgreeWhateverFollowsTheFragmentHeader) {
  Parsed first, later;
  ASSERT_EQ(parse(v6().ipv6_fragment(0, true, 0x77).ipv6_ext(60, 8).udp(5353, 53)
                      .payload(Bytes(64, 'q')).build(), first, kNoVerify),
            E::ok);
  ASSERT_EQ(parse(v6().ipv6_fragment(1232, false, 0x77).override_ip_protocol(60).payload("tail").build(),
                  later, kNoVerify),
            E::ok);
  EXPECT_TRUE(first.flags & pkt_flag::fragment);
  EXPECT_EQ(first.l4_proto, 60);
  EXPECT_FALSE(first.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(first.l4_proto, later.l4_proto);
  EXPECT_EQ(first.flow_hash, later.flow_hash);
  // UDP straight behind the Fragment header: the first piece still shows its ports.
  Parsed direct;
  ASSERT_EQ(parse(v6().ipv6_fragment(0, true, 0x78).udp(5353, 53).payload(Bytes(64, 'q')).build(), direct,
                  kNoVerify),
            E::ok);
  EXPECT_EQ(direct.l4_proto, 17);
  EXPECT_TRUE(direct.flags & pkt_flag::l4_parsed);
  EXPECT_EQ(direct.dst_port, 53);
}

// address_hash: the query, its answer's first fragment and a later one pick the same instance.
TEST(Parse, AddressHashIgnoresPortsSoFragmentsMeetTheirQuery) {
  for (const bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    const auto from = [&](bool to_server) {
      PacketBuilder b;
      if (v6) b.ipv6(to_server ? "2001:db8::1" : "2001:db8::35", to_server ? "2001:db8::35" : "2001:db8::1");
      else b.ipv4(to_server ? "192.0.2.1" : "192.0.2.53", to_server ? "192.0.2.53" : "192.0.2.1");
      return b;
    };
    Bytes query = from(true).udp(40000, 53).payload("q").build();
    Bytes first = v6 ? from(false).ipv6_fragment(0, true, 9).udp(53, 40000).payload(Bytes(64, 'a')).build()
                     : from(false).ipv4_fragment(0, true, 9).udp(53, 40000).payload(Bytes(64, 'a')).build();
    Bytes later = v6 ? from(false).ipv6_fragment(1232, false, 9).override_ip_protocol(17).payload("b").build()
                     : from(false).ipv4_fragment(1232, false, 9).override_ip_protocol(17).payload("b").build();
    uint32_t h[3];
    int k = 0;
    for (const Bytes* f : {&query, &first, &later}) {
      Parsed p;
      ASSERT_EQ(parse(*f, p, kNoVerify), E::ok);
      h[k++] = address_hash(f->data(), p);
    }
    EXPECT_EQ(h[0], h[1]);
    EXPECT_EQ(h[1], h[2]);
  }
}

TEST(Parse, Ipv6EspAndNoNextEndTheWalk) {
  Parsed p;
  ASSERT_EQ(parse(v6().ipv6_ext(60).override_ip_protocol(50).payload("spi+seq+data").build(), p),
            E::ok);
  EXPECT_EQ(p.l4_proto, 50);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
  EXPECT_TRUE(p.flags & pkt_flag::ipv6_ext);
  ASSERT_EQ(parse(v6().ipv6_ext(0).build(), p), E::ok);  // no L4, no payload: next header 59
  EXPECT_EQ(p.l4_proto, 59);
  EXPECT_FALSE(p.flags & pkt_flag::l4_parsed);
}

// ---------------------------------------------------------------- L4 errors

TEST(Parse, IcmpTruncated) {
  EXPECT_EQ(parse(v4().override_ip_protocol(1).payload("1234567").build()), E::icmp_truncated);
  EXPECT_EQ(parse(v4().override_ip_protocol(1).payload("12345678").build(), kNoVerify), E::ok);
  EXPECT_EQ(parse(v6().override_ip_protocol(58).payload("123").build()), E::icmp_truncated);
  EXPECT_EQ(parse(v6().override_ip_protocol(58).payload("1234").build(), kNoVerify), E::ok);
}

TEST(Parse, UdpTruncated) {
  EXPECT_EQ(parse(v4().override_ip_protocol(17).payload("1234567").build()), E::udp_truncated);
  EXPECT_EQ(parse(v6().override_ip_protocol(17).build()), E::udp_truncated);
}

TEST(Parse, UdpBadLength) {
  EXPECT_EQ(parse(v4().udp(1, 2).payload("abc").override_udp_length(7).build()), E::udp_bad_length);
  EXPECT_EQ(parse(v4().udp(1, 2).payload("abc").override_udp_length(12).build()),
            E::udp_bad_length);
  EXPECT_EQ(parse(v6().udp(1, 2).override_udp_length(0).build()), E::udp_bad_length);
  // Shorter than the IP payload is allowed: trailing bytes are not UDP payload.
  Parsed p;
  ASSERT_EQ(parse(v4().udp(1, 2).payload("abc").override_udp_length(9).build(), p, kNoVerify), E::ok);
  EXPECT_EQ(p.payload_len, 1);
}

TEST(Parse, TcpTruncated) {
  EXPECT_EQ(parse(v4().override_ip_protocol(6).payload(Bytes(19, 0)).build()), E::tcp_truncated);
  // Options present in the datagram but not in the contiguous bytes.
  Bytes f = v4().tcp(1, 2, 0, 0, 0, 1, Bytes(12, 1)).build();
  Parsed p;
  EXPECT_EQ(parse_packet(f.data(), 34 + 24, static_cast<uint32_t>(f.size()), kNoVerify, p),
            E::tcp_truncated);
}

TEST(Parse, TcpBadOffset) {
  for (uint8_t doff : {0, 1, 4}) {
    Bytes f = v4().tcp(1, 2, 0).build();
    f[34 + 12] = static_cast<uint8_t>(doff << 4);
    EXPECT_EQ(parse(f, kNoVerify), E::tcp_bad_offset) << int(doff);
  }
  Bytes g = v6().tcp(1, 2, 0).payload("abc").build();
  g[54 + 12] = 6 << 4;  // 24 bytes, only 23 in the datagram
  EXPECT_EQ(parse(g, kNoVerify), E::tcp_bad_offset);
}

// ---------------------------------------------------------------- L4 checksums

TEST(Parse, L4ChecksumsVerify) {
  const std::vector<PacketBuilder> good = {
      v4().udp(1, 2).payload("odd"),
      v4().tcp(1, 2, tcp_flag::ack, 5, 6, 7, tcp_opt::mss(536)).payload("even"),
      v4().icmp(0, 0, 3, 4).payload("x"),
      v6().udp(1, 2).payload("odd"),
      v6().tcp(1, 2, tcp_flag::syn).payload(Bytes(999, 0xff)),
      v6().icmp(129, 0, 3, 4).payload("x"),
      v6().ipv6_ext(0).ipv6_ext(43, 24).udp(7, 8).payload("through a routing header"),
      v4().vlan(5).udp(1, 2).payload("y").pad_to(90),
  };
  for (size_t i = 0; i < good.size(); ++i) {
    Parsed p;
    Bytes f = good[i].build();
    ASSERT_EQ(parse(f, p), E::ok) << i;
    EXPECT_TRUE(verify_l4_checksum(f.data(), static_cast<uint32_t>(f.size()), p)) << i;
    Bytes bad = PacketBuilder(good[i]).corrupt_l4_checksum().build();
    EXPECT_EQ(parse(bad, p), E::l4_bad_checksum) << i;
    EXPECT_FALSE(verify_l4_checksum(bad.data(), static_cast<uint32_t>(bad.size()), p)) << i;
    // Off by default.
    EXPECT_EQ(parse(bad, p, ParseOptions{}), E::ok) << i;
    // A single flipped payload bit is caught too.
    Bytes flip = f;
    flip[p.payload_offset - 1] ^= 0x10;
    EXPECT_EQ(parse(flip), E::l4_bad_checksum) << i;
  }
}

TEST(Parse, UdpZeroChecksum) {
  Parsed p;
  Bytes f = v4().udp(1, 2).payload("none").override_l4_checksum(0).build();
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_TRUE(p.flags & pkt_flag::udp_zero_checksum);
  EXPECT_TRUE(verify_l4_checksum(f.data(), static_cast<uint32_t>(f.size()), p));
  Bytes g = v6().udp(1, 2).payload("none").override_l4_checksum(0).build();
  EXPECT_EQ(parse(g, p), E::l4_bad_checksum);
  EXPECT_FALSE(p.flags & pkt_flag::udp_zero_checksum);
  ASSERT_EQ(parse(v4().udp(1, 2).build(), p), E::ok);
  EXPECT_FALSE(p.flags & pkt_flag::udp_zero_checksum);
}

TEST(Parse, RoutingHeaderWithSegmentsLeftIsNotJudged) {
  Bytes f = v6().ipv6_ext(43, 24).udp(1, 2).corrupt_l4_checksum().build();
  EXPECT_EQ(parse(f), E::l4_bad_checksum);
  f[54 + 3] = 1;  // segments left: the pseudo-header destination is elsewhere
  EXPECT_EQ(parse(f), E::ok);
}

TEST(Parse, NonContiguousSkipsL4ChecksumButChecksHeaders) {
  Bytes f = v4().udp(1, 2).payload(Bytes(200, 7)).corrupt_l4_checksum().build();
  Parsed p;
  const auto total = static_cast<uint32_t>(f.size());
  EXPECT_EQ(parse_packet(f.data(), total, total, kVerifyAll, p), E::l4_bad_checksum);
  EXPECT_EQ(parse_packet(f.data(), 64, total, kVerifyAll, p), E::ok);
  EXPECT_EQ(p.payload_len, 200);
  EXPECT_EQ(parse_packet(f.data(), 40, total, kVerifyAll, p), E::udp_truncated);
  EXPECT_EQ(parse_packet(f.data(), 30, total, kVerifyAll, p), E::ipv4_truncated);
  // Length fields are judged against the whole frame, not the first segment.
  EXPECT_EQ(parse_packet(f.data(), 64, total - 1, kVerifyAll, p), E::ipv4_bad_total_length);
  // A caller passing contiguous > total gets the smaller one honoured.
  EXPECT_EQ(parse_packet(f.data(), total, 30, kVerifyAll, p), E::ipv4_truncated);
}

TEST(VerifyL4Checksum, RefusesInconsistentMetadata) {
  Bytes f = v4().udp(1, 2).payload("abc").build();
  Parsed p;
  ASSERT_EQ(parse(f, p), E::ok);
  EXPECT_FALSE(verify_l4_checksum(f.data(), 30, p));  // shorter than the datagram
  ParsedPacket q = p;
  q.l4_offset = 10;
  EXPECT_FALSE(verify_l4_checksum(f.data(), static_cast<uint32_t>(f.size()), q));
  q = p;
  q.l3_len = 200;
  EXPECT_FALSE(verify_l4_checksum(f.data(), static_cast<uint32_t>(f.size()), q));
  Parsed none;
  EXPECT_TRUE(verify_l4_checksum(f.data(), static_cast<uint32_t>(f.size()), none));
}

// ---------------------------------------------------------------- flow hash

TEST(FlowHash, SymmetricAndDistinct) {
  struct Pair {
    PacketBuilder fwd, rev;
  };
  std::vector<Pair> pairs = {
      {v4().udp(1111, 53), PacketBuilder().ipv4("198.51.100.7", "192.0.2.1").udp(53, 1111)},
      {v4().tcp(40000, 443, 2), PacketBuilder().ipv4("198.51.100.7", "192.0.2.1").tcp(443, 40000, 0x12)},
      {v4().icmp(8, 0, 1, 1), PacketBuilder().ipv4("198.51.100.7", "192.0.2.1").icmp(0, 0, 1, 1)},
      {v6().udp(5000, 53), PacketBuilder().ipv6("2001:db8:ffff::53", "2001:db8::1").udp(53, 5000)},
      {v6().tcp(1, 2, 2), PacketBuilder().ipv6("2001:db8:ffff::53", "2001:db8::1").tcp(2, 1, 0x12)},
      {v4().vlan(9).udp(7, 7), PacketBuilder().ipv4("198.51.100.7", "192.0.2.1").udp(7, 7)},
  };
  std::set<uint32_t> hashes;
  for (size_t i = 0; i < pairs.size(); ++i) {
    Parsed a, b;
    ASSERT_EQ(parse(pairs[i].fwd.build(), a), E::ok) << i;
    ASSERT_EQ(parse(pairs[i].rev.build(), b), E::ok) << i;
    EXPECT_EQ(a.flow_hash, b.flow_hash) << i;
    EXPECT_NE(a.flow_hash, 0u) << i;
    hashes.insert(a.flow_hash);
  }
  EXPECT_EQ(hashes.size(), pairs.size());
}

TEST(FlowHash, PortSwapIsADifferentFlow) {
  Parsed a, b, c;
  ASSERT_EQ(parse(v4().udp(1000, 2000).build(), a), E::ok);
  ASSERT_EQ(parse(v4().udp(2000, 1000).build(), b), E::ok);
  ASSERT_EQ(parse(v4().tcp(1000, 2000, 0).build(), c), E::ok);
  EXPECT_NE(a.flow_hash, b.flow_hash);
  EXPECT_NE(a.flow_hash, c.flow_hash);
}

// Sequential clients and ports are what a DNS resolver or a SYN flood looks like; their hashes
// must fill buckets evenly in the low bits (table index) and the high bits.
TEST(FlowHash, WellSpread) {
  constexpr int kBuckets = 256, kFlows = 256 * 200;
  for (int family : {4, 6}) {
    std::vector<int> low(kBuckets), high(kBuckets);
    Bytes f = family == 4 ? v4().udp(1, 53).build() : v6().udp(1, 53).build();
    Parsed p;
    for (int i = 0; i < kFlows; ++i) {
      const size_t src_last = family == 4 ? 14 + 15 : 14 + 8 + 15;
      f[src_last] = static_cast<uint8_t>(i & 0x3f);
      f[src_last - 1] = static_cast<uint8_t>(i >> 14);
      const size_t l4 = family == 4 ? 34 : 54;
      f[l4] = static_cast<uint8_t>(0x80 | ((i >> 6) >> 8));
      f[l4 + 1] = static_cast<uint8_t>(i >> 6);
      ASSERT_EQ(parse(f, p, kNoVerify), E::ok);
      ++low[p.flow_hash % kBuckets];
      ++high[p.flow_hash >> 24];
    }
    for (const auto* counts : {&low, &high}) {
      double chi2 = 0;
      const double expect = static_cast<double>(kFlows) / kBuckets;
      for (int c : *counts) chi2 += (c - expect) * (c - expect) / expect;
      // 255 degrees of freedom: mean 255, sd ~22.6. 400 is far beyond chance.
      EXPECT_LT(chi2, 400.0) << "family " << family;
    }
  }
}

// ---------------------------------------------------------------- robustness

std::vector<Bytes> sample_frames() {
  return {
      v4().udp(1, 53).payload("abcdefg").pad_to(60).build(),
      v4().vlan(1).vlan(2, 0, 0x88a8).tcp(1, 2, 2, 0, 0, 1, tcp_opt::mss(1400)).payload("p").build(),
      v4().ipv4_options({1, 1, 1, 1}).icmp(8, 0).build(),
      v4().ipv4_fragment(16, true, 1).override_ip_protocol(17).payload(Bytes(16, 1)).build(),
      v6().ipv6_ext(0, 16).ipv6_fragment(0, true, 5).ipv6_ext(60).tcp(1, 2, 0x18).payload("xy").build(),
      v6().ipv6_ext(51, 12).icmp(1, 4).pad_to(100).build(),
      arp_request().pad_to(60).build(),
      PacketBuilder().ethertype(0x1234).payload("zz").build(),
  };
}

TEST(Robustness, EveryPrefixParsesConsistently) {
  for (const Bytes& full : sample_frames()) {
    Parsed ref;
    ASSERT_EQ(parse(full, ref), E::ok);
    for (size_t n = 0; n <= full.size(); ++n) {
      Bytes prefix(full.begin(), full.begin() + n);
      for (const ParseOptions& o : {kVerifyAll, kNoVerify}) {
        Parsed a, b;
        const E ea = parse(prefix, a, o);
        const E eb = parse(prefix, b, o);
        ASSERT_EQ(ea, eb);
        ASSERT_TRUE(same(a, b));
        if (ea == E::ok) {
          // Whatever was accepted must lie inside the bytes given.
          ASSERT_LE(static_cast<size_t>(a.l3_offset) + a.l3_len, n);
          ASSERT_LE(a.payload_offset + a.payload_len, n);
        } else {
          ASSERT_LT(ea, E::count_);
        }
        // The same prefix as the first segment of the whole frame.
        Parsed c;
        const E ec = parse_packet(full.data(), static_cast<uint32_t>(n),
                                  static_cast<uint32_t>(full.size()), o, c);
        if (ec == E::ok) {
          ASSERT_LE(c.l3_offset, n);
          ASSERT_LE(c.l4_offset, n);
          if (c.flags & pkt_flag::l4_parsed) {
            ASSERT_LE(c.payload_offset, n);
          }
        }
      }
    }
  }
}

TEST(Robustness, EveryPrefixOfValidFrameNeverOkForHeadersBeyondIt) {
  // Once the prefix cuts into the IP datagram, its length field no longer fits: never ok.
  Bytes f = v4().udp(1, 2).payload("abc").build();
  for (size_t n = 14; n < f.size(); ++n) EXPECT_NE(parse(Bytes(f.begin(), f.begin() + n)), E::ok) << n;
}

TEST(Robustness, EveryErrorHasACraftedFrame) {
  // Keeps this file honest when ParseError grows: each value must be produced somewhere above.
  std::set<E> produced = {
      E::ok, E::eth_truncated, E::vlan_truncated, E::vlan_too_deep, E::arp_truncated,
      E::arp_bad_format, E::ipv4_truncated, E::ipv4_bad_version, E::ipv4_bad_ihl,
      E::ipv4_bad_total_length, E::ipv4_bad_checksum, E::ipv6_truncated, E::ipv6_bad_version,
      E::ipv6_bad_payload_length, E::ipv6_bad_ext_header, E::icmp_truncated, E::udp_truncated,
      E::udp_bad_length, E::tcp_truncated, E::tcp_bad_offset, E::l4_bad_checksum};
  EXPECT_EQ(produced.size(), static_cast<size_t>(E::count_));
}

}  // namespace
}  // namespace rampart::proto

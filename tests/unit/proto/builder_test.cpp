#include "proto/builder.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "proto/checksum.h"
#include "proto/packet.h"

namespace rampart::proto {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(TextAddresses, Parse) {
  EXPECT_EQ(parse_mac("02:00:5e:10:AB:ff"), (MacAddr{0x02, 0x00, 0x5e, 0x10, 0xab, 0xff}));
  EXPECT_EQ(parse_mac("02-00-5e-10-ab-ff"), (MacAddr{0x02, 0x00, 0x5e, 0x10, 0xab, 0xff}));
  EXPECT_EQ(parse_ipv4("10.1.2.3"), (Ipv4Addr{10, 1, 2, 3}));
  Ipv6Addr v6{};
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[2] = 0x0d;
  v6[3] = 0xb8;
  v6[15] = 1;
  EXPECT_EQ(parse_ipv6("2001:db8::1"), v6);
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0g", "02:00:00:00:00:001",
                          "0200.0000.0001"})
    EXPECT_THROW(parse_mac(bad), std::invalid_argument) << bad;
  EXPECT_THROW(parse_ipv4("10.0.0.256"), std::invalid_argument);
  EXPECT_THROW(parse_ipv4("::1"), std::invalid_argument);
  EXPECT_THROW(parse_ipv6("10.0.0.1"), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().eth("nope", "02:00:00:00:00:01"), std::invalid_argument);
}

TEST(Builder, EthernetLayout) {
  Bytes f = PacketBuilder().eth("02:00:00:00:00:aa", "ff:ff:ff:ff:ff:ff").vlan(0x123, 5)
                .ethertype(0x9000).build();
  ASSERT_EQ(f.size(), 18u);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(6, 0xff));
  EXPECT_EQ(f[11], 0xaa);
  EXPECT_EQ(f[12], 0x81);
  EXPECT_EQ(f[13], 0x00);
  EXPECT_EQ(f[14], 0xa1);  // pcp 5, vid 0x123
  EXPECT_EQ(f[15], 0x23);
  EXPECT_EQ(f[16], 0x90);
  EXPECT_THROW(PacketBuilder().vlan(4096), std::invalid_argument);
}

TEST(Builder, PadToOnlyGrows) {
  EXPECT_EQ(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).pad_to(60).build().size(), 60u);
  EXPECT_EQ(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).payload(Bytes(100, 0)).pad_to(60)
                .build().size(),
            14u + 20 + 8 + 100);
}

TEST(Builder, Ipv4HeaderFields) {
  Bytes f = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2", 7).ipv4_tos(0xb8).ipv4_id(0xbeef)
                .ipv4_dont_fragment().udp(1, 2).build();
  const uint8_t* ip = f.data() + 14;
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[1], 0xb8);
  EXPECT_EQ(ip[4] << 8 | ip[5], 0xbeef);
  EXPECT_EQ(ip[6], 0x40);
  EXPECT_EQ(ip[8], 7);
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(checksum_finish(checksum_partial(ip, 20)), 0);
  Bytes g = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_dont_fragment()
                .ipv4_fragment(1480, true, 3).build();
  EXPECT_EQ(g[14 + 6] << 8 | g[14 + 7], 0x4000 | 0x2000 | 185);
  EXPECT_THROW(PacketBuilder().ipv4_fragment(5, false, 0), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv4_options(Bytes(41, 1)), std::invalid_argument);
}

TEST(Builder, Ipv6HeaderAndChain) {
  Bytes f = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2", 3).ipv6_traffic_class(0xa0)
                .ipv6_flow_label(0x12345).ipv6_ext(0, 8).ipv6_fragment(8, true, 0x01020304)
                .ipv6_ext(60, 16).tcp(1, 2, 0).build();
  const uint8_t* ip = f.data() + 14;
  EXPECT_EQ(ip[0], 0x6a);
  EXPECT_EQ(ip[1], 0x01);
  EXPECT_EQ(ip[2], 0x23);
  EXPECT_EQ(ip[3], 0x45);
  EXPECT_EQ(ip[4] << 8 | ip[5], 8 + 8 + 16 + 20);
  EXPECT_EQ(ip[6], 0);   // hop-by-hop first
  EXPECT_EQ(ip[7], 3);
  EXPECT_EQ(ip[40], 44);  // -> fragment
  EXPECT_EQ(ip[48], 60);  // -> destination options
  EXPECT_EQ(ip[48 + 2] << 8 | ip[48 + 3], 8 | 1);
  EXPECT_EQ(ip[48 + 7], 4);
  EXPECT_EQ(ip[56], 6);   // -> TCP
  EXPECT_EQ(ip[57], 1);   // 16 bytes
}

// The filler options must themselves be well-formed TLVs covering the header exactly.
TEST(Builder, Ipv6OptionPaddingIsValid) {
  for (size_t len = 8; len <= 2048; len += 8) {
    Bytes f = PacketBuilder().ipv6("::1", "::2").ipv6_ext(60, len).build();
    const uint8_t* h = f.data() + 54;
    ASSERT_EQ((h[1] + 1u) * 8u, len);
    size_t at = 2;
    while (at < len) {
      if (h[at] == 0) {
        ++at;
        continue;
      }
      ASSERT_EQ(h[at], 1) << len;
      at += 2u + h[at + 1];
    }
    ASSERT_EQ(at, len);
  }
  EXPECT_THROW(PacketBuilder().ipv6_ext(60, 12), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv6_ext(51, 10), std::invalid_argument);
}

TEST(Builder, TcpOptionsAndFlags) {
  auto opts = tcp_opt::join({tcp_opt::mss(1460), tcp_opt::wscale(7)});
  ASSERT_EQ(opts, (Bytes{2, 4, 0x05, 0xb4, 3, 3, 7}));
  Bytes f = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2")
                .tcp(1, 2, tcp_flag::syn | tcp_flag::ack, 0x01020304, 0x05060708, 1024, opts)
                .build();
  const uint8_t* t = f.data() + 34;
  EXPECT_EQ(t[4], 1);
  EXPECT_EQ(t[11], 8);
  EXPECT_EQ(t[12], 7 << 4);  // 20 + 8 (7 padded with EOL)
  EXPECT_EQ(t[13], 0x12);
  EXPECT_EQ(t[14] << 8 | t[15], 1024);
  EXPECT_EQ(t[27], 0);
  EXPECT_EQ(f.size(), 14u + 20 + 28);
  EXPECT_EQ(tcp_opt::timestamp(0x01020304, 5), (Bytes{8, 10, 1, 2, 3, 4, 0, 0, 0, 5}));
}

TEST(Builder, ArpLayout) {
  Bytes f = PacketBuilder().arp(2, "02:00:00:00:00:01", "10.0.0.1", "02:00:00:00:00:02", "10.0.0.2")
                .build();
  ASSERT_EQ(f.size(), 42u);
  EXPECT_EQ(f[12] << 8 | f[13], 0x0806);
  EXPECT_EQ(f[21], 2);
  EXPECT_EQ(f[28], 10);
  EXPECT_EQ(f[41], 2);
}

TEST(Builder, EveryKindParsesWithChecksums) {
  const std::vector<PacketBuilder> all = {
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("a"),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0x18).payload("ab"),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 3).payload(Bytes(28, 0)),
      PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").ipv4_options({0x94, 4, 0, 0}).udp(1, 2),
      PacketBuilder().ipv6("fe80::1", "ff02::1").icmp(135, 0).payload(Bytes(16, 0)),
      PacketBuilder().ipv6("fe80::1", "ff02::1").ipv6_ext(0).ipv6_ext(51, 24).udp(1, 2).payload("x"),
      PacketBuilder().vlan(10).vlan(20).ipv6("::1", "::2").tcp(1, 2, 0),
  };
  for (size_t i = 0; i < all.size(); ++i) {
    Bytes f = all[i].build();
    ParsedPacket p;
    EXPECT_EQ(parse_packet(f.data(), static_cast<uint32_t>(f.size()),
                           ParseOptions{.verify_l4_checksum = true}, p),
              ParseError::ok)
        << i;
    EXPECT_TRUE(p.flags & pkt_flag::l4_parsed) << i;
  }
}

TEST(Builder, IsAValueType) {
  PacketBuilder base = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 53);
  PacketBuilder other = base;
  other.udp(1001, 53);
  Bytes a = base.build(), b = other.build();
  EXPECT_EQ(a.size(), b.size());
  EXPECT_NE(a, b);
  EXPECT_EQ(a, base.build());  // build() has no side effects
}

}  // namespace
}  // namespace rampart::proto

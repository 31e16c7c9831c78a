// proto/arp: every refusal reason, and the frames we write, checked byte by byte against frames
// built independently with proto::PacketBuilder.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "proto/arp.h"
#include "proto/builder.h"
#include "proto/icmp_echo.h"
#include "proto/packet.h"

namespace rampart::proto {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}
ArpMac mac(std::string_view s) { return parse_mac(s); }

Bytes request_frame() {
  return PacketBuilder().eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff")
      .arp(1, "02:00:00:00:00:0a", "10.0.0.10", "00:00:00:00:00:00", "10.0.0.1").build();
}

ArpError parse_body(const Bytes& f, ArpMessage& m, size_t l3 = 14) {
  return parse_arp(f.data() + l3, f.size() - l3, m);
}

TEST(ArpCodec, ParsesARequest) {
  ArpMessage m;
  ASSERT_EQ(parse_body(request_frame(), m), ArpError::ok);
  EXPECT_EQ(m.op, kArpRequest);
  EXPECT_EQ(m.sha, mac("02:00:00:00:00:0a"));
  EXPECT_EQ(m.spa, ip(10, 0, 0, 10));
  EXPECT_EQ(m.tha, ArpMac{});
  EXPECT_EQ(m.tpa, ip(10, 0, 0, 1));
  EXPECT_FALSE(m.gratuitous());
  EXPECT_FALSE(m.probe());
}

TEST(ArpCodec, EachMalformationHasItsOwnReason) {
  struct Case {
    const char* what;
    size_t at;
    uint8_t value;
    ArpError want;
  } cases[] = {
      {"htype 6 (IEEE 802)", 14 + 1, 6, ArpError::bad_htype},
      {"ptype IPv6", 14 + 2, 0x86, ArpError::bad_ptype},
      {"hlen 8", 14 + 4, 8, ArpError::bad_hlen},
      {"plen 16", 14 + 5, 16, ArpError::bad_plen},
      {"op 3 (RARP request)", 14 + 7, 3, ArpError::bad_op},
      {"op 0", 14 + 7, 0, ArpError::bad_op},
      {"multicast sender MAC", 14 + 8, 0x01, ArpError::bad_sender},
      {"multicast sender IP", 14 + 14, 224, ArpError::bad_sender},
  };
  for (const auto& c : cases) {
    Bytes f = request_frame();
    f.at(c.at) = c.value;
    ArpMessage m;
    EXPECT_EQ(parse_body(f, m), c.want) << c.what;
  }
  ArpMessage m;
  for (size_t n = 0; n < kArpLen; ++n) {
    Bytes f = request_frame();
    f.resize(14 + n);
    EXPECT_EQ(parse_body(f, m), ArpError::truncated) << n;
  }
  Bytes zero = request_frame();
  std::fill(zero.begin() + 14 + 8, zero.begin() + 14 + 14, 0);
  EXPECT_EQ(parse_body(zero, m), ArpError::bad_sender) << "all-zero sender MAC";
  EXPECT_EQ(to_string(ArpError::bad_hlen), "bad_hlen");
}

TEST(ArpCodec, GratuitousAndProbeAreRecognised) {
  ArpMessage m;
  const Bytes g = PacketBuilder().eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff")
                      .arp(2, "02:00:00:00:00:0a", "10.0.0.10", "ff:ff:ff:ff:ff:ff", "10.0.0.10").build();
  ASSERT_EQ(parse_body(g, m), ArpError::ok);
  EXPECT_TRUE(m.gratuitous());
  const Bytes p = PacketBuilder().eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff")
                      .arp(1, "02:00:00:00:00:0a", "0.0.0.0", "00:00:00:00:00:00", "10.0.0.10").build();
  ASSERT_EQ(parse_body(p, m), ArpError::ok);
  EXPECT_TRUE(m.probe());
  EXPECT_FALSE(m.gratuitous());
}

Bytes padded(Bytes b) {
  b.resize(std::max<size_t>(b.size(), kEthMinFrame), 0);
  return b;
}

TEST(ArpCodec, WritesRequestsAndGratuitousFrames) {
  uint8_t buf[kArpFrameMax];
  const ArpMac us = mac("02:aa:00:00:00:01");
  size_t n = write_arp_request(buf, us, ip(10, 0, 0, 1), ip(10, 0, 0, 77), 0);
  EXPECT_EQ(Bytes(buf, buf + n),
            padded(PacketBuilder().eth("02:aa:00:00:00:01", "ff:ff:ff:ff:ff:ff")
                       .arp(1, "02:aa:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.77").build()));
  n = write_gratuitous_arp(buf, us, ip(10, 0, 0, 1), 42);
  EXPECT_EQ(Bytes(buf, buf + n),
            padded(PacketBuilder().eth("02:aa:00:00:00:01", "ff:ff:ff:ff:ff:ff").vlan(42)
                       .arp(1, "02:aa:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.1").build()));
  // What we write, the L2 parser accepts as ARP with the tag.
  ParsedPacket p;
  ASSERT_EQ(parse_packet(buf, static_cast<uint32_t>(n), ParseOptions{}, p), ParseError::ok);
  EXPECT_EQ(p.l3, L3Kind::arp);
  EXPECT_EQ(p.outer_vlan, 42);
}

TEST(ArpCodec, ReplyInPlaceSwapsAndKeepsTags) {
  Bytes f = PacketBuilder().eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff").vlan(7)
                .arp(1, "02:00:00:00:00:0a", "10.0.0.10", "00:00:00:00:00:00", "10.0.0.1").pad_to(60).build();
  ArpMessage m;
  ASSERT_EQ(parse_body(f, m, 18), ArpError::ok);
  make_arp_reply_in_place(f.data(), 18, m, mac("02:aa:00:00:00:01"));
  EXPECT_EQ(f, PacketBuilder().eth("02:aa:00:00:00:01", "02:00:00:00:00:0a").vlan(7)
                   .arp(2, "02:aa:00:00:00:01", "10.0.0.1", "02:00:00:00:00:0a", "10.0.0.10").pad_to(60).build());
}

// The echo reply rewrite against replies built from scratch, including the message that sums to
// zero (identifier, sequence and data all zero), where the incremental checksum update must give
// 0xffff rather than 0x0000.
TEST(IcmpEcho, ReplyInPlaceMatchesABuiltReply) {
  const uint8_t ours[6] = {0x02, 0xaa, 0, 0, 0, 1};
  for (auto [id, seq, data] : {std::tuple<uint16_t, uint16_t, std::string>{0x1234, 7, "ping"},
                               {0, 0, ""}, {0, 0, std::string(8, '\0')}, {0xffff, 0xffff, "x"}}) {
    Bytes f = PacketBuilder().eth("02:00:00:00:00:0a", "02:aa:00:00:00:01").ipv4("10.0.0.10", "10.0.0.1", 3)
                  .icmp(8, 0, id, seq).payload(data).build();
    ParsedPacket p;
    ASSERT_EQ(parse_packet(f.data(), static_cast<uint32_t>(f.size()), ParseOptions{}, p), ParseError::ok);
    ASSERT_TRUE(is_plain_icmp_echo_request(p));
    EXPECT_EQ(ipv4_destination(f.data(), p), 0x0a000001u);
    make_icmp_echo_reply_in_place(f.data(), p, ours);
    EXPECT_EQ(f, PacketBuilder().eth("02:aa:00:00:00:01", "02:00:00:00:00:0a").ipv4("10.0.0.1", "10.0.0.10", 64)
                     .icmp(0, 0, id, seq).payload(data).build())
        << id << "/" << seq;
  }
  // Not plain: fragments, options, other ICMP types.
  ParsedPacket p;
  Bytes g = PacketBuilder().ipv4("10.0.0.10", "10.0.0.1").ipv4_options({1, 1, 1, 1}).icmp(8, 0).build();
  ASSERT_EQ(parse_packet(g.data(), static_cast<uint32_t>(g.size()), ParseOptions{}, p), ParseError::ok);
  EXPECT_FALSE(is_plain_icmp_echo_request(p));
  g = PacketBuilder().ipv4("10.0.0.10", "10.0.0.1").icmp(0, 0).build();
  ASSERT_EQ(parse_packet(g.data(), static_cast<uint32_t>(g.size()), ParseOptions{}, p), ParseError::ok);
  EXPECT_FALSE(is_plain_icmp_echo_request(p));
}

}  // namespace
}  // namespace rampart::proto

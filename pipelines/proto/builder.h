// Frame builder for tests, benchmarks and traffic generators. Not for the data plane: it allocates
// and throws std::invalid_argument on bad text addresses or impossible layouts.
//
//   auto frame = PacketBuilder().eth("02:00:00:00:00:01", "02:00:00:00:00:02")
//                    .ipv4("10.0.0.1", "10.0.0.2").udp(5353, 53).payload("hello").build();
//
// build() fills what a hand-written frame gets wrong: ethertypes, IPv6 next-header chains, IP
// protocol, lengths and every checksum. The override_* and corrupt_* calls exist to make frames
// that are wrong on purpose. A builder is a plain value: copy it, change one field, build again.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace rampart::proto {

using MacAddr = std::array<uint8_t, 6>;
using Ipv4Addr = std::array<uint8_t, 4>;
using Ipv6Addr = std::array<uint8_t, 16>;

MacAddr parse_mac(std::string_view text);    // "02:00:00:00:00:01" (also '-' separated)
Ipv4Addr parse_ipv4(std::string_view text);  // dotted quad
Ipv6Addr parse_ipv6(std::string_view text);  // any inet_pton form, e.g. "2001:db8::1"

namespace tcp_opt {
std::vector<uint8_t> mss(uint16_t mss);
std::vector<uint8_t> wscale(uint8_t shift);
std::vector<uint8_t> sack_permitted();
std::vector<uint8_t> timestamp(uint32_t tsval, uint32_t tsecr);
std::vector<uint8_t> nop();
// Concatenation, e.g. tcp_opt::join({mss(1460), sack_permitted(), timestamp(1, 0), nop(), wscale(7)}).
std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts);
}  // namespace tcp_opt

namespace tcp_flag {
inline constexpr uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20,
                         ece = 0x40, cwr = 0x80;
}

class PacketBuilder {
 public:
  PacketBuilder();

  // L2. Without eth() the frame uses 02:00:00:00:00:01 -> 02:00:00:00:00:02.
  PacketBuilder& eth(std::string_view src_mac, std::string_view dst_mac);
  PacketBuilder& eth(const MacAddr& src, const MacAddr& dst);
  // Tags are written outermost first, in call order.
  PacketBuilder& vlan(uint16_t vid, uint8_t pcp = 0, uint16_t tpid = 0x8100);
  // Ethertype after the tags; by default derived from the L3 chosen (0x88b5, local experimental,
  // when there is none).
  PacketBuilder& ethertype(uint16_t type);

  // L3 (the last call wins).
  PacketBuilder& arp(uint16_t op, std::string_view sha, std::string_view spa, std::string_view tha,
                     std::string_view tpa);
  PacketBuilder& ipv4(std::string_view src, std::string_view dst, uint8_t ttl = 64);
  PacketBuilder& ipv4(const Ipv4Addr& src, const Ipv4Addr& dst, uint8_t ttl = 64);
  PacketBuilder& ipv4_options(std::vector<uint8_t> opts);  // padded with EOL to 4 bytes
  PacketBuilder& ipv4_fragment(uint16_t offset_bytes, bool more_fragments, uint16_t id);
  PacketBuilder& ipv4_id(uint16_t id);
  PacketBuilder& ipv4_tos(uint8_t tos);
  PacketBuilder& ipv4_dont_fragment(bool df = true);
  PacketBuilder& ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit = 64);
  PacketBuilder& ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t hop_limit = 64);
  PacketBuilder& ipv6_traffic_class(uint8_t tc);
  PacketBuilder& ipv6_flow_label(uint32_t label);
  // Extension headers, in call order. Hop-by-hop (0) and destination options (60) are filled
  // with valid PadN options, routing (43) with an empty type-253 header (segments left 0), AH (51)
  // with zeros. len_bytes: a multiple of 8 (>= 8); for AH a multiple of 4 (>= 12).
  PacketBuilder& ipv6_ext(uint8_t header_type, size_t len_bytes = 8);
  PacketBuilder& ipv6_fragment(uint16_t offset_bytes, bool more_fragments, uint32_t id);

  // L4 (the last call wins). icmp() is ICMP over IPv4 and ICMPv6 over IPv6; the 4 bytes after
  // the checksum hold id/seq (echo layout; set them to 0 for other types).
  PacketBuilder& udp(uint16_t sport, uint16_t dport);
  PacketBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq = 0,
                     uint32_t ack = 0, uint16_t window = 65535, std::vector<uint8_t> options = {});
  PacketBuilder& icmp(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0);

  PacketBuilder& payload(std::span<const uint8_t> bytes);  // appends
  PacketBuilder& payload(std::string_view text);           // appends
  PacketBuilder& pad_to(size_t frame_len);                  // zero Ethernet padding after L3

  // Deliberate damage, applied after everything else is filled in.
  PacketBuilder& corrupt_ipv4_checksum();
  PacketBuilder& corrupt_l4_checksum();
  PacketBuilder& override_ip_protocol(uint8_t proto);      // IPv4 protocol / last next header
  PacketBuilder& override_ipv4_total_length(uint16_t len);
  PacketBuilder& override_ipv6_payload_length(uint16_t len);
  PacketBuilder& override_udp_length(uint16_t len);        // checksum still covers what is sent
  PacketBuilder& override_l4_checksum(uint16_t value);     // e.g. 0 for "no UDP checksum"

  std::vector<uint8_t> build() const;

 private:
  enum class L3 : uint8_t { none, arp, ipv4, ipv6 };
  enum class L4 : uint8_t { none, udp, tcp, icmp };
  struct Vlan {
    uint16_t tpid, tci;
  };
  struct Ext {
    uint8_t type;
    std::vector<uint8_t> bytes;  // next-header byte filled at build time
  };

  MacAddr src_mac_, dst_mac_;
  std::vector<Vlan> vlans_;
  std::optional<uint16_t> ethertype_;

  L3 l3_ = L3::none;
  uint16_t arp_op_ = 0;
  MacAddr arp_sha_{}, arp_tha_{};
  Ipv4Addr arp_spa_{}, arp_tpa_{};
  Ipv4Addr v4_src_{}, v4_dst_{};
  uint8_t ttl_ = 64, tos_ = 0;
  uint16_t ip_id_ = 0, frag_field_ = 0;  // flags + offset as on the wire
  std::vector<uint8_t> v4_opts_;
  Ipv6Addr v6_src_{}, v6_dst_{};
  uint8_t tclass_ = 0;
  uint32_t flow_label_ = 0;
  std::vector<Ext> exts_;

  L4 l4_ = L4::none;
  uint16_t sport_ = 0, dport_ = 0;
  uint8_t tcp_flags_ = 0;
  uint32_t seq_ = 0, ack_ = 0;
  uint16_t window_ = 0;
  std::vector<uint8_t> tcp_opts_;
  uint8_t icmp_type_ = 0, icmp_code_ = 0;
  uint16_t icmp_id_ = 0, icmp_seq_ = 0;

  std::vector<uint8_t> payload_;
  size_t pad_to_ = 0;

  bool corrupt_ip_csum_ = false, corrupt_l4_csum_ = false;
  std::optional<uint8_t> proto_override_;
  std::optional<uint16_t> v4_len_override_, v6_len_override_, udp_len_override_, l4_csum_override_;
};

}  // namespace rampart::proto

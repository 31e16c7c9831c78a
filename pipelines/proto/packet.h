// L2-L4 parse of one frame into offsets and a few decoded fields.
// Pure and DPDK-free: classify calls it per packet, unit tests and the fuzzer call it directly.
#pragma once

#include <cstdint>
#include <string_view>

namespace rampart::proto {

enum class L3Kind : uint8_t { none, ipv4, ipv6, arp };

// Why a frame was refused. Classify turns each into a named drop counter, so names are stable.
enum class ParseError : uint8_t {
  ok = 0,
  eth_truncated,          // shorter than 14 bytes
  vlan_truncated,         // 802.1Q/802.1ad tag cut short
  vlan_too_deep,          // more than two tags (QinQ is the most we accept); TPIDs 0x8100,
                          // 0x88a8 and the legacy QinQ 0x9100/0x9200
  arp_truncated,          // fewer than 28 bytes of ARP after L2
  arp_bad_format,         // htype != 1 (Ethernet), ptype != 0x0800, hlen != 6 or plen != 4
  ipv4_truncated,         // fewer than 20 bytes, or fewer than IHL*4
  ipv4_bad_version,       // version nibble != 4
  ipv4_bad_ihl,           // IHL < 5
  ipv4_bad_total_length,  // total length < IHL*4 or beyond the frame
  ipv4_bad_checksum,      // header checksum wrong (only when verification is asked for)
  ipv6_truncated,         // fewer than 40 bytes
  ipv6_bad_version,       // version nibble != 6
  ipv6_bad_payload_length,// payload length beyond the frame
  ipv6_bad_ext_header,    // extension-header chain truncated, too long (> 8 headers) or malformed
  icmp_truncated,         // fewer than 8 (ICMP) / 4 (ICMPv6) bytes
  udp_truncated,          // fewer than 8 bytes
  udp_bad_length,         // UDP length < 8 or beyond the IP payload
  tcp_truncated,          // fewer than 20 bytes
  tcp_bad_offset,         // data offset < 5 or beyond the IP payload
  l4_bad_checksum,        // UDP/TCP/ICMP/ICMPv6 checksum wrong (see verify_l4_checksum)
  count_
};

// The enumerator name (snake_case): an operator-visible counter name, and DPDK telemetry accepts
// only [A-Za-z0-9_/] in keys.
std::string_view to_string(ParseError e);

namespace pkt_flag {
inline constexpr uint16_t vlan = 1u << 0;           // at least one 802.1Q/ad tag
inline constexpr uint16_t qinq = 1u << 1;           // two tags
inline constexpr uint16_t ipv4_options = 1u << 2;   // IHL > 5
inline constexpr uint16_t fragment = 1u << 3;       // IPv4 MF/offset or IPv6 fragment header
inline constexpr uint16_t later_fragment = 1u << 4; // offset != 0: no L4 header in this frame
inline constexpr uint16_t ipv6_ext = 1u << 5;       // IPv6 extension headers were walked
inline constexpr uint16_t l4_parsed = 1u << 6;      // src/dst ports (or ICMP type/code) are valid
inline constexpr uint16_t udp_zero_checksum = 1u << 7; // IPv4 UDP with checksum 0 (none sent)
}  // namespace pkt_flag

struct ParsedPacket {
  uint16_t outer_vlan = 0;     // VLAN ID (12 bits) of the first tag, 0 when untagged
  uint16_t inner_vlan = 0;     // VLAN ID of the second tag (QinQ), else 0
  uint16_t ethertype = 0;      // after the tags, host order
  uint16_t flags = 0;          // pkt_flag::*
  L3Kind l3 = L3Kind::none;
  uint8_t l4_proto = 0;        // IPPROTO_* after the IPv6 extension walk; 0 when no IP
  uint8_t tcp_flags = 0;       // TCP flags byte when l4_proto == TCP and l4_parsed
  uint8_t icmp_type = 0;       // ICMP / ICMPv6 type when l4_parsed
  uint16_t l3_offset = 0;      // first byte of ARP / IPv4 / IPv6 header
  uint16_t l4_offset = 0;      // first byte of the L4 header (0 when none)
  uint16_t payload_offset = 0; // first byte after the L4 header (0 when none)
  uint16_t payload_len = 0;    // L4 payload bytes inside the IP datagram (Ethernet padding
                               // excluded; for a first fragment, the bytes in this fragment)
  uint16_t l3_len = 0;         // IPv4 total length / IPv6 40 + payload length; 28 for ARP
  uint16_t src_port = 0;       // host order, valid with l4_parsed for UDP/TCP
  uint16_t dst_port = 0;
  uint32_t flow_hash = 0;      // symmetric: same value for both directions of a flow
};

struct ParseOptions {
  bool verify_ipv4_checksum = true;  // header checksum: cheap, always worth it
  bool verify_l4_checksum = false;   // UDP/TCP/ICMP(v6) over the contiguous bytes; skipped on fragments
};

// `data` holds `contiguous` readable bytes; `total` is the frame length (>= contiguous) when the
// frame spans several buffers. Header reads never go past `contiguous`; length fields are checked
// against `total`. L4 checksum verification needs the whole datagram contiguous: when it is not,
// it is skipped (the caller can verify with its own segment-aware routine).
ParseError parse_packet(const uint8_t* data, uint32_t contiguous, uint32_t total,
                        const ParseOptions& opts, ParsedPacket& out) noexcept;

inline ParseError parse_packet(const uint8_t* data, uint32_t len, const ParseOptions& opts,
                               ParsedPacket& out) noexcept {
  return parse_packet(data, len, len, opts, out);
}

namespace detail {
// parse_packet without its IPv4 UDP/TCP fast path: the reference the fuzzer and the unit tests
// compare the fast path against. Not for production callers.
ParseError parse_packet_general(const uint8_t* data, uint32_t contiguous, uint32_t total,
                                const ParseOptions& opts, ParsedPacket& out) noexcept;
}  // namespace detail

// Verifies the L4 checksum of an already parsed, unfragmented, contiguous IPv4/IPv6 packet.
// True when correct, or when there is nothing to check (UDP over IPv4 with checksum 0, non-L4).
bool verify_l4_checksum(const uint8_t* data, uint32_t len, const ParsedPacket& p) noexcept;

}  // namespace rampart::proto

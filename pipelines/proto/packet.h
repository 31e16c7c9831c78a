// L2-L4 parse of one frame into offsets and a few decoded fields.
// Pure and DPDK-free: classify calls it per packet, unit tests and the fuzzer call it directly.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
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
};

struct ParseOptions {
  bool verify_ipv4_checksum = true;  // header checksum: cheap, always worth it
  bool verify_l4_checksum = false;   // UDP/TCP/ICMP(v6) over the contiguous bytes; skipped on fragments
};

namespace detail {
// parse_packet without its IPv4 UDP/TCP fast path: the reference the fuzzer and the unit tests
// compare the fast path against, and what parse_packet falls back to.
ParseError parse_packet_general(const uint8_t* data, uint32_t contiguous, uint32_t total,
                                const ParseOptions& opts, ParsedPacket& out) noexcept;
// The L4 checksum of a packet parse_packet accepted, whole and contiguous.
bool l4_checksum_ok(const uint8_t* data, const ParsedPacket& p) noexcept;

inline uint16_t load_be16(const uint8_t* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, 2);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  return v;
}

inline uint32_t load_be32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

// One's-complement sum of an option-less IPv4 header is 0xffff. The sum of its five 32-bit
// words (< 5 * 2^32, no carry lost) is congruent to the 16-bit one's-complement sum modulo 0xffff
// (2^16 = 1 mod 0xffff), and the header is never all zero (version 4): so the header is intact
// exactly when that sum is a multiple of 0xffff. A multiply-based modulo beats folding twice.
// The words are loaded as two 64-bit and one 32-bit scalar: copied as an array, the compiler
// loads 16 bytes into a vector register, spills it and reloads 32-bit pieces, a store-to-load
// forward that fails and stalls (perf: 10% of classify).
inline bool ipv4_header20_checksum_ok(const uint8_t* ip) noexcept {
  uint64_t a, b;
  uint32_t c;
  std::memcpy(&a, ip, 8);
  std::memcpy(&b, ip + 8, 8);
  std::memcpy(&c, ip + 16, 4);
  const uint64_t sum = (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32) + c;
  return sum % 0xffff == 0;
}

// The common case: untagged, option-less, unfragmented IPv4 carrying UDP or TCP, in one segment
// of at least 54 bytes (any UDP frame on the wire, padded to 60; shorter captures take the
// general walk). Every check is folded into one well-predicted branch: on mixed traffic the
// general walk's switches (ethertype, protocol, UDP vs TCP) mispredict on most packets. False
// leaves the packet, errors included, to the general walk, which answers as it always does (the
// fuzzer and the unit tests compare the two on every input). Inline: classify runs it per packet
// and a call costs as much as a third of it (callgrind, docs/benchmarks.md).
inline bool parse_ipv4_udp_tcp(const uint8_t* d, uint32_t contiguous, uint32_t total,
                               bool verify_ipv4_checksum, ParsedPacket& out) noexcept {
  constexpr uint32_t kL4 = 14 + 20;
  if (contiguous < kL4 + 20) [[unlikely]]
    return false;
  const uint8_t proto = d[23];
  const bool udp = proto == 17;
  const uint32_t tot = load_be16(d + 16);
  const uint32_t avail = tot - 20;  // wraps (huge) when tot < 20: refused by tot >= 20
  const uint32_t ulen = load_be16(d + kL4 + 4);
  const uint32_t thlen = static_cast<uint32_t>(d[kL4 + 12] >> 4) * 4;
  // UDP: 8 <= UDP length <= IP payload; TCP: 20 <= data offset <= IP payload, header readable.
  const uint32_t l4len = udp ? ulen : thlen;
  const uint32_t l4min = udp ? 8 : 20;
  // Ethertype 0x0800 with version 4 and IHL 5 (bytes 12-14), and neither MF nor a fragment
  // offset (bytes 20-21), each tested as one masked word.
  const bool ok = ((load_be32(d + 12) & 0xffffff00u) == 0x08004500u) &
                  ((load_be16(d + 20) & 0x3fff) == 0) & (udp | (proto == 6)) & (tot >= 20) &
                  (14 + tot <= total) & (l4len >= l4min) & (l4len <= avail) &
                  (udp | (kL4 + thlen <= contiguous));
  if (!ok) [[unlikely]]
    return false;
  if (verify_ipv4_checksum && !ipv4_header20_checksum_ok(d + 14)) [[unlikely]]
    return false;
  const uint32_t hlen = udp ? 8 : thlen;
  out.outer_vlan = 0;
  out.inner_vlan = 0;
  out.ethertype = 0x0800;
  out.flags = static_cast<uint16_t>(
      pkt_flag::l4_parsed | (udp & (load_be16(d + kL4 + 6) == 0) ? pkt_flag::udp_zero_checksum : 0));
  out.l3 = L3Kind::ipv4;
  out.l4_proto = proto;
  out.tcp_flags = udp ? 0 : d[kL4 + 13];
  out.icmp_type = 0;
  out.l3_offset = 14;
  out.l4_offset = kL4;
  out.payload_offset = static_cast<uint16_t>(kL4 + hlen);
  out.payload_len = static_cast<uint16_t>((udp ? ulen : avail) - hlen);
  out.l3_len = static_cast<uint16_t>(tot);
  out.src_port = load_be16(d + kL4);
  out.dst_port = load_be16(d + kL4 + 2);
  return true;
}
}  // namespace detail

// `data` holds `contiguous` readable bytes; `total` is the frame length (>= contiguous) when the
// frame spans several buffers. Header reads never go past `contiguous`; length fields are checked
// against `total`. L4 checksum verification needs the whole datagram contiguous: when it is not,
// it is skipped (the caller can verify with its own segment-aware routine).
inline ParseError parse_packet(const uint8_t* data, uint32_t contiguous, uint32_t total,
                               const ParseOptions& opts, ParsedPacket& out) noexcept {
  if (contiguous > total) contiguous = total;
  if (detail::parse_ipv4_udp_tcp(data, contiguous, total, opts.verify_ipv4_checksum, out)) [[likely]] {
    if (opts.verify_l4_checksum && contiguous >= 14u + out.l3_len && !detail::l4_checksum_ok(data, out))
      return ParseError::l4_bad_checksum;
    return ParseError::ok;
  }
  return detail::parse_packet_general(data, contiguous, total, opts, out);
}

inline ParseError parse_packet(const uint8_t* data, uint32_t len, const ParseOptions& opts,
                               ParsedPacket& out) noexcept {
  return parse_packet(data, len, len, opts, out);
}

// A symmetric hash of the packet's flow (the same for both directions), for spreading flows over
// lcores so that both directions meet on one: IPv4/IPv6 addresses with the UDP/TCP ports (not for
// fragments: every piece of a datagram must land together) and the protocol; ARP's sender and
// target addresses; other frames' MAC pair and ethertype. `p` is what parse_packet accepted for
// `data` (the L3 header is then within the contiguous bytes). Computed where it is needed (steering
// between instances of a stage) rather than for every packet: it is unkeyed, so tables that an
// attacker can fill key their own hashes (siphash) instead.
uint32_t flow_hash(const uint8_t* data, const ParsedPacket& p) noexcept;

// Whether `ip` (host order) is an address a host can send from: not 0/8 ("this network"), 127/8
// (loopback, never on a wire), 224/4 (multicast) or 240/4 (reserved, with 255.255.255.255).
// RFC 1122 3.2.1.3: what comes from any other is discarded, never answered or learned.
constexpr bool ipv4_host_address(uint32_t ip) noexcept {
  const uint32_t top = ip >> 24;
  return top != 0 && top != 127 && top < 224;
}
// The same without the ports, for every packet: what a fragment hashes to is then what its
// datagram's other packets (and the other direction) hash to as well.
uint32_t address_hash(const uint8_t* data, const ParsedPacket& p) noexcept;

// Verifies the L4 checksum of an already parsed, unfragmented, contiguous IPv4/IPv6 packet.
// True when correct, or when there is nothing to check (UDP over IPv4 with checksum 0, non-L4).
bool verify_l4_checksum(const uint8_t* data, uint32_t len, const ParsedPacket& p) noexcept;

// What the L4 checksum of a parsed, unfragmented IPv4/IPv6 packet covers, for callers whose L4
// bytes are not contiguous (an mbuf chain): the pseudo-header's sum (upper-layer protocol and
// length, RFC 768 / RFC 8200 8.1: the UDP length, past any IPv6 extension headers) and
// `l4_len` bytes from `l4_offset`. `accept` / `refuse` when the verdict needs no sum (UDP over
// IPv4 with checksum 0; UDP over IPv6 with checksum 0; a routing header with segments left,
// whose final destination a transit box does not dig out). Reads only the headers, which
// parse_packet requires to be in `data`.
struct L4ChecksumSpan {
  enum class Kind : uint8_t { sum, accept, refuse } kind;
  uint32_t pseudo;
  uint32_t l4_len;
};
L4ChecksumSpan l4_checksum_span(const uint8_t* data, const ParsedPacket& p) noexcept;

}  // namespace rampart::proto

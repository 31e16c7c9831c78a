#include "proto/packet.h"

#include <bit>
#include <cstring>

#include "proto/arp.h"
#include "proto/checksum.h"

namespace rampart::proto {

namespace {

constexpr uint16_t kEthHdr = 14;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinq = 0x88a8;
// Pre-802.1ad QinQ tag types some switches still send (DPDK: RTE_ETHER_TYPE_QINQ1/2).
constexpr uint16_t kEtherQinqLegacy1 = 0x9100;
constexpr uint16_t kEtherQinqLegacy2 = 0x9200;

inline bool is_vlan_tpid(uint16_t t) noexcept {
  return t == kEtherVlan || t == kEtherQinq || t == kEtherQinqLegacy1 || t == kEtherQinqLegacy2;
}

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;

constexpr uint8_t kExtHopByHop = 0;
constexpr uint8_t kExtRouting = 43;
constexpr uint8_t kExtFragment = 44;
constexpr uint8_t kExtAh = 51;
constexpr uint8_t kExtDestOpts = 60;
constexpr int kMaxExtHeaders = 8;

using detail::load_be16;
using detail::load_be32;
inline uint16_t be16(const uint8_t* p) noexcept { return load_be16(p); }
inline uint32_t be32(const uint8_t* p) noexcept { return load_be32(p); }

inline uint64_t ld64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Murmur3's finaliser: two multiplies, full avalanche, so the low bits used for table indices
// and lcore steering depend on every input bit.
inline uint64_t fmix64(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Symmetry comes from ordering the two endpoints, not from a commutative combine: a+b or a^b
// would make (A:p -> B:q) collide with (A:q -> B:p) and cancel equal halves.
inline uint32_t hash_endpoints(uint64_t a, uint64_t b, uint32_t extra) noexcept {
  uint64_t lo = a < b ? a : b;
  uint64_t hi = a < b ? b : a;
  uint64_t h = fmix64(lo * 0x9e3779b97f4a7c15ULL + hi + (static_cast<uint64_t>(extra) << 1));
  return static_cast<uint32_t>(h ^ (h >> 32));
}

inline uint64_t endpoint4(const uint8_t* addr, uint16_t port) noexcept {
  return (static_cast<uint64_t>(be32(addr)) << 16) | port;
}

inline uint64_t endpoint6(const uint8_t* addr, uint16_t port) noexcept {
  // Addresses vary in their last bytes and ports in theirs: folding 144 bits by xor or shift would
  // let the two cancel. A 64x64->128 multiply digests the address first (one mul instruction),
  // after which adding the port collides only by chance.
  const unsigned __int128 m = static_cast<unsigned __int128>(ld64(addr) ^ 0xa0761d6478bd642fULL) *
                              (ld64(addr + 8) ^ 0xe7037ed1a0b428dbULL);
  return (static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64)) + port;
}

// IPv4 header sum: 20..60 bytes, a multiple of 4; see detail::ipv4_header20_checksum_ok for why
// a multiple of 0xffff means intact (at most 15 words: the 64-bit sum loses no carry).
inline bool ipv4_header_checksum_ok(const uint8_t* p, unsigned len) noexcept {
  if (len == 20) [[likely]]
    return detail::ipv4_header20_checksum_ok(p);
  uint64_t acc = 0;
  for (unsigned i = 0; i < len; i += 4) {
    uint32_t w;
    std::memcpy(&w, p + i, 4);
    acc += w;
  }
  return acc % 0xffff == 0;
}

// L4 parse shared by IPv4 and IPv6. `l4` is where the L4 header starts, `l3_end` where the datagram
// ends (padding excluded).
inline ParseError parse_l4(const uint8_t* data, uint32_t contiguous, uint32_t l4, uint32_t l3_end,
                           bool v6, bool first_fragment, ParsedPacket& out) noexcept {
  const uint32_t avail = l3_end - l4;
  switch (out.l4_proto) {
    case kProtoUdp: {
      if (avail < 8 || l4 + 8 > contiguous) return ParseError::udp_truncated;
      const uint32_t ulen = be16(data + l4 + 4);
      // A first fragment's UDP length describes the whole datagram, not this piece of it.
      if (ulen < 8 || (ulen > avail && !first_fragment)) return ParseError::udp_bad_length;
      out.src_port = be16(data + l4);
      out.dst_port = be16(data + l4 + 2);
      out.payload_offset = static_cast<uint16_t>(l4 + 8);
      out.payload_len = static_cast<uint16_t>((ulen < avail ? ulen : avail) - 8);
      if (!v6 && be16(data + l4 + 6) == 0) out.flags |= pkt_flag::udp_zero_checksum;
      break;
    }
    case kProtoTcp: {
      if (avail < 20 || l4 + 20 > contiguous) return ParseError::tcp_truncated;
      uint32_t hlen = static_cast<uint32_t>(data[l4 + 12] >> 4) * 4;
      if (hlen < 20 || hlen > avail) return ParseError::tcp_bad_offset;
      // Options must be readable too: later stages (syncookies, MSS clamp) read them in place.
      if (l4 + hlen > contiguous) return ParseError::tcp_truncated;
      out.src_port = be16(data + l4);
      out.dst_port = be16(data + l4 + 2);
      out.tcp_flags = data[l4 + 13];
      out.payload_offset = static_cast<uint16_t>(l4 + hlen);
      out.payload_len = static_cast<uint16_t>(avail - hlen);
      break;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      // ICMP inside IPv6 (or ICMPv6 inside IPv4) is just an unknown protocol.
      if ((out.l4_proto == kProtoIcmpv6) != v6) return ParseError::ok;
      const uint32_t hlen = v6 ? 4 : 8;
      if (avail < hlen || l4 + hlen > contiguous) return ParseError::icmp_truncated;
      out.icmp_type = data[l4];
      out.payload_offset = static_cast<uint16_t>(l4 + hlen);
      out.payload_len = static_cast<uint16_t>(avail - hlen);
      break;
    }
    default:
      return ParseError::ok;
  }
  out.flags |= pkt_flag::l4_parsed;
  return ParseError::ok;
}

}  // namespace

L4ChecksumSpan l4_checksum_span(const uint8_t* data, const ParsedPacket& p) noexcept {
  using K = L4ChecksumSpan::Kind;
  const uint8_t* l3 = data + p.l3_offset;
  const uint8_t* l4 = data + p.l4_offset;
  const uint32_t l3_end = static_cast<uint32_t>(p.l3_offset) + p.l3_len;
  uint32_t l4_len = l3_end - p.l4_offset;
  uint32_t sum;
  if (p.l3 == L3Kind::ipv4) {
    switch (p.l4_proto) {
      case kProtoUdp:
        if (be16(l4 + 6) == 0) return {K::accept, 0, 0};  // sender did not compute one (RFC 768)
        l4_len = be16(l4 + 4);
        sum = pseudo_header_ipv4(l3 + 12, l3 + 16, kProtoUdp, static_cast<uint16_t>(l4_len));
        break;
      case kProtoTcp:
        sum = pseudo_header_ipv4(l3 + 12, l3 + 16, kProtoTcp, static_cast<uint16_t>(l4_len));
        break;
      case kProtoIcmp:
        sum = 0;
        break;
      default:
        return {K::accept, 0, 0};
    }
  } else {
    switch (p.l4_proto) {
      case kProtoUdp:
        if (be16(l4 + 6) == 0) return {K::refuse, 0, 0};  // mandatory over IPv6 (RFC 8200 8.1)
        l4_len = be16(l4 + 4);
        break;
      case kProtoTcp:
      case kProtoIcmpv6:
        break;
      default:
        return {K::accept, 0, 0};
    }
    if (p.flags & pkt_flag::ipv6_ext) {
      // With segments left in a routing header the pseudo-header uses the final destination,
      // which a transit box would have to dig out of a type-specific format: do not judge.
      uint8_t nh = l3[6];
      uint32_t off = 40;
      const uint32_t ext_end = static_cast<uint32_t>(p.l4_offset - p.l3_offset);
      for (int i = 0; i < kMaxExtHeaders && off + 8 <= ext_end; ++i) {
        const uint8_t* e = l3 + off;
        if (nh == kExtRouting && e[3] != 0) return {K::accept, 0, 0};
        if (nh != kExtHopByHop && nh != kExtRouting && nh != kExtDestOpts && nh != kExtAh &&
            nh != kExtFragment)
          break;
        off += nh == kExtFragment ? 8u : nh == kExtAh ? (e[1] + 2u) * 4u : (e[1] + 1u) * 8u;
        nh = e[0];
      }
    }
    sum = pseudo_header_ipv6(l3 + 8, l3 + 24, p.l4_proto, l4_len);
  }
  return {K::sum, sum, l4_len};
}

bool detail::l4_checksum_ok(const uint8_t* data, const ParsedPacket& p) noexcept {
  const L4ChecksumSpan span = l4_checksum_span(data, p);
  if (span.kind != L4ChecksumSpan::Kind::sum) return span.kind == L4ChecksumSpan::Kind::accept;
  return checksum_finish(checksum_partial(data + p.l4_offset, span.l4_len, span.pseudo)) == 0;
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::ok: return "ok";
    case ParseError::eth_truncated: return "eth_truncated";
    case ParseError::vlan_truncated: return "vlan_truncated";
    case ParseError::vlan_too_deep: return "vlan_too_deep";
    case ParseError::arp_truncated: return "arp_truncated";
    case ParseError::arp_bad_format: return "arp_bad_format";
    case ParseError::ipv4_truncated: return "ipv4_truncated";
    case ParseError::ipv4_bad_version: return "ipv4_bad_version";
    case ParseError::ipv4_bad_ihl: return "ipv4_bad_ihl";
    case ParseError::ipv4_bad_total_length: return "ipv4_bad_total_length";
    case ParseError::ipv4_bad_checksum: return "ipv4_bad_checksum";
    case ParseError::ipv6_truncated: return "ipv6_truncated";
    case ParseError::ipv6_bad_version: return "ipv6_bad_version";
    case ParseError::ipv6_bad_payload_length: return "ipv6_bad_payload_length";
    case ParseError::ipv6_bad_ext_header: return "ipv6_bad_ext_header";
    case ParseError::icmp_truncated: return "icmp_truncated";
    case ParseError::udp_truncated: return "udp_truncated";
    case ParseError::udp_bad_length: return "udp_bad_length";
    case ParseError::tcp_truncated: return "tcp_truncated";
    case ParseError::tcp_bad_offset: return "tcp_bad_offset";
    case ParseError::l4_bad_checksum: return "l4_bad_checksum";
    case ParseError::count_: break;
  }
  return "unknown";
}

namespace detail {

ParseError parse_packet_general(const uint8_t* data, uint32_t contiguous, uint32_t total,
                                const ParseOptions& opts, ParsedPacket& out) noexcept {
  out = ParsedPacket{};
  if (contiguous > total) contiguous = total;
  if (contiguous < kEthHdr) return ParseError::eth_truncated;

  uint32_t off = kEthHdr;
  uint16_t etype = be16(data + 12);
  if (is_vlan_tpid(etype)) {
    if (off + 4 > contiguous) return ParseError::vlan_truncated;
    out.outer_vlan = be16(data + off) & 0x0fff;
    etype = be16(data + off + 2);
    off += 4;
    out.flags |= pkt_flag::vlan;
    if (is_vlan_tpid(etype)) {
      if (off + 4 > contiguous) return ParseError::vlan_truncated;
      out.inner_vlan = be16(data + off) & 0x0fff;
      etype = be16(data + off + 2);
      off += 4;
      out.flags |= pkt_flag::qinq;
      if (is_vlan_tpid(etype)) return ParseError::vlan_too_deep;
    }
  }
  out.ethertype = etype;
  out.l3_offset = static_cast<uint16_t>(off);

  if (etype == kEtherIpv4) {
    out.l3 = L3Kind::ipv4;
    if (off + 20 > contiguous) return ParseError::ipv4_truncated;
    const uint8_t* ip = data + off;
    if ((ip[0] >> 4) != 4) return ParseError::ipv4_bad_version;
    const uint32_t ihl = (ip[0] & 0x0fu) * 4u;
    if (ihl < 20) return ParseError::ipv4_bad_ihl;
    if (off + ihl > contiguous) return ParseError::ipv4_truncated;
    const uint32_t tot = be16(ip + 2);
    if (tot < ihl || off + tot > total) return ParseError::ipv4_bad_total_length;
    if (opts.verify_ipv4_checksum && !ipv4_header_checksum_ok(ip, ihl))
      return ParseError::ipv4_bad_checksum;
    if (ihl > 20) out.flags |= pkt_flag::ipv4_options;
    out.l3_len = static_cast<uint16_t>(tot);
    out.l4_proto = ip[9];
    const uint16_t frag = be16(ip + 6);
    const bool is_frag = (frag & 0x3fff) != 0;  // MF or a non-zero offset
    if (is_frag) {
      out.flags |= pkt_flag::fragment;
      if (frag & 0x1fff) {
        out.flags |= pkt_flag::later_fragment;
        return ParseError::ok;
      }
    }
    const uint32_t l4 = off + ihl;
    out.l4_offset = static_cast<uint16_t>(l4);
    ParseError e = parse_l4(data, contiguous, l4, off + tot, false, is_frag, out);
    if (e != ParseError::ok) return e;
  } else if (etype == kEtherIpv6) {
    out.l3 = L3Kind::ipv6;
    if (off + 40 > contiguous) return ParseError::ipv6_truncated;
    const uint8_t* ip = data + off;
    if ((ip[0] >> 4) != 6) return ParseError::ipv6_bad_version;
    const uint32_t plen = be16(ip + 4);
    // l3_len is 16 bits: a 65535-byte payload would not fit it, and no link carries one.
    if (off + 40 + plen > total || 40 + plen > 0xffff) return ParseError::ipv6_bad_payload_length;
    out.l3_len = static_cast<uint16_t>(40 + plen);
    const uint32_t l3_end = off + 40 + plen;
    uint32_t cur = off + 40;
    uint8_t nh = ip[6];
    bool is_frag = false;
    int n = 0;
    for (;;) {
      if (nh != kExtHopByHop && nh != kExtRouting && nh != kExtFragment && nh != kExtDestOpts &&
          nh != kExtAh)
        break;
      // Hop-by-hop is only legal straight after the fixed header (RFC 8200 4.1).
      if (++n > kMaxExtHeaders || (nh == kExtHopByHop && n != 1))
        return ParseError::ipv6_bad_ext_header;
      if (cur + 8 > l3_end || cur + 8 > contiguous) return ParseError::ipv6_bad_ext_header;
      const uint8_t* e = data + cur;
      uint32_t len;
      if (nh == kExtFragment) {
        len = 8;
        const uint16_t fo = be16(e + 2);
        // An atomic fragment (offset 0, M clear) is a whole datagram (RFC 6946).
        if (fo & 0xfff9) {
          is_frag = true;
          out.flags |= pkt_flag::fragment;
          if (fo & 0xfff8) {
            out.flags |= pkt_flag::later_fragment | pkt_flag::ipv6_ext;
            out.l4_proto = e[0];
            return ParseError::ok;
          }
        }
      } else if (nh == kExtAh) {
        len = (e[1] + 2u) * 4u;
      } else {
        len = (e[1] + 1u) * 8u;
      }
      // Whole headers must be readable, as TCP options must: later stages may look inside them.
      if (cur + len > l3_end || cur + len > contiguous) return ParseError::ipv6_bad_ext_header;
      nh = e[0];
      cur += len;
      // What follows a Fragment header belongs to the fragmented datagram (RFC 8200 4.5). A
      // first fragment stops here as later ones must, so every piece carries the Fragment
      // header's Next Header: the same path and the same flow hash for all of them. (A first
      // fragment walking on to UDP behind a Destination Options header went to the DNS path while
      // its later pieces went to "other".)
      if (is_frag) break;
    }
    if (n) out.flags |= pkt_flag::ipv6_ext;
    out.l4_proto = nh;
    out.l4_offset = static_cast<uint16_t>(cur);
    ParseError e = parse_l4(data, contiguous, cur, l3_end, true, is_frag, out);
    if (e != ParseError::ok) return e;
  } else if (etype == kEtherArp) {
    out.l3 = L3Kind::arp;
    if (off + 28 > contiguous) return ParseError::arp_truncated;
    if (!arp_format_ok(data + off)) return ParseError::arp_bad_format;
    out.l3_len = 28;
    return ParseError::ok;
  } else {
    return ParseError::ok;  // not ours to judge
  }

  if (opts.verify_l4_checksum && !(out.flags & pkt_flag::fragment) &&
      (out.flags & pkt_flag::l4_parsed) &&
      contiguous >= static_cast<uint32_t>(out.l3_offset) + out.l3_len &&
      !l4_checksum_ok(data, out))
    return ParseError::l4_bad_checksum;
  return ParseError::ok;
}

}  // namespace detail

namespace {
uint32_t endpoints_hash(const uint8_t* data, const ParsedPacket& p, bool ports) noexcept {
  const uint8_t* l3 = data + p.l3_offset;
  const uint16_t sp = ports ? p.src_port : 0, dp = ports ? p.dst_port : 0;
  switch (p.l3) {
    case L3Kind::ipv4:
      return hash_endpoints(endpoint4(l3 + 12, sp), endpoint4(l3 + 16, dp), p.l4_proto);
    case L3Kind::ipv6:
      return hash_endpoints(endpoint6(l3 + 8, sp), endpoint6(l3 + 24, dp), p.l4_proto);
    case L3Kind::arp:
      return hash_endpoints(endpoint4(l3 + 14, 0), endpoint4(l3 + 24, 0), 0);
    case L3Kind::none:
      break;
  }
  // Not IP: the MAC pair, so that such traffic still spreads over lcores.
  uint64_t dst = ld64(data), src = ld64(data + 6);
  if constexpr (std::endian::native == std::endian::big) {
    dst >>= 16;
    src >>= 16;
  } else {
    dst &= 0x0000ffffffffffffULL;
    src &= 0x0000ffffffffffffULL;
  }
  return hash_endpoints(src, dst, p.ethertype);
}
}  // namespace

uint32_t flow_hash(const uint8_t* data, const ParsedPacket& p) noexcept {
  // Fragments hash on addresses only, so that every piece of a datagram lands on the same lcore.
  return endpoints_hash(data, p, (p.flags & pkt_flag::l4_parsed) && !(p.flags & pkt_flag::fragment));
}

uint32_t address_hash(const uint8_t* data, const ParsedPacket& p) noexcept {
  return endpoints_hash(data, p, false);
}

bool verify_l4_checksum(const uint8_t* data, uint32_t len, const ParsedPacket& p) noexcept {
  if (!(p.flags & pkt_flag::l4_parsed) || (p.flags & pkt_flag::fragment)) return true;
  if (p.l3 != L3Kind::ipv4 && p.l3 != L3Kind::ipv6) return true;
  // The caller may hand in a ParsedPacket that does not describe `data`: refuse what cannot be
  // checked whole instead of reading past the buffer.
  const uint32_t l3_end = static_cast<uint32_t>(p.l3_offset) + p.l3_len;
  const uint32_t min_l3 = p.l3 == L3Kind::ipv4 ? 20u : 40u;
  uint32_t min_l4;
  switch (p.l4_proto) {
    case kProtoUdp: min_l4 = 8; break;
    case kProtoTcp: min_l4 = 20; break;
    case kProtoIcmp: min_l4 = 8; break;
    case kProtoIcmpv6: min_l4 = 4; break;
    default: return true;
  }
  if (l3_end > len || p.l4_offset < p.l3_offset + min_l3 || p.l4_offset + min_l4 > l3_end)
    return false;
  if (p.l4_proto == kProtoUdp) {
    const uint32_t ulen = be16(data + p.l4_offset + 4);
    if (ulen < 8 || p.l4_offset + ulen > l3_end) return false;
  }
  return detail::l4_checksum_ok(data, p);
}

}  // namespace rampart::proto

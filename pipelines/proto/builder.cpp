#include "proto/builder.h"

#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "proto/checksum.h"

namespace rampart::proto {

namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}

void append(std::vector<uint8_t>& b, std::span<const uint8_t> bytes) {
  b.insert(b.end(), bytes.begin(), bytes.end());
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void bad(std::string what, std::string_view text) {
  throw std::invalid_argument(what + ": '" + std::string(text) + "'");
}

constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58,
                  kProtoNoNext = 59, kProtoExperimental = 253;

}  // namespace

MacAddr parse_mac(std::string_view text) {
  MacAddr m{};
  if (text.size() != 17) bad("bad MAC address", text);
  for (size_t i = 0; i < 6; ++i) {
    int hi = hexval(text[i * 3]), lo = hexval(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-'))
      bad("bad MAC address", text);
    m[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return m;
}

Ipv4Addr parse_ipv4(std::string_view text) {
  Ipv4Addr a{};
  if (inet_pton(AF_INET, std::string(text).c_str(), a.data()) != 1) bad("bad IPv4 address", text);
  return a;
}

Ipv6Addr parse_ipv6(std::string_view text) {
  Ipv6Addr a{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), a.data()) != 1) bad("bad IPv6 address", text);
  return a;
}

namespace tcp_opt {
std::vector<uint8_t> mss(uint16_t v) { return {2, 4, static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }
std::vector<uint8_t> wscale(uint8_t shift) { return {3, 3, shift}; }
std::vector<uint8_t> sack_permitted() { return {4, 2}; }
std::vector<uint8_t> timestamp(uint32_t tsval, uint32_t tsecr) {
  std::vector<uint8_t> o(10);
  o[0] = 8;
  o[1] = 10;
  put32(o, 2, tsval);
  put32(o, 6, tsecr);
  return o;
}
std::vector<uint8_t> nop() { return {1}; }
std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) append(out, p);
  return out;
}
}  // namespace tcp_opt

PacketBuilder::PacketBuilder()
    : src_mac_{0x02, 0, 0, 0, 0, 0x01}, dst_mac_{0x02, 0, 0, 0, 0, 0x02} {}

PacketBuilder& PacketBuilder::eth(std::string_view src_mac, std::string_view dst_mac) {
  return eth(parse_mac(src_mac), parse_mac(dst_mac));
}

PacketBuilder& PacketBuilder::eth(const MacAddr& src, const MacAddr& dst) {
  src_mac_ = src;
  dst_mac_ = dst;
  return *this;
}

PacketBuilder& PacketBuilder::vlan(uint16_t vid, uint8_t pcp, uint16_t tpid) {
  if (vid > 0x0fff || pcp > 7) throw std::invalid_argument("vlan: vid > 4095 or pcp > 7");
  vlans_.push_back({tpid, static_cast<uint16_t>(pcp << 13 | vid)});
  return *this;
}

PacketBuilder& PacketBuilder::ethertype(uint16_t type) {
  ethertype_ = type;
  return *this;
}

PacketBuilder& PacketBuilder::arp(uint16_t op, std::string_view sha, std::string_view spa,
                                  std::string_view tha, std::string_view tpa) {
  l3_ = L3::arp;
  arp_op_ = op;
  arp_sha_ = parse_mac(sha);
  arp_spa_ = parse_ipv4(spa);
  arp_tha_ = parse_mac(tha);
  arp_tpa_ = parse_ipv4(tpa);
  return *this;
}

PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst, uint8_t ttl) {
  return ipv4(parse_ipv4(src), parse_ipv4(dst), ttl);
}

PacketBuilder& PacketBuilder::ipv4(const Ipv4Addr& src, const Ipv4Addr& dst, uint8_t ttl) {
  l3_ = L3::ipv4;
  v4_src_ = src;
  v4_dst_ = dst;
  ttl_ = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_options(std::vector<uint8_t> opts) {
  while (opts.size() % 4) opts.push_back(0);
  if (opts.size() > 40) throw std::invalid_argument("ipv4_options: more than 40 bytes");
  v4_opts_ = std::move(opts);
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_fragment(uint16_t offset_bytes, bool more_fragments,
                                            uint16_t id) {
  if (offset_bytes % 8) throw std::invalid_argument("ipv4_fragment: offset not a multiple of 8");
  frag_field_ = static_cast<uint16_t>((frag_field_ & 0x4000) | (more_fragments ? 0x2000 : 0) |
                                      (offset_bytes / 8));
  ip_id_ = id;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_id(uint16_t id) {
  ip_id_ = id;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_tos(uint8_t tos) {
  tos_ = tos;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_dont_fragment(bool df) {
  frag_field_ = static_cast<uint16_t>(df ? frag_field_ | 0x4000 : frag_field_ & ~0x4000);
  return *this;
}

PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit) {
  return ipv6(parse_ipv6(src), parse_ipv6(dst), hop_limit);
}

PacketBuilder& PacketBuilder::ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t hop_limit) {
  l3_ = L3::ipv6;
  v6_src_ = src;
  v6_dst_ = dst;
  ttl_ = hop_limit;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_traffic_class(uint8_t tc) {
  tclass_ = tc;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_flow_label(uint32_t label) {
  flow_label_ = label & 0xfffff;
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_ext(uint8_t type, size_t len) {
  std::vector<uint8_t> b(len);
  if (type == 51) {
    if (len < 12 || len % 4 || len > 1028) throw std::invalid_argument("ipv6_ext: bad AH length");
    b[1] = static_cast<uint8_t>(len / 4 - 2);
  } else {
    if (len < 8 || len % 8 || len > 2048) throw std::invalid_argument("ipv6_ext: bad length");
    b[1] = static_cast<uint8_t>(len / 8 - 1);
    if (type == 0 || type == 60) {
      size_t at = 2, rem = len - 2;
      while (rem > 0) {
        if (rem == 1) {
          b[at] = 0;  // Pad1
          break;
        }
        size_t n = rem > 257 ? (rem - 257 == 1 ? 256 : 257) : rem;
        b[at] = 1;  // PadN
        b[at + 1] = static_cast<uint8_t>(n - 2);
        at += n;
        rem -= n;
      }
    } else if (type == 43) {
      b[2] = 253;  // experimental routing type; segments left stays 0
    }
  }
  exts_.push_back({type, std::move(b)});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_fragment(uint16_t offset_bytes, bool more_fragments,
                                            uint32_t id) {
  if (offset_bytes % 8) throw std::invalid_argument("ipv6_fragment: offset not a multiple of 8");
  std::vector<uint8_t> b(8);
  put16(b, 2, static_cast<uint16_t>(offset_bytes | (more_fragments ? 1 : 0)));
  put32(b, 4, id);
  exts_.push_back({44, std::move(b)});
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport) {
  l4_ = L4::udp;
  sport_ = sport;
  dport_ = dport;
  return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
                                  uint32_t ack, uint16_t window, std::vector<uint8_t> options) {
  while (options.size() % 4) options.push_back(0);
  if (options.size() > 40) throw std::invalid_argument("tcp: more than 40 bytes of options");
  l4_ = L4::tcp;
  sport_ = sport;
  dport_ = dport;
  tcp_flags_ = flags;
  seq_ = seq;
  ack_ = ack;
  window_ = window;
  tcp_opts_ = std::move(options);
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq) {
  l4_ = L4::icmp;
  icmp_type_ = type;
  icmp_code_ = code;
  icmp_id_ = id;
  icmp_seq_ = seq;
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::span<const uint8_t> bytes) {
  append(payload_, bytes);
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::string_view text) {
  return payload(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

PacketBuilder& PacketBuilder::pad_to(size_t frame_len) {
  pad_to_ = frame_len;
  return *this;
}

PacketBuilder& PacketBuilder::corrupt_ipv4_checksum() {
  corrupt_ip_csum_ = true;
  return *this;
}

PacketBuilder& PacketBuilder::corrupt_l4_checksum() {
  corrupt_l4_csum_ = true;
  return *this;
}

PacketBuilder& PacketBuilder::override_ip_protocol(uint8_t proto) {
  proto_override_ = proto;
  return *this;
}

PacketBuilder& PacketBuilder::override_ipv4_total_length(uint16_t len) {
  v4_len_override_ = len;
  return *this;
}

PacketBuilder& PacketBuilder::override_ipv6_payload_length(uint16_t len) {
  v6_len_override_ = len;
  return *this;
}

PacketBuilder& PacketBuilder::override_udp_length(uint16_t len) {
  udp_len_override_ = len;
  return *this;
}

PacketBuilder& PacketBuilder::override_l4_checksum(uint16_t value) {
  l4_csum_override_ = value;
  return *this;
}

std::vector<uint8_t> PacketBuilder::build() const {
  // L4 header + payload first: IP lengths and the pseudo-header need its size.
  std::vector<uint8_t> l4;
  size_t csum_at = 0;  // offset of the checksum field inside l4, when there is one
  uint8_t proto = 0;
  switch (l4_) {
    case L4::udp:
      l4.resize(8);
      put16(l4, 0, sport_);
      put16(l4, 2, dport_);
      csum_at = 6;
      proto = kProtoUdp;
      break;
    case L4::tcp:
      l4.resize(20);
      put16(l4, 0, sport_);
      put16(l4, 2, dport_);
      put32(l4, 4, seq_);
      put32(l4, 8, ack_);
      l4[12] = static_cast<uint8_t>(((20 + tcp_opts_.size()) / 4) << 4);
      l4[13] = tcp_flags_;
      put16(l4, 14, window_);
      append(l4, tcp_opts_);
      csum_at = 16;
      proto = kProtoTcp;
      break;
    case L4::icmp:
      l4.resize(8);
      l4[0] = icmp_type_;
      l4[1] = icmp_code_;
      put16(l4, 4, icmp_id_);
      put16(l4, 6, icmp_seq_);
      csum_at = 2;
      proto = l3_ == L3::ipv6 ? kProtoIcmpv6 : kProtoIcmp;
      break;
    case L4::none:
      proto = l3_ == L3::ipv6 && payload_.empty() ? kProtoNoNext : kProtoExperimental;
      break;
  }
  append(l4, payload_);
  if (l4_ == L4::udp) {
    if (l4.size() > 0xffff) throw std::invalid_argument("udp: datagram too long");
    put16(l4, 4, udp_len_override_.value_or(static_cast<uint16_t>(l4.size())));
  }
  if (proto_override_) proto = *proto_override_;

  auto fill_l4_checksum = [&](uint32_t pseudo) {
    if (l4_ == L4::none) return;
    uint16_t c = checksum_finish(checksum_partial(l4.data(), l4.size(), pseudo));
    if (l4_ == L4::udp && c == 0) c = 0xffff;  // 0 means "no checksum" on the wire
    if (corrupt_l4_csum_) {
      c ^= 0x5a5a;
      if (c == 0) c = 0x1234;
    }
    put16(l4, csum_at, l4_csum_override_.value_or(c));
  };

  std::vector<uint8_t> l3;
  uint16_t etype = 0x88b5;
  switch (l3_) {
    case L3::arp: {
      etype = 0x0806;
      l3.resize(28);
      put16(l3, 0, 1);
      put16(l3, 2, 0x0800);
      l3[4] = 6;
      l3[5] = 4;
      put16(l3, 6, arp_op_);
      std::copy(arp_sha_.begin(), arp_sha_.end(), l3.begin() + 8);
      std::copy(arp_spa_.begin(), arp_spa_.end(), l3.begin() + 14);
      std::copy(arp_tha_.begin(), arp_tha_.end(), l3.begin() + 18);
      std::copy(arp_tpa_.begin(), arp_tpa_.end(), l3.begin() + 24);
      append(l3, payload_);
      break;
    }
    case L3::ipv4: {
      etype = 0x0800;
      const size_t hlen = 20 + v4_opts_.size();
      const size_t tot = hlen + l4.size();
      if (tot > 0xffff) throw std::invalid_argument("ipv4: datagram too long");
      fill_l4_checksum(l4_ == L4::icmp ? 0
                                       : pseudo_header_ipv4(v4_src_.data(), v4_dst_.data(), proto,
                                                            static_cast<uint16_t>(l4.size())));
      l3.resize(20);
      l3[0] = static_cast<uint8_t>(0x40 | hlen / 4);
      l3[1] = tos_;
      put16(l3, 2, v4_len_override_.value_or(static_cast<uint16_t>(tot)));
      put16(l3, 4, ip_id_);
      put16(l3, 6, frag_field_);
      l3[8] = ttl_;
      l3[9] = proto;
      std::copy(v4_src_.begin(), v4_src_.end(), l3.begin() + 12);
      std::copy(v4_dst_.begin(), v4_dst_.end(), l3.begin() + 16);
      append(l3, v4_opts_);
      uint16_t c = checksum_finish(checksum_partial(l3.data(), l3.size()));
      if (corrupt_ip_csum_) c ^= 0x5a5a;
      put16(l3, 10, c);
      append(l3, l4);
      break;
    }
    case L3::ipv6: {
      etype = 0x86dd;
      fill_l4_checksum(pseudo_header_ipv6(v6_src_.data(), v6_dst_.data(),
                                          proto,
                                          static_cast<uint32_t>(l4.size())));
      l3.resize(40);
      put32(l3, 0, 6u << 28 | static_cast<uint32_t>(tclass_) << 20 | flow_label_);
      l3[6] = exts_.empty() ? proto : exts_.front().type;
      l3[7] = ttl_;
      std::copy(v6_src_.begin(), v6_src_.end(), l3.begin() + 8);
      std::copy(v6_dst_.begin(), v6_dst_.end(), l3.begin() + 24);
      for (size_t i = 0; i < exts_.size(); ++i) {
        size_t at = l3.size();
        append(l3, exts_[i].bytes);
        l3[at] = i + 1 < exts_.size() ? exts_[i + 1].type : proto;
      }
      append(l3, l4);
      if (l3.size() - 40 > 0xffff) throw std::invalid_argument("ipv6: payload too long");
      put16(l3, 4, v6_len_override_.value_or(static_cast<uint16_t>(l3.size() - 40)));
      break;
    }
    case L3::none:
      l3 = std::move(l4);
      break;
  }

  std::vector<uint8_t> f(12);
  std::copy(dst_mac_.begin(), dst_mac_.end(), f.begin());
  std::copy(src_mac_.begin(), src_mac_.end(), f.begin() + 6);
  for (const Vlan& v : vlans_) {
    f.resize(f.size() + 4);
    put16(f, f.size() - 4, v.tpid);
    put16(f, f.size() - 2, v.tci);
  }
  f.resize(f.size() + 2);
  put16(f, f.size() - 2, ethertype_.value_or(etype));
  append(f, l3);
  if (f.size() < pad_to_) f.resize(pad_to_, 0);
  return f;
}

}  // namespace rampart::proto

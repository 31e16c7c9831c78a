// libFuzzer target for the L2-L4 parser and the L4 checksum check.
//
// Input: one control byte, then the frame. The control byte picks how many leading bytes are
// "contiguous" (the first mbuf segment); only those are copied into an exactly-sized buffer, so
// ASan reports any header read that strays past `contiguous`.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "proto/packet.h"

using namespace rampart::proto;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool same(const ParsedPacket& x, const ParsedPacket& y) {
  // Field by field: memcmp would also compare padding bytes, which assignment need not copy.
  return x.outer_vlan == y.outer_vlan && x.inner_vlan == y.inner_vlan &&
         x.ethertype == y.ethertype && x.flags == y.flags && x.l3 == y.l3 &&
         x.l4_proto == y.l4_proto && x.tcp_flags == y.tcp_flags && x.icmp_type == y.icmp_type &&
         x.l3_offset == y.l3_offset && x.l4_offset == y.l4_offset &&
         x.payload_offset == y.payload_offset && x.payload_len == y.payload_len &&
         x.l3_len == y.l3_len && x.src_port == y.src_port && x.dst_port == y.dst_port;
}

// What an accepted frame promises its consumers.
void check_invariants(const ParsedPacket& p, uint32_t contiguous, uint32_t total) {
  check(static_cast<uint32_t>(p.l3_offset) + p.l3_len <= total);
  if (p.l3 == L3Kind::none) return;
  check(p.l3_offset <= contiguous);
  check(p.l4_offset <= contiguous);
  if (p.flags & pkt_flag::l4_parsed) {
    check(p.l4_offset >= p.l3_offset + 20u);
    check(p.payload_offset <= contiguous);
    check(p.payload_offset >= p.l4_offset + 4u);
    check(static_cast<uint32_t>(p.payload_offset) + p.payload_len <=
          static_cast<uint32_t>(p.l3_offset) + p.l3_len);
  }
  if (p.flags & pkt_flag::later_fragment) check(!(p.flags & pkt_flag::l4_parsed));
  if (p.flags & pkt_flag::qinq) check(p.flags & pkt_flag::vlan);
}

template <size_t N>
void swap_bytes(uint8_t* a, uint8_t* b) {
  uint8_t t[N];
  std::memcpy(t, a, N);
  std::memcpy(a, b, N);
  std::memcpy(b, t, N);
}

// parse_packet's IPv4 UDP/TCP fast path must answer exactly as the general walk does, for every
// input and both option sets.
void check_fast_path(const uint8_t* data, uint32_t contiguous, uint32_t total, const ParseOptions& o) {
  ParsedPacket x, y;
  const ParseError ex = parse_packet(data, contiguous, total, o, x);
  const ParseError ey = detail::parse_packet_general(data, contiguous, total, o, y);
  check(ex == ey);
  if (ex == ParseError::ok) check(same(x, y));
}

// The reverse direction of an accepted flow must hash the same (and hashing reads nothing past
// the bytes the parse accepted: ASan).
void check_symmetry(const uint8_t* data, uint32_t len, const ParsedPacket& p) {
  if (p.l3 == L3Kind::none) return;
  std::unique_ptr<uint8_t[]> r(new uint8_t[len]);
  std::memcpy(r.get(), data, len);
  uint8_t* l3 = r.get() + p.l3_offset;
  if (p.l3 == L3Kind::ipv4) swap_bytes<4>(l3 + 12, l3 + 16);
  else if (p.l3 == L3Kind::ipv6) swap_bytes<16>(l3 + 8, l3 + 24);
  else swap_bytes<10>(l3 + 8, l3 + 18);  // ARP sender <-> target
  if ((p.flags & pkt_flag::l4_parsed) && (p.l4_proto == 6 || p.l4_proto == 17))
    swap_bytes<2>(r.get() + p.l4_offset, r.get() + p.l4_offset + 2);
  ParsedPacket q;
  const ParseOptions none{.verify_ipv4_checksum = false, .verify_l4_checksum = false};
  check(parse_packet(r.get(), len, none, q) == ParseError::ok);
  check(flow_hash(r.get(), q) == flow_hash(data, p));
  check(q.src_port == p.dst_port && q.dst_port == p.src_port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
  if (size < 1 || size > 0x20000) return 0;
  const uint8_t ctl = in[0];
  const auto total = static_cast<uint32_t>(size - 1);
  std::unique_ptr<uint8_t[]> frame(new uint8_t[total ? total : 1]);
  std::memcpy(frame.get(), in + 1, total);

  const ParseOptions all{.verify_ipv4_checksum = true, .verify_l4_checksum = true};
  const ParseOptions none{.verify_ipv4_checksum = false, .verify_l4_checksum = false};

  ParsedPacket a, b;
  const ParseError ea = parse_packet(frame.get(), total, all, a);
  const ParseError eb = parse_packet(frame.get(), total, none, b);
  check(ea < ParseError::count_ && eb < ParseError::count_);
  check(!to_string(ea).empty());
  if (ea == ParseError::ok) {
    // Verification can only refuse more, never parse differently.
    check(eb == ParseError::ok);
    check(same(a, b));
    check(verify_l4_checksum(frame.get(), total, a));
  }
  if (eb == ParseError::ok) {
    check_invariants(b, total, total);
    const bool sum_ok = verify_l4_checksum(frame.get(), total, b);
    if (!(b.flags & pkt_flag::fragment) && !sum_ok && (b.flags & pkt_flag::l4_parsed)) {
      check(ea == ParseError::l4_bad_checksum || ea == ParseError::ipv4_bad_checksum);
    }
    check_symmetry(frame.get(), total, b);
  }

  // The same frame as a chain whose first segment holds only `contiguous` bytes.
  const uint32_t contiguous = static_cast<uint32_t>((static_cast<uint64_t>(total) * ctl) / 255);
  std::unique_ptr<uint8_t[]> head(new uint8_t[contiguous ? contiguous : 1]);
  std::memcpy(head.get(), frame.get(), contiguous);
  ParsedPacket c;
  const ParseError ec = parse_packet(head.get(), contiguous, total, all, c);
  check(ec < ParseError::count_);
  if (ec == ParseError::ok) {
    check_invariants(c, contiguous, total);
    (void)verify_l4_checksum(head.get(), contiguous, c);
    (void)flow_hash(head.get(), c);  // reads only headers the parse found within `contiguous`
  }
  for (const ParseOptions& o : {all, none}) {
    check_fast_path(frame.get(), total, total, o);
    check_fast_path(head.get(), contiguous, total, o);
  }
  // A short first segment can hide errors but never invent a different packet.
  if (ec == ParseError::ok && contiguous == total) check(same(a, c));
  return 0;
}

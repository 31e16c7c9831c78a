// libFuzzer target for the ICMP echo responder's rewrite (proto/icmp_echo). The input fills an
// echo request frame (addresses, TTL, identifier, sequence, data, optionally a VLAN tag, and
// either the correct ICMP checksum or the input's own); the parser must accept it as a plain echo
// request, and the rewritten reply must parse, be an echo reply with the addresses swapped, and
// carry a valid ICMP checksum exactly when the request did (the incremental update of RFC 1624
// against a full recomputation by verify_l4_checksum).
#include <cstdint>
#include <cstring>
#include <vector>

#include "proto/checksum.h"
#include "proto/icmp_echo.h"
#include "proto/packet.h"

using namespace rampart::proto;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
constexpr uint8_t kOurs[6] = {0x02, 0xaa, 0, 0, 0, 1};
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // control(1) src(4) dst(4) ttl(1) icmp id+seq(4) icmp checksum(2) data(rest, <= 1400)
  if (size < 16 || size > 16 + 1400) return 0;
  const uint8_t control = data[0];
  const bool tagged = control & 1, good_checksum = control & 2;
  const size_t l3 = tagged ? 18 : 14, payload = size - 16;
  std::vector<uint8_t> f(l3 + 20 + 8 + payload);
  std::memset(f.data(), 0x11, 6);
  std::memcpy(f.data() + 6, "\x02\x00\x00\x00\x00\x0a", 6);
  if (tagged) {
    put16(&f[12], 0x8100);
    put16(&f[14], 42);
  }
  put16(&f[l3 - 2], 0x0800);
  uint8_t* ip = &f[l3];
  ip[0] = 0x45;
  put16(ip + 2, static_cast<uint16_t>(20 + 8 + payload));
  ip[8] = data[9] ? data[9] : 1;
  ip[9] = 1;
  std::memcpy(ip + 12, data + 1, 8);
  put16(ip + 10, checksum_finish(checksum_partial(ip, 20)));
  uint8_t* icmp = ip + 20;
  icmp[0] = 8;
  std::memcpy(icmp + 4, data + 10, 4);
  std::memcpy(icmp + 8, data + 16, payload);
  if (good_checksum) put16(icmp + 2, checksum_finish(checksum_partial(icmp, 8 + payload)));
  else std::memcpy(icmp + 2, data + 14, 2);

  const auto len = static_cast<uint32_t>(f.size());
  ParsedPacket p;
  check(parse_packet(f.data(), len, ParseOptions{}, p) == ParseError::ok);
  check(is_plain_icmp_echo_request(p));
  const bool was_valid = verify_l4_checksum(f.data(), len, p);
  if (good_checksum) check(was_valid);
  check(ipv4_destination(f.data(), p) == (uint32_t{data[5]} << 24 | uint32_t{data[6]} << 16 |
                                          uint32_t{data[7]} << 8 | data[8]));
  make_icmp_echo_reply_in_place(f.data(), p, kOurs);
  ParsedPacket r;
  check(parse_packet(f.data(), len, ParseOptions{}, r) == ParseError::ok);  // header checksum too
  check(r.l3 == L3Kind::ipv4 && r.l4_proto == 1 && r.icmp_type == 0);
  check(std::memcmp(ip + 12, data + 5, 4) == 0 && std::memcmp(ip + 16, data + 1, 4) == 0);
  check(std::memcmp(f.data(), "\x02\x00\x00\x00\x00\x0a", 6) == 0 && std::memcmp(f.data() + 6, kOurs, 6) == 0);
  check(std::memcmp(icmp + 4, data + 10, 4) == 0 && std::memcmp(icmp + 8, data + 16, payload) == 0);
  check(verify_l4_checksum(f.data(), len, r) == was_valid);
  return 0;
}

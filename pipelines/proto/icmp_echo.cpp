#include "proto/icmp_echo.h"

#include <cstring>

#include "proto/checksum.h"

namespace rampart::proto {

namespace {
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kEchoRequest = 8;
constexpr uint8_t kDefaultTtl = 64;
}  // namespace

bool is_plain_icmp_echo_request(const ParsedPacket& p) noexcept {
  return p.l3 == L3Kind::ipv4 && p.l4_proto == kIcmp && (p.flags & pkt_flag::l4_parsed) &&
         p.icmp_type == kEchoRequest &&
         !(p.flags & (pkt_flag::fragment | pkt_flag::ipv4_options | pkt_flag::qinq));
}

uint32_t ipv4_destination(const uint8_t* frame, const ParsedPacket& p) noexcept {
  const uint8_t* d = frame + p.l3_offset + 16;
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
}

uint32_t ipv4_source(const uint8_t* frame, const ParsedPacket& p) noexcept {
  const uint8_t* d = frame + p.l3_offset + 12;
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
}

void make_icmp_echo_reply_in_place(uint8_t* frame, const ParsedPacket& p,
                                   const uint8_t our_mac[6]) noexcept {
  std::memcpy(frame, frame + 6, 6);
  std::memcpy(frame + 6, our_mac, 6);
  uint8_t* ip = frame + p.l3_offset;
  uint8_t tmp[4];
  std::memcpy(tmp, ip + 12, 4);
  std::memcpy(ip + 12, ip + 16, 4);
  std::memcpy(ip + 16, tmp, 4);
  ip[8] = kDefaultTtl;
  ip[10] = ip[11] = 0;
  const uint16_t hc = checksum_finish(checksum_partial(ip, 20));
  ip[10] = static_cast<uint8_t>(hc >> 8);
  ip[11] = static_cast<uint8_t>(hc);
  // Type 8 -> 0 lowers the first 16-bit word by 0x0800: HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3).
  uint8_t* icmp = frame + p.l4_offset;
  const uint32_t old_sum = static_cast<uint16_t>(~(icmp[2] << 8 | icmp[3]));
  uint32_t sum = old_sum + static_cast<uint16_t>(~(icmp[0] << 8 | icmp[1]));
  icmp[0] = 0;
  sum += static_cast<uint32_t>(icmp[0] << 8 | icmp[1]);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  auto c = static_cast<uint16_t>(~sum);
  // Eqn. 3 yields 0x0000 when the new message sums to zero (e.g. identifier, sequence and data all
  // zero), which no receiver accepts; 0xffff is then the valid form (found by fuzz-icmp-echo).
  if (c == 0) c = 0xffff;
  icmp[2] = static_cast<uint8_t>(c >> 8);
  icmp[3] = static_cast<uint8_t>(c);
}

}  // namespace rampart::proto

// libFuzzer target for the ARP codec (proto/arp): parse_arp over an exactly-sized copy of the
// input (ASan catches any read past it), the promises of an accepted message, and the
// parse -> reply-in-place -> parse round trip the responder relies on.
#include <cstdint>
#include <cstring>
#include <memory>

#include "proto/arp.h"
#include "proto/packet.h"

using namespace rampart::proto;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr ArpMac kOurs = {0x02, 0xaa, 0, 0, 0, 1};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = std::make_unique<uint8_t[]>(size);
  if (size) std::memcpy(body.get(), data, size);
  ArpMessage m;
  const ArpError e = parse_arp(body.get(), size, m);
  check(static_cast<uint8_t>(e) < static_cast<uint8_t>(ArpError::count_));
  if (size < kArpLen) check(e == ArpError::truncated);
  if (e != ArpError::ok) return 0;
  check(m.op == kArpRequest || m.op == kArpReply);
  check((m.sha[0] & 1) == 0);
  // Reply in place inside a frame (Ethernet header + the body), then parse the reply back.
  uint8_t frame[14 + kArpLen];
  std::memset(frame, 0, 14);
  std::memcpy(frame + 14, body.get(), kArpLen);
  make_arp_reply_in_place(frame, 14, m, kOurs);
  ArpMessage r;
  const ArpError re = parse_arp(frame + 14, kArpLen, r);
  // The reply's sender IP is the address asked for; one that cannot be a sender (no host address,
  // but a probe's 0.0.0.0) is refused on the way back, and is never ours (the config refuses it).
  const bool group_target = m.tpa != 0 && !ipv4_host_address(m.tpa);
  check(re == (group_target ? ArpError::bad_sender : ArpError::ok));
  if (re != ArpError::ok) return 0;
  check(r.op == kArpReply && r.sha == kOurs && r.spa == m.tpa && r.tha == m.sha && r.tpa == m.spa);
  check(std::memcmp(frame, m.sha.data(), 6) == 0 && std::memcmp(frame + 6, kOurs.data(), 6) == 0);
  // Frames we write parse as what we asked for, tagged or not.
  uint8_t out[kArpFrameMax];
  const uint16_t vlan = static_cast<uint16_t>(m.tpa & 0x0fff);
  const size_t n = write_arp_request(out, kOurs, m.tpa, m.spa, vlan);
  check(n == kArpFrameMax);
  const size_t l3 = vlan ? 18 : 14;
  ArpMessage q;
  const ArpError qe = parse_arp(out + l3, n - l3, q);
  // Our own sender IP may be one parse_arp refuses as a sender (multicast): nothing else.
  check(qe == ArpError::ok || qe == ArpError::bad_sender);
  if (qe == ArpError::ok) check(q.op == kArpRequest && q.spa == m.tpa && q.tpa == m.spa);
  return 0;
}

// Every way a packet can die, as a named counter (VPP-style error counters).
// The first values mirror proto::ParseError one to one so classify can convert without a table.
#pragma once

#include <cstdint>
#include <string_view>

#include "proto/packet.h"

namespace rampart::core {

inline constexpr uint16_t kParseErrorCount = static_cast<uint16_t>(proto::ParseError::count_);

enum class DropReason : uint16_t {
  none = 0,
  // kParseErrorCount - 1 values follow implicitly: one per proto::ParseError (malformed input).
  policy = kParseErrorCount,  // the path's policy says drop
  no_route,                   // bump-in-the-wire with no peer port configured
  ring_full,                  // the ring to another lcore was full
  tx_full,                    // the port's TX queue did not take the packet
  stage_overflow,             // a stage produced more packets than one pass can carry
  shutdown,                   // still in flight when a forced stop gave up draining
  arp_bad_op,                 // ARP operation other than request (1) or reply (2)
  arp_bad_sender,             // ARP sender MAC multicast/broadcast or sender IP multicast/broadcast
  rate_limited,               // a reply we would have sent exceeded its per-target/per-port rate
  arp_queue_full,             // no room in the queue of packets waiting for ARP resolution
  arp_unresolved,             // waited for ARP resolution longer than the timeout
  arp_reply_consumed,         // an ARP reply addressed to us: learnt from, not forwarded
  icmp_bad_source,            // an echo request to us from a broadcast/multicast/0/8/127/8 source
  count_
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::count_);

constexpr DropReason drop_reason_of(proto::ParseError e) {
  return static_cast<DropReason>(static_cast<uint16_t>(e));
}

std::string_view to_string(DropReason r);

}  // namespace rampart::core

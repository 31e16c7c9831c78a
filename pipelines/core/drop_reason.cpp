#include "core/drop_reason.h"

namespace rampart::core {

std::string_view to_string(DropReason r) {
  const auto v = static_cast<uint16_t>(r);
  if (v > 0 && v < kParseErrorCount) return proto::to_string(static_cast<proto::ParseError>(v));
  switch (r) {
    case DropReason::none: return "none";
    case DropReason::policy: return "policy_drop";
    case DropReason::no_route: return "no_route";
    case DropReason::ring_full: return "ring_full";
    case DropReason::tx_full: return "tx_full";
    case DropReason::stage_overflow: return "stage_overflow";
    case DropReason::shutdown: return "shutdown";
    case DropReason::arp_bad_op: return "arp_bad_op";
    case DropReason::arp_bad_sender: return "arp_bad_sender";
    case DropReason::rate_limited: return "rate_limited";
    case DropReason::arp_queue_full: return "arp_queue_full";
    case DropReason::arp_reply_consumed: return "arp_reply_consumed";
    case DropReason::arp_unresolved: return "arp_unresolved";
    case DropReason::icmp_bad_source: return "icmp_bad_source";
    default: return "unknown";
  }
}

}  // namespace rampart::core

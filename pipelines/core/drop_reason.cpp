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
    default: return "unknown";
  }
}

}  // namespace rampart::core

// The stages a packet can visit. The enum order is the topological order of the pipeline:
// every stage only hands packets to stages with a larger id, which lets one lcore run a whole
// burst through its local stages in a single pass.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rampart::core {

enum class StageId : uint8_t { classify = 0, arp, dns, tcp, other, tx, count_ };

inline constexpr size_t kStageCount = static_cast<size_t>(StageId::count_);

inline constexpr std::array<std::string_view, kStageCount> kStageNames = {
    "classify", "arp", "dns", "tcp", "other", "tx"};

constexpr std::string_view to_string(StageId s) { return kStageNames[static_cast<size_t>(s)]; }
constexpr size_t index(StageId s) { return static_cast<size_t>(s); }

inline std::optional<StageId> stage_from_string(std::string_view name) {
  for (size_t i = 0; i < kStageCount; ++i)
    if (kStageNames[i] == name) return static_cast<StageId>(i);
  return std::nullopt;
}

// Where a stage sends a packet next. Values below kStageCount name a stage.
namespace dest {
inline constexpr uint8_t drop = 0xfe;  // free it and count meta.drop_reason
inline constexpr uint8_t by_index = 0xfd;  // StageContext::routing: see StageContext::next_of
inline constexpr uint8_t none = 0xff;      // StageContext::routing: by each packet's metadata
}  // namespace dest

}  // namespace rampart::core

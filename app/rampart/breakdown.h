// A counter array shown as {name: count}, bounded: DPDK 22.11 drops dict entries past 256 on the
// socket, and a reply past 16 KiB altogether, without a word; a sender controls how many distinct
// DNS types and classes there are. So a breakdown keeps its kBreakdownEntries largest entries (in
// slot order) and sums the rest into OTHER, which also holds what has no slot of its own.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"

namespace rampart::app {

inline constexpr size_t kBreakdownEntries = 48;

// Zero counts are left out. `other_slot` (>= N for none) is the slot that already means OTHER.
template <size_t N>
json::Value breakdown(const std::array<uint64_t, N>& counts, std::string (*name)(uint16_t), size_t other_slot,
                      size_t limit = kBreakdownEntries) {
  std::vector<size_t> slots;
  for (size_t i = 0; i < N; ++i)
    if (counts[i] && i != other_slot) slots.push_back(i);
  uint64_t other = other_slot < N ? counts[other_slot] : 0;
  if (slots.size() > limit) {
    std::stable_sort(slots.begin(), slots.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
    for (size_t k = limit; k < slots.size(); ++k) other += counts[slots[k]];
    slots.resize(limit);
    std::sort(slots.begin(), slots.end());
  }
  json::Value v = json::Value::object();
  for (size_t i : slots) v.set(name(static_cast<uint16_t>(i)), counts[i]);
  if (other) v.set("OTHER", other);
  return v;
}

}  // namespace rampart::app

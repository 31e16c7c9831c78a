// The open-addressing index shared by the DNS stage's tables (SpaceSaving, HeavyKeys,
// TcpFlowTable): a power-of-two array of uint32_t slots, 0 = empty, linear probing from the slot
// named by a key hash's low bits. Deletion shifts later entries back instead of leaving
// tombstones, so a probe always stops at the first empty slot and a table that churns (entries
// replaced all the time) never needs a rebuild.
#pragma once

#include <cstdint>

namespace rampart::dns {

// The first empty slot at or after the home slot of `hash`.
inline uint32_t probe_free(const uint32_t* idx, uint32_t mask, uint64_t hash) noexcept {
  uint32_t s = static_cast<uint32_t>(hash) & mask;
  while (idx[s] != 0) s = (s + 1) & mask;
  return s;
}

// Empties `slot` by backward-shift deletion: each later entry of the probe run moves into the
// hole when the hole lies between its home slot and where it sits. `hash_of(v)` is the hash of
// the key held by slot value `v`.
template <class HashOf>
void backshift_erase(uint32_t* idx, uint32_t mask, uint32_t slot, HashOf&& hash_of) noexcept {
  uint32_t hole = slot, j = slot;
  for (;;) {
    j = (j + 1) & mask;
    const uint32_t v = idx[j];
    if (v == 0) break;
    const uint32_t home = static_cast<uint32_t>(hash_of(v)) & mask;
    if (((hole - home) & mask) < ((j - home) & mask)) {
      idx[hole] = v;
      hole = j;
    }
  }
  idx[hole] = 0;
}

}  // namespace rampart::dns

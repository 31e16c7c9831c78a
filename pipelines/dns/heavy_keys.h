// The keys a detector looks at closely in one window (registered domains, addresses receiving
// responses), chosen by weight rather than by arrival: `Slots` entries carry the full per-key
// statistics (`Stats`), and a count-min sketch (2 rows of `kWidth` saturating counters) weighs
// every key that is not tracked. A key is admitted once its estimated weight in the window reaches
// `admit`: into a free slot, or in place of the lightest of a few tracked keys when it is heavier
// than that one. Why: with first-come slots, the domain under attack was never looked at when
// `Slots` ordinary domains had been queried earlier in the window; with a full heavy-hitter
// summary (space-saving) every query of an untracked key would move entries and reset their
// statistics.
//
// Cost per call: one probe of a 2*Slots-entry index with hash tags (hot in L1); then either the
// entry (tracked) or the two sketch counters (untracked, 8 KiB of sketch). A replacement attempt, which reads
// kSample entries, is made for one in kAttemptEvery over-threshold untracked calls, so a crowd of
// ordinary keys above `admit` costs the same as one below it. No allocation after construction.
//
// A key admitted late misses its earlier weight: `before` holds the sketch's estimate of it (an
// over-estimate), `weight` what the entry saw itself; its Stats describe only the tracked part.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "dns/hash.h"
#include "dns/probe_index.h"

namespace rampart::dns {

template <size_t KeyCap, class Stats, uint32_t Slots>
class HeavyKeys {
  static_assert(Slots >= 4 && Slots <= 32768 && (Slots & (Slots - 1)) == 0, "2^n slots, indexes in 16 bits");

 public:
  static constexpr uint32_t kWidth = 1024;        // sketch counters per row
  static constexpr uint32_t kSample = 4;          // tracked keys compared per replacement attempt
  static constexpr uint32_t kAttemptEvery = 8;    // over-threshold untracked calls per attempt

  struct Entry {
    uint64_t hash;
    uint64_t weight;  // since it was admitted (the admitting call included)
    uint64_t before;  // sketch estimate of its weight before that call
    uint8_t len;
    uint8_t key[KeyCap];
    Stats s;
    uint64_t total() const noexcept { return before + weight; }
  };

  HeavyKeys() : e_(new Entry[Slots]) { clear(); }

  void set_admit(uint64_t admit) noexcept { admit_ = admit ? admit : 1; }

  // The tracked entry of `key` after adding `weight` to it, or nullptr when the key is not tracked.
  // A new entry's Stats are reset with Stats::clear().
  Entry* track(const uint8_t* key, size_t len, uint64_t hash, uint32_t weight) noexcept {
    if (len > KeyCap) len = KeyCap;
    const uint32_t tag = tag_of(hash);
    uint32_t s = static_cast<uint32_t>(hash) & kIndexMask;
    for (;;) {
      const uint32_t v = index_[s];
      if (v == 0) break;
      if ((v & ~kIdxMask) == tag) {
        Entry& e = e_[(v & kIdxMask) - 1];
        if (e.hash == hash && e.len == len && keys_equal(e.key, key, len)) {
          e.weight += weight;
          return &e;
        }
      }
      s = (s + 1) & kIndexMask;
    }
    const uint64_t est = sketch_add(hash, weight);
    if (est < admit_) return nullptr;
    uint32_t idx;
    if (n_ < Slots) {
      idx = n_++;
    } else {
      if (++attempts_ % kAttemptEvery) return nullptr;
      idx = lightest();
      if (e_[idx].total() >= est) return nullptr;
      index_erase(idx);
      s = probe_free(index_.data(), kIndexMask, hash);
      ++replaced_;
    }
    Entry& e = e_[idx];
    e.hash = hash;
    e.weight = weight;
    e.before = est - weight;
    e.len = static_cast<uint8_t>(len);
    std::memcpy(e.key, key, len);
    e.s.clear();
    index_[s] = tag | (idx + 1);
    return &e;
  }

  // Forgets the window: entries, index and sketch.
  void clear() noexcept {
    n_ = 0;
    index_.fill(0);
    std::memset(sketch_, 0, sizeof sketch_);
  }

  uint32_t size() const noexcept { return n_; }
  Entry& entry(uint32_t i) noexcept { return e_[i]; }
  const Entry& entry(uint32_t i) const noexcept { return e_[i]; }
  // Since construction: keys admitted in place of another key.
  uint64_t replaced() const noexcept { return replaced_; }

 private:
  static constexpr uint32_t kIndexMask = 2 * Slots - 1;
  // An index slot holds the entry index + 1 in its low 16 bits and 16 bits of the key's hash
  // above them: a probe past other keys' slots compares tags and never loads their entries (a
  // cache line each), which is most of the cost of a key that is not tracked.
  static constexpr uint32_t kIdxMask = 0xffff;
  static uint32_t tag_of(uint64_t hash) noexcept { return static_cast<uint32_t>(hash >> 48) << 16; }

  // Adds to both rows (saturating) and returns the smaller: an estimate that never under-counts.
  uint64_t sketch_add(uint64_t hash, uint32_t weight) noexcept {
    uint32_t& a = sketch_[0][static_cast<uint32_t>(hash) % kWidth];
    uint32_t& b = sketch_[1][static_cast<uint32_t>(hash >> 32) % kWidth];
    a = a > UINT32_MAX - weight ? UINT32_MAX : a + weight;
    b = b > UINT32_MAX - weight ? UINT32_MAX : b + weight;
    return std::min(a, b);
  }
  // The lightest of the next kSample entries under a rotating hand: an approximate minimum in
  // O(1); a heavy newcomer wins within a few attempts.
  uint32_t lightest() noexcept {
    uint32_t best = hand_ % Slots;
    for (uint32_t k = 1; k < kSample; ++k) {
      const uint32_t i = (hand_ + k) % Slots;
      if (e_[i].total() < e_[best].total()) best = i;
    }
    hand_ += kSample;
    return best;
  }
  void index_erase(uint32_t idx) noexcept {
    uint32_t slot = static_cast<uint32_t>(e_[idx].hash) & kIndexMask;
    while ((index_[slot] & kIdxMask) != idx + 1) slot = (slot + 1) & kIndexMask;
    backshift_erase(index_.data(), kIndexMask, slot, [this](uint32_t v) { return e_[(v & kIdxMask) - 1].hash; });
  }

  std::unique_ptr<Entry[]> e_;
  std::array<uint32_t, 2 * Slots> index_{};  // tag | entry index + 1, 0 = empty
  uint32_t sketch_[2][kWidth];
  uint32_t n_ = 0;
  uint32_t hand_ = 0;
  uint64_t attempts_ = 0;
  uint64_t admit_ = 1;
  uint64_t replaced_ = 0;
};

}  // namespace rampart::dns

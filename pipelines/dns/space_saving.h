// Top-N heavy hitters in bounded memory: the Space-Saving algorithm (Metwally, Agrawal, El Abbadi,
// "Efficient Computation of Frequent and Top-k Elements in Data Streams", 2005). K counters; a new
// key replaces the key with the smallest count and inherits that count (+1) as its possible
// over-estimate (`error`). Every key whose true frequency exceeds total/K is guaranteed to be in
// the summary, and count - error <= true count <= count.
//
// Data-plane cost per add: one hash-index probe (open addressing, 2K..4K slots) and a sift in a
// binary min-heap of K entries (log2 K swaps at worst). The heap holds (count, entry) pairs, the
// counts duplicated out of the entries: a sift then walks one small array (16 bytes per node)
// instead of touching a ~280-byte entry per comparison -- with keys repeating at similar rates an
// increment sinks the entry through most of the heap. No allocation after construction.
//
// One lcore writes; control threads read through publish()/read(): the writer copies its summary
// into a published buffer under a sequence counter from its flush() hook, readers copy that
// buffer and retry when they raced a publication. Readers therefore see the state of the last
// publication, never a torn entry.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/seqcount.h"
#include "dns/hash.h"
#include "dns/probe_index.h"

namespace rampart::dns {

template <size_t KeyCap>
class SpaceSaving {
 public:
  struct Entry {
    uint64_t count;
    uint64_t error;
    uint64_t hash;
    uint8_t len;
    uint8_t key[KeyCap];
  };
  // What a reader gets.
  struct Item {
    std::string key;  // raw key bytes
    uint64_t count;
    uint64_t error;
  };

  explicit SpaceSaving(uint32_t capacity) : cap_(std::max<uint32_t>(capacity, 1)) {
    e_.reset(new Entry[cap_]);
    heap_.reset(new Node[cap_]);
    pos_.reset(new uint32_t[cap_]);
    uint32_t isz = 4;
    while (isz < 2 * cap_) isz <<= 1;
    index_.reset(new uint32_t[isz]);
    std::fill_n(index_.get(), isz, 0u);
    imask_ = isz - 1;
    pub_.reset(new Entry[cap_]);
  }

  void add(const uint8_t* key, size_t len, uint64_t hash, uint64_t weight = 1) noexcept {
    if (len > KeyCap) len = KeyCap;
    total_ += weight;
    uint32_t slot = static_cast<uint32_t>(hash) & imask_;
    for (;;) {
      const uint32_t v = index_[slot];
      if (v == 0) break;
      Entry& e = e_[v - 1];
      if (e.hash == hash && e.len == len && keys_equal(e.key, key, len)) {
        e.count += weight;
        const uint32_t at = pos_[v - 1];
        heap_[at].count = e.count;
        sift_down(at);
        return;
      }
      slot = (slot + 1) & imask_;
    }
    uint32_t idx;
    uint64_t base = 0;
    const bool fresh = n_ < cap_;
    if (fresh) {
      idx = n_++;
      pos_[idx] = idx;
    } else {
      idx = heap_[0].idx;
      base = heap_[0].count;
      index_erase(idx);
      slot = probe_free(index_.get(), imask_, hash);
    }
    Entry& e = e_[idx];
    e.count = base + weight;
    e.error = base;
    e.hash = hash;
    e.len = static_cast<uint8_t>(len);
    std::memcpy(e.key, key, len);
    index_[slot] = idx + 1;
    heap_[pos_[idx]] = {e.count, idx};
    if (fresh) sift_up(pos_[idx]);
    else sift_down(pos_[idx]);
  }

  // Forgets everything (writer side), e.g. at the start of a detection window. Cost: the index.
  void clear() noexcept {
    std::fill_n(index_.get(), imask_ + 1, 0u);
    n_ = 0;
    total_ = 0;
  }
  // The entry with the largest count, or nullptr when empty (writer side; O(K)).
  const Entry* max_entry() const noexcept {
    const Entry* best = nullptr;
    for (uint32_t i = 0; i < n_; ++i)
      if (!best || e_[i].count > best->count) best = &e_[i];
    return best;
  }

  uint32_t size() const noexcept { return n_; }
  uint32_t capacity() const noexcept { return cap_; }
  uint64_t total() const noexcept { return total_; }
  const Entry& entry(uint32_t i) const noexcept { return e_[i]; }
  bool dirty() const noexcept { return total_ != pub_total_seen_; }

  // Writer side (the owning lcore): copies the summary into the published buffer.
  void publish() noexcept {
    seq_.write_begin();
    std::memcpy(static_cast<void*>(pub_.get()), e_.get(), sizeof(Entry) * n_);
    __atomic_store_n(&pub_n_, n_, __ATOMIC_RELAXED);
    __atomic_store_n(&pub_total_, total_, __ATOMIC_RELAXED);
    seq_.write_end();
    pub_total_seen_ = total_;
  }
  // Reader side (any thread): the last publication. Allocates.
  std::vector<Item> read(uint64_t* total = nullptr) const {
    std::vector<Item> out;
    std::unique_ptr<Entry[]> copy(new Entry[cap_]);
    uint32_t n = 0;
    uint64_t t = 0;
    for (;;) {
      const uint32_t s = seq_.read_begin();
      n = __atomic_load_n(&pub_n_, __ATOMIC_RELAXED);
      t = __atomic_load_n(&pub_total_, __ATOMIC_RELAXED);
      if (n > cap_) n = cap_;
      std::memcpy(static_cast<void*>(copy.get()), pub_.get(), sizeof(Entry) * n);
      if (!seq_.read_retry(s)) break;
    }
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Entry& e = copy[i];
      out.push_back({std::string(reinterpret_cast<const char*>(e.key), std::min<size_t>(e.len, KeyCap)),
                     e.count, e.error});
    }
    if (total) *total = t;
    return out;
  }

 private:
  struct Node {
    uint64_t count;  // == e_[idx].count
    uint32_t idx;
  };
  bool less(uint32_t a, uint32_t b) const noexcept { return heap_[a].count < heap_[b].count; }
  void swap_at(uint32_t a, uint32_t b) noexcept {
    std::swap(heap_[a], heap_[b]);
    pos_[heap_[a].idx] = a;
    pos_[heap_[b].idx] = b;
  }
  void sift_up(uint32_t i) noexcept {
    while (i > 0) {
      const uint32_t p = (i - 1) / 2;
      if (!less(i, p)) break;
      swap_at(i, p);
      i = p;
    }
  }
  void sift_down(uint32_t i) noexcept {
    for (;;) {
      const uint32_t l = 2 * i + 1, r = l + 1;
      uint32_t m = i;
      if (l < n_ && less(l, m)) m = l;
      if (r < n_ && less(r, m)) m = r;
      if (m == i) return;
      swap_at(i, m);
      i = m;
    }
  }
  // Removes entry idx from the index.
  void index_erase(uint32_t idx) noexcept {
    uint32_t slot = static_cast<uint32_t>(e_[idx].hash) & imask_;
    while (index_[slot] != idx + 1) slot = (slot + 1) & imask_;
    backshift_erase(index_.get(), imask_, slot, [this](uint32_t v) { return e_[v - 1].hash; });
  }

  uint32_t cap_;
  uint32_t n_ = 0;
  uint32_t imask_ = 0;
  uint64_t total_ = 0;
  std::unique_ptr<Entry[]> e_;
  std::unique_ptr<Node[]> heap_;
  std::unique_ptr<uint32_t[]> pos_, index_;
  // Published copy.
  core::SeqCount seq_;
  std::unique_ptr<Entry[]> pub_;
  uint32_t pub_n_ = 0;
  uint64_t pub_total_ = 0;
  uint64_t pub_total_seen_ = 0;
};

}  // namespace rampart::dns

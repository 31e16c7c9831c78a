// The requests the ARP stage sent recently (next-hop resolution), so that a reply can be told
// from an unsolicited one and a retry is not sent too soon. A direct-mapped table of 256 bare IPs
// let one target overwrite another's slot (its answer then looked unsolicited) and ignored the
// VLAN; this one compares the full key (IP, port, VLAN) in 4-way sets of one cache line each, and
// a target loses its entry only when the other three ways of its set were asked even more
// recently, within the window that still matters: that loss is counted (fresh_evictions).
// Header-only and EAL-free; only the ARP lcore touches it (no atomics, no locks).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "arp/neighbour_key.h"
#include "core/counter.h"

namespace rampart::arp {

class AskedTable {
 public:
  static constexpr uint32_t kWays = 4;

  // At least `entries` entries (rounded up to a power of two of sets). An entry older than
  // `window` cycles no longer answers any question and is reused without being counted.
  AskedTable(uint32_t entries, uint64_t window)
      : sets_(std::bit_ceil(std::max<uint32_t>(1, (entries + kWays - 1) / kWays))),
        mask_(static_cast<uint32_t>(sets_.size()) - 1),
        window_(window) {}

  void note(uint32_t ip, uint16_t port, uint16_t vlan, uint64_t now) {
    Set& s = set_of(ip, port, vlan);
    Entry* victim = nullptr;
    for (Entry& e : s.e) {
      if (e.stamp && e.ip == ip && e.port == port && e.vlan == vlan) {
        e.stamp = now + 1;
        return;
      }
      if (!victim || e.stamp < victim->stamp) victim = &e;  // empty (0) first, then the oldest
    }
    if (victim->stamp && now + 1 - std::min(now + 1, victim->stamp) < window_) fresh_evictions_.add(1);
    *victim = Entry{ip, port, vlan, now + 1};
  }

  // True when a request for (ip, port, vlan) was noted at or after `since`.
  bool asked_since(uint32_t ip, uint16_t port, uint16_t vlan, uint64_t since) const {
    const Set& s = set_of(ip, port, vlan);
    for (const Entry& e : s.e)
      if (e.stamp && e.ip == ip && e.port == port && e.vlan == vlan) return e.stamp - 1 >= since;
    return false;
  }

  uint32_t capacity() const { return static_cast<uint32_t>(sets_.size()) * kWays; }
  // Entries overwritten while still inside the window (their answers may look unsolicited).
  uint64_t fresh_evictions() const { return fresh_evictions_.load(); }

 private:
  struct Entry {  // 16 bytes: a set is one cache line
    uint32_t ip = 0;
    uint16_t port = 0;
    uint16_t vlan = 0;
    uint64_t stamp = 0;  // TSC + 1 of the last request; 0 = empty
  };
  struct alignas(64) Set {
    Entry e[kWays];
  };
  Set& set_of(uint32_t ip, uint16_t port, uint16_t vlan) { return sets_[neighbour_hash(ip, port, vlan) & mask_]; }
  const Set& set_of(uint32_t ip, uint16_t port, uint16_t vlan) const {
    return sets_[neighbour_hash(ip, port, vlan) & mask_];
  }

  std::vector<Set> sets_;
  uint32_t mask_;
  uint64_t window_;
  core::Counter fresh_evictions_;
};

}  // namespace rampart::arp

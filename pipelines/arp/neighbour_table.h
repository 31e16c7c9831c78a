// The neighbour table: IPv4 -> MAC per (port, VLAN), learned by the ARP stage. One writer (the
// ARP lcore) and any number of readers on control threads, which read without stopping it: the
// table is an array of 8-entry buckets, each guarded by a sequence counter (core/seqcount.h).
// A full bucket evicts its oldest entry, stale ones first (counted). Aging walks a few buckets per
// call so no single flush pays for the whole table. Times are TSC cycles.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/counter.h"
#include "core/seqcount.h"
#include "proto/arp.h"

namespace rampart::arp {

enum class NeighState : uint8_t { empty = 0, reachable, stale };

namespace neigh_flag {
inline constexpr uint8_t from_request = 1u << 0;     // ever learned from a request
inline constexpr uint8_t from_reply = 1u << 1;       // ever learned from a reply
inline constexpr uint8_t gratuitous = 1u << 2;       // ever announced itself gratuitously
inline constexpr uint8_t mac_changed = 1u << 3;      // its MAC changed at least once
}  // namespace neigh_flag

struct Neighbour {
  uint32_t ip = 0;  // host order
  uint16_t port = 0;
  uint16_t vlan = 0;
  proto::ArpMac mac{};
  NeighState state = NeighState::empty;
  uint8_t flags = 0;
  uint64_t first_seen = 0;
  uint64_t last_seen = 0;
};

struct TableTimeouts {
  uint64_t reachable = 0;  // cycles
  uint64_t stale = 0;
};

// What learn() did, for the detectors.
struct LearnResult {
  enum Kind : uint8_t { created, refreshed, mac_changed } kind = created;
  proto::ArpMac old_mac{};
  uint64_t old_last_seen = 0;  // when the old MAC was last seen (mac_changed)
  bool evicted = false;        // a full bucket gave up an entry for this one
};

class NeighbourTable {
 public:
  static constexpr uint32_t kBucketSize = 8;

  NeighbourTable(uint32_t capacity, const TableTimeouts& timeouts);

  // Writer (the ARP lcore) only.
  LearnResult learn(uint32_t ip, uint16_t port, uint16_t vlan, const proto::ArpMac& mac,
                    uint8_t flags, uint64_t now);
  const Neighbour* lookup(uint32_t ip, uint16_t port, uint16_t vlan) const;
  // Past stale_ms: gone, whether or not the sweep (age()) has reached it yet.
  bool expired(const Neighbour& n, uint64_t now) const {
    return now - std::min(now, n.last_seen) >= timeouts_.stale;
  }
  // Ages `buckets` buckets from where the last call stopped; returns entries removed.
  uint32_t age(uint64_t now, uint32_t buckets);

  // Any thread: a consistent copy of up to `max` entries (each bucket read under its counter).
  // Returns the number of entries that exist (may exceed what was copied).
  size_t snapshot(std::vector<Neighbour>& out, size_t max) const;

  uint32_t capacity() const { return static_cast<uint32_t>(buckets_.size()) * kBucketSize; }
  uint64_t size() const { return size_.load(); }
  uint64_t evictions() const { return evictions_.load(); }
  uint64_t expirations() const { return expirations_.load(); }
  uint64_t inserts() const { return inserts_.load(); }

 private:
  struct alignas(64) Bucket {
    core::SeqCount seq;
    std::array<Neighbour, kBucketSize> e{};
  };
  Bucket& bucket_of(uint32_t ip, uint16_t port, uint16_t vlan);
  const Bucket& bucket_of(uint32_t ip, uint16_t port, uint16_t vlan) const;

  std::vector<Bucket> buckets_;
  uint32_t mask_;
  TableTimeouts timeouts_;
  uint32_t age_cursor_ = 0;
  core::Counter size_, evictions_, expirations_, inserts_;
};

}  // namespace rampart::arp

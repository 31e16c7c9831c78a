#include "arp/neighbour_table.h"

#include <bit>

#include "arp/neighbour_key.h"

namespace rampart::arp {

namespace {
bool same_key(const Neighbour& n, uint32_t ip, uint16_t port, uint16_t vlan) {
  return n.state != NeighState::empty && n.ip == ip && n.port == port && n.vlan == vlan;
}
}  // namespace

NeighbourTable::NeighbourTable(uint32_t capacity, const TableTimeouts& timeouts)
    : buckets_(std::bit_ceil(std::max<uint32_t>(1, (capacity + kBucketSize - 1) / kBucketSize))),
      mask_(static_cast<uint32_t>(buckets_.size()) - 1),
      timeouts_(timeouts) {}

NeighbourTable::Bucket& NeighbourTable::bucket_of(uint32_t ip, uint16_t port, uint16_t vlan) {
  return buckets_[neighbour_hash(ip, port, vlan) & mask_];
}
const NeighbourTable::Bucket& NeighbourTable::bucket_of(uint32_t ip, uint16_t port,
                                                        uint16_t vlan) const {
  return buckets_[neighbour_hash(ip, port, vlan) & mask_];
}

const Neighbour* NeighbourTable::lookup(uint32_t ip, uint16_t port, uint16_t vlan) const {
  const Bucket& b = bucket_of(ip, port, vlan);
  for (const Neighbour& n : b.e)
    if (same_key(n, ip, port, vlan)) return &n;
  return nullptr;
}

LearnResult NeighbourTable::learn(uint32_t ip, uint16_t port, uint16_t vlan,
                                  const proto::ArpMac& mac, uint8_t flags, uint64_t now) {
  Bucket& b = bucket_of(ip, port, vlan);
  LearnResult r;
  Neighbour* slot = nullptr;
  Neighbour* free_slot = nullptr;
  Neighbour* victim = nullptr;
  for (Neighbour& n : b.e) {
    if (same_key(n, ip, port, vlan)) {
      slot = &n;
      break;
    }
    if (n.state == NeighState::empty) {
      if (!free_slot) free_slot = &n;
      continue;
    }
    // Oldest stale entry first, else the least recently seen.
    if (!victim || (n.state == NeighState::stale) > (victim->state == NeighState::stale) ||
        ((n.state == NeighState::stale) == (victim->state == NeighState::stale) &&
         n.last_seen < victim->last_seen))
      victim = &n;
  }
  b.seq.write_begin();
  if (slot) {
    if (slot->mac != mac) {
      r.kind = LearnResult::mac_changed;
      r.old_mac = slot->mac;
      r.old_last_seen = slot->last_seen;
      slot->mac = mac;
      slot->flags |= neigh_flag::mac_changed;
    } else {
      r.kind = LearnResult::refreshed;
    }
    slot->flags |= flags;
    slot->state = NeighState::reachable;
    slot->last_seen = now;
  } else {
    if (free_slot) {
      slot = free_slot;
      size_.add(1);
    } else {
      slot = victim;
      r.evicted = true;
      evictions_.add(1);
    }
    *slot = Neighbour{ip, port, vlan, mac, NeighState::reachable, flags, now, now};
    inserts_.add(1);
  }
  b.seq.write_end();
  return r;
}

uint32_t NeighbourTable::age(uint64_t now, uint32_t count) {
  uint32_t removed = 0;
  for (uint32_t i = 0; i < count && i < buckets_.size(); ++i) {
    Bucket& b = buckets_[age_cursor_];
    age_cursor_ = (age_cursor_ + 1) & mask_;
    bool dirty = false;
    for (const Neighbour& n : b.e) {
      if (n.state == NeighState::empty) continue;
      const uint64_t idle = now > n.last_seen ? now - n.last_seen : 0;
      if (idle >= timeouts_.stale || (n.state == NeighState::reachable && idle >= timeouts_.reachable))
        dirty = true;
    }
    if (!dirty) continue;
    b.seq.write_begin();
    for (Neighbour& n : b.e) {
      if (n.state == NeighState::empty) continue;
      const uint64_t idle = now > n.last_seen ? now - n.last_seen : 0;
      if (idle >= timeouts_.stale) {
        n.state = NeighState::empty;
        ++removed;
      } else if (idle >= timeouts_.reachable) {
        n.state = NeighState::stale;
      }
    }
    b.seq.write_end();
  }
  if (removed) {
    expirations_.add(removed);
    size_.add(-static_cast<uint64_t>(removed));
  }
  return removed;
}

size_t NeighbourTable::snapshot(std::vector<Neighbour>& out, size_t max) const {
  size_t total = 0;
  std::array<Neighbour, kBucketSize> copy;
  for (const Bucket& b : buckets_) {
    for (;;) {
      const uint32_t s = b.seq.read_begin();
      // The copy may be torn by a concurrent write; read_retry() then discards it.
      copy = b.e;
      if (!b.seq.read_retry(s)) break;
    }
    for (const Neighbour& n : copy) {
      if (n.state == NeighState::empty) continue;
      ++total;
      if (out.size() < max) out.push_back(n);
    }
  }
  return total;
}

}  // namespace rampart::arp

// Packets waiting for their next hop's MAC, per ARP lcore: bounded (a spoofed flood must not fill
// memory: overflow is refused and counted by the caller), released in arrival order when the
// neighbour answers, dropped after a timeout. It holds packet pointers without touching them, so
// it is EAL-free and unit-tested with plain pointers.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "arp/neighbour_key.h"

struct rte_mbuf;

namespace rampart::arp {

struct Waiting {
  rte_mbuf* pkt = nullptr;
  uint32_t ip = 0;  // host order
  uint16_t port = 0;
  uint16_t vlan = 0;
  uint64_t deadline = 0;  // TSC
};

class ResolutionQueue {
 public:
  explicit ResolutionQueue(uint32_t capacity)
      : cap_(capacity), seen_(std::bit_ceil(std::max<uint64_t>(2, uint64_t{capacity} * 2))) {
    q_.reserve(capacity);
  }

  // False when full (the caller drops and counts).
  bool push(const Waiting& w) {
    if (q_.size() >= cap_) return false;
    q_.push_back(w);
    return true;
  }

  bool waiting_for(uint32_t ip, uint16_t port, uint16_t vlan) const {
    for (const Waiting& w : q_)
      if (w.ip == ip && w.port == port && w.vlan == vlan) return true;
    return false;
  }

  // Calls f(const Waiting&) for every packet waiting on (ip, port, vlan), oldest first, and
  // removes them. Returns how many.
  template <typename F>
  uint32_t release(uint32_t ip, uint16_t port, uint16_t vlan, F&& f) {
    return remove_if([&](const Waiting& w) { return w.ip == ip && w.port == port && w.vlan == vlan; }, f);
  }

  // Calls f for every packet whose deadline has passed and removes it.
  template <typename F>
  uint32_t expire(uint64_t now, F&& f) {
    return remove_if([&](const Waiting& w) { return w.deadline <= now; }, f);
  }

  // Calls f(const Waiting&) once for each distinct (ip, port, vlan) still waiting, with its
  // oldest packet, oldest first; f must not change the queue. One pass (housekeeping runs it
  // every millisecond over up to 65536 packets): each key visited goes into seen_, an
  // open-addressing set at most half full whose slots count only when stamped with this call's
  // epoch, so nothing is cleared or allocated per call.
  template <typename F>
  void for_each_target(F&& f) {
    if (++epoch_ == 0) {  // wrapped: stamps from 2^32 calls ago would look current
      for (Seen& s : seen_) s.epoch = 0;
      epoch_ = 1;
    }
    const uint32_t mask = static_cast<uint32_t>(seen_.size() - 1);
    for (uint32_t i = 0; i < q_.size(); ++i) {
      const Waiting& w = q_[i];
      const uint64_t key = neighbour_key(w.ip, w.port, w.vlan);
      uint32_t h = neighbour_hash(key) & mask;
      bool seen = false;
      for (; seen_[h].epoch == epoch_ && !seen; h = (h + 1) & mask) {
        const Waiting& o = q_[seen_[h].index];
        seen = neighbour_key(o.ip, o.port, o.vlan) == key;
      }
      if (seen) continue;
      seen_[h] = Seen{epoch_, i};
      f(w);
    }
  }

  size_t size() const { return q_.size(); }
  size_t capacity() const { return cap_; }
  bool empty() const { return q_.empty(); }

 private:
  // Order-preserving compaction: packets to one destination must leave in the order they came.
  template <typename P, typename F>
  uint32_t remove_if(P&& pred, F& f) {
    uint32_t n = 0;
    size_t keep = 0;
    for (size_t i = 0; i < q_.size(); ++i) {
      if (pred(q_[i])) {
        f(q_[i]);
        ++n;
      } else {
        q_[keep++] = q_[i];
      }
    }
    q_.resize(keep);
    return n;
  }

  struct Seen {
    uint32_t epoch = 0;  // the for_each_target() call that filled the slot
    uint32_t index = 0;  // of the first packet with the key, in q_
  };

  std::vector<Waiting> q_;
  uint32_t cap_;
  std::vector<Seen> seen_;  // for_each_target()'s key set: 2 x capacity slots, a power of two
  uint32_t epoch_ = 0;
};

}  // namespace rampart::arp

// Packets waiting for their next hop's MAC, per ARP lcore: bounded (a spoofed flood must not fill
// memory: overflow is refused and counted by the caller), released in arrival order when the
// neighbour answers, dropped after a timeout. It holds packet pointers without touching them, so
// it is EAL-free and unit-tested with plain pointers.
#pragma once

#include <cstdint>
#include <vector>

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
  explicit ResolutionQueue(uint32_t capacity) : cap_(capacity) { q_.reserve(capacity); }

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

  // Calls f(const Waiting&) once for each distinct (ip, port, vlan) still waiting.
  template <typename F>
  void for_each_target(F&& f) const {
    for (size_t i = 0; i < q_.size(); ++i) {
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j)
        seen = q_[j].ip == q_[i].ip && q_[j].port == q_[i].port && q_[j].vlan == q_[i].vlan;
      if (!seen) f(q_[i]);
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

  std::vector<Waiting> q_;
  uint32_t cap_;
};

}  // namespace rampart::arp

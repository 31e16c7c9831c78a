// DNS-over-TCP connections being reassembled on one lcore: a fixed array of flows (each with one
// proto::dns::TcpStreamReassembler per direction, 2 x 64 KiB), an open-addressing index over
// them, a free list, and a clock hand that evicts the next flow in turn when all are taken. Both
// directions of a connection share one flow (the symmetric flow hash brings them to one lcore).
// Idle flows are expired by a bounded sweep from the stage's flush() hook. No allocation after
// construction.
//
// Only a segment that carries data creates a flow. A SYN without data only leaves its ISN in the
// SynTable, a direct-mapped cache of one cache line per connection that later SYNs simply
// overwrite: a SYN flood churns that cache and never evicts a flow that carries DNS messages
// (each flow is 128 KiB of buffers, so the flow table is small). When a connection's first data
// arrives, its flow starts from the remembered ISNs, on a known message boundary.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "dns/table_memory.h"
#include "proto/dns/tcp_stream.h"

namespace rampart::dns {

// One connection, endpoints in canonical order: (a, port_a) is the smaller of the two.
struct FlowKey {
  uint8_t a[16];
  uint8_t b[16];
  uint16_t port_a;
  uint16_t port_b;
  uint8_t family;
  uint8_t pad[3];
};

// Builds the canonical key; `dir` tells which direction src -> dst is (0: a -> b, 1: b -> a).
inline FlowKey make_flow_key(const uint8_t* src, uint16_t sport, const uint8_t* dst,
                             uint16_t dport, uint8_t family, unsigned& dir) noexcept {
  FlowKey k{};
  const int c = std::memcmp(src, dst, 16);
  dir = (c > 0 || (c == 0 && sport > dport)) ? 1 : 0;
  std::memcpy(dir ? k.b : k.a, src, 16);
  std::memcpy(dir ? k.a : k.b, dst, 16);
  k.port_a = dir ? dport : sport;
  k.port_b = dir ? sport : dport;
  k.family = family;
  return k;
}

class TcpFlowTable {
 public:
  struct Flow {
    FlowKey key;
    uint64_t last_tsc = 0;
    bool used = false;
    bool closed[2] = {false, false};  // FIN seen in that direction
    proto::dns::TcpStreamReassembler dir[2];
  };

  explicit TcpFlowTable(uint32_t flows);

  // `h` is hash(k): a segment's key is hashed once for this table and the SynTable.
  // The flow of `k` when it exists (its last-seen time updated), else nullptr.
  Flow* find(const FlowKey& k, uint64_t h, uint64_t tsc) noexcept;
  // A new flow for `k`, which the caller knows to be absent (find() said so), evicting another
  // when all are taken. nullptr only when the table has no flow at all (flows == 0).
  Flow* create(const FlowKey& k, uint64_t h, uint64_t tsc, bool& evicted) noexcept;
  // find(), else create(), for a caller without the hash.
  Flow* get(const FlowKey& k, uint64_t tsc, bool& created, bool& evicted) noexcept {
    const uint64_t h = hash(k);
    created = evicted = false;
    if (Flow* f = find(k, h, tsc)) return f;
    Flow* f = create(k, h, tsc, evicted);
    created = f != nullptr;
    return f;
  }
  // Gives a flow back (connection over): partial messages are given up and counted.
  void release(Flow* f) noexcept;
  // Releases flows idle for more than idle_tsc, visiting at most `slots` flows.
  uint32_t expire(uint64_t now, uint64_t idle_tsc, uint32_t slots) noexcept;

  uint32_t capacity() const noexcept { return n_; }
  uint32_t active() const noexcept { return active_; }
  // Sum of every reassembler's statistics (writer side; publish a copy for readers).
  proto::dns::TcpStreamReassembler::Stats stats() const noexcept;

  static uint64_t hash(const FlowKey& k) noexcept;

 private:
  uint32_t lookup(const FlowKey& k, uint64_t h) const noexcept;  // flow index + 1, or 0
  void index_insert(uint32_t flow, uint64_t h) noexcept;
  void index_erase(uint32_t flow) noexcept;

  uint32_t n_;
  std::unique_ptr<Flow[]> flows_;
  std::unique_ptr<uint32_t[]> index_;  // flow index + 1, 0 = empty
  uint32_t imask_ = 0;
  std::unique_ptr<uint32_t[]> free_;
  uint32_t nfree_ = 0;
  uint32_t active_ = 0;
  uint32_t hand_ = 0;
  uint32_t cursor_ = 0;
};

// ISNs of connections that have no flow yet (see the top of this file).
class SynTable {
 public:
  // `entries` rounded up to a power of two; 0: off (record() and take() do nothing).
  explicit SynTable(uint32_t entries);

  enum class Record : uint8_t { off, recorded, replaced };
  // `h` is TcpFlowTable::hash(k).
  // Remembers the ISN of direction `dir` of `k`; `replaced`: another connection's entry was
  // overwritten before its data came.
  Record record(const FlowKey& k, uint64_t h, unsigned dir, uint32_t isn, uint64_t tsc) noexcept;
  // Takes the entry of `k` when one was recorded no earlier than `since`: known[d] tells whether
  // isn[d] holds direction d's ISN. False when there is none.
  bool take(const FlowKey& k, uint64_t h, uint64_t since, uint32_t isn[2], bool known[2]) noexcept;

 private:
  struct alignas(64) Slot {
    FlowKey key;
    uint64_t tsc;
    uint32_t isn[2];
    uint8_t known;  // bit d: isn[d] is set; 0: empty slot
  };
  static_assert(sizeof(Slot) == 64, "one cache line per remembered SYN");
  // From the hash's high half (TcpFlowTable's index probes from its low half).
  Slot& slot(uint64_t h) noexcept { return slots_[static_cast<uint32_t>(h >> 32) & mask_]; }

  TablePtr<Slot> slots_;
  uint32_t mask_ = 0;
  bool on_ = false;
};

}  // namespace rampart::dns

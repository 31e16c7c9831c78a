// The queries waiting for their response, on one lcore: a fixed-size open-addressing table
// (linear probing, bounded probe length, backward-shift deletion, no tombstones), allocated once.
//
// It holds at most `capacity` queries in at least 4/3 as many slots (a power of two), so at least
// a quarter of the slots stay empty. Why: a query flood that is never answered keeps the table at
// its limit, and with every slot usable the table filled to the last one. A deletion (every
// timeout, every match) then shifted entries back until it met an empty slot, which could be
// thousands of slots away. tools/bench/dns_flood_bench.py (100,000 unanswered queries against the
// default 65536 entries) measured 0.58 Mpps with whole seconds at 0 before, 2.0 Mpps with no second
// below 0.84 of the median after. With a quarter empty the runs stay short, and a deletion also
// stops after kMaxProbe slots without a move, since no entry sits further than that from its home.
//
// Why not rte_hash: a transaction is looked up once (the response) and deleted at once, and its
// entry (key, timestamp, question hash, query size) is exactly one 64-byte cache line, so a probe
// usually costs a single line fetch; rte_hash keeps keys and data apart (two to three lines per
// look-up plus its bucket array) and handles concurrency we do not need on a per-lcore table.
// Measured (tests/pipeline/dns, DnsTables.PendingTableVersusRteHash: 32768 transactions inserted
// then taken, 65536 slots, one lcore of the shared 2-core test VM, three runs): 107-154 cycles
// per operation for this table against 153-226 for rte_hash with jhash: never slower, usually
// faster, and the entry comes back with the look-up. The functional tests are in
// tests/unit/dns_stage.
//
// The key is the transaction as RFC 5452 sees it: client address and port, server address and
// port, TxID; the question (QNAME case-insensitively, QTYPE, QCLASS) is compared on match, so a
// response with the right TxID but another question does not match (and is counted).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "dns/table_memory.h"

namespace rampart::dns {

struct TxKey {
  uint8_t client[16];  // IPv4 in the first 4 bytes, the rest zero
  uint8_t server[16];
  uint16_t client_port;
  uint16_t server_port;
  uint16_t txid;
  uint8_t family;  // 4 or 6
  uint8_t transport;  // 0 UDP, 1 TCP
};

struct alignas(64) PendingEntry {
  uint32_t tag;        // high bits of the key hash, never 0 when used; 0 = empty slot
  uint16_t client_port;
  uint16_t server_port;
  uint16_t txid;
  uint16_t qtype;
  uint16_t query_len;  // DNS message bytes of the query
  uint8_t family;
  uint8_t transport;
  uint64_t question;   // hash of QNAME (case-insensitive), QTYPE and QCLASS
  uint64_t tsc;        // when the query was seen
  uint8_t client[16];
  uint8_t server[16];
};
static_assert(sizeof(PendingEntry) == 64, "one cache line per pending query");

class PendingTable {
 public:
  static constexpr unsigned kMaxProbe = 32;

  // Holds at most `capacity` queries (at least 64).
  explicit PendingTable(uint32_t capacity);

  // A timeout no entry reaches.
  static constexpr uint64_t kNever = uint64_t{INT64_MAX};

  // An entry is expired once more than `timeout_tsc` has passed since its query (signed
  // comparison: a query stamped in the future is not). The sweep (expire()) visits a few slots per
  // call, so an expired entry may still be in the table: insert and take judge it by its age, not
  // by whether the sweep has reached it yet, so a late response never matches and a TxID reused
  // after the timeout is not a duplicate.
  static bool expired(const PendingEntry& e, uint64_t now, uint64_t timeout_tsc) noexcept {
    return static_cast<int64_t>(now - e.tsc) > static_cast<int64_t>(timeout_tsc);
  }

  enum class Insert : uint8_t { inserted, duplicate, full, replaced_expired };
  // Adds a query seen at `tsc`. `duplicate`: an entry with the same key (same TxID between the
  // same endpoints) is still waiting; the table keeps the first one. `replaced_expired`: that
  // entry had expired; it is replaced by this query (the caller counts the old one's timeout).
  // `full`: `capacity` queries are waiting, or (rarely) kMaxProbe slots from this key's home slot
  // are taken.
  Insert insert(const TxKey& k, uint64_t question, uint16_t qtype, uint16_t query_len, uint64_t tsc,
                uint64_t timeout_tsc = kNever) noexcept {
    return insert_hashed(k, hash(k), question, qtype, query_len, tsc, timeout_tsc);
  }
  // The same with hash(k) computed by the caller (who prefetched its slot).
  Insert insert_hashed(const TxKey& k, uint64_t key_hash, uint64_t question, uint16_t qtype,
                       uint16_t query_len, uint64_t tsc, uint64_t timeout_tsc = kNever) noexcept;

  enum class Match : uint8_t { matched, no_entry, other_question, expired };
  // Looks up and removes the query a response seen at `now` answers; `out` gets its copy when
  // matched. `expired`: the query had expired; it is removed (the caller counts its timeout).
  Match take(const TxKey& k, uint64_t question, PendingEntry& out, uint64_t now = 0,
             uint64_t timeout_tsc = kNever) noexcept {
    return take_hashed(k, hash(k), question, out, now, timeout_tsc);
  }
  Match take_hashed(const TxKey& k, uint64_t key_hash, uint64_t question, PendingEntry& out,
                    uint64_t now = 0, uint64_t timeout_tsc = kNever) noexcept;

  // Starts loading the first slot a key with this hash(k) probes: the table is megabytes, so a
  // look-up is usually a cache miss unless it was prefetched a burst ahead.
  void prefetch(uint64_t key_hash) const noexcept {
    __builtin_prefetch(&slots_[home(tag_of(key_hash))], 1);
  }

  // Visits up to `slots` slots from an internal cursor and removes expired entries. Returns how
  // many it removed.
  uint32_t expire(uint64_t now, uint64_t timeout_tsc, uint32_t slots) noexcept;

  uint32_t size() const noexcept { return size_; }
  uint32_t capacity() const noexcept { return limit_; }
  uint32_t slots() const noexcept { return mask_ + 1; }

  static uint64_t hash(const TxKey& k) noexcept;

 private:
  static bool same(const PendingEntry& e, const TxKey& k, uint32_t tag) noexcept {
    return e.tag == tag && e.txid == k.txid && e.client_port == k.client_port &&
           e.server_port == k.server_port && e.family == k.family && e.transport == k.transport &&
           std::memcmp(e.client, k.client, 16) == 0 && std::memcmp(e.server, k.server, 16) == 0;
  }
  // The tag is the high half of the key's hash and names the home slot too, so that a deletion
  // finds the home of every entry it shifts from the entry itself, without hashing its key again.
  static uint32_t tag_of(uint64_t h) noexcept {
    const uint32_t t = static_cast<uint32_t>(h >> 32);
    return t ? t : 1;
  }
  uint32_t home(uint32_t tag) const noexcept { return tag & mask_; }
  void erase_at(uint32_t i) noexcept;

  TablePtr<PendingEntry> slots_;
  uint32_t mask_;
  uint32_t limit_;
  uint32_t size_ = 0;
  uint32_t cursor_ = 0;
};

}  // namespace rampart::dns

// The query log's hand-over from a worker lcore to the control-plane writer: one record per
// matched transaction in a fixed single-producer/single-consumer ring (one per lcore). The lcore
// never waits: when the ring is full the record is dropped and counted. The writer
// (app/rampart/dns_query_log.cpp) turns records into JSON lines.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

namespace rampart::dns {

struct QueryLogRecord {
  uint64_t query_tsc;
  uint64_t response_tsc;
  uint64_t latency_ns;
  uint8_t client[16];
  uint8_t server[16];
  uint16_t client_port;
  uint16_t server_port;
  uint16_t qtype;
  uint16_t rcode;       // extended
  uint16_t answers;     // ANCOUNT
  uint16_t flags;       // the response's header flags word
  uint16_t response_len;
  uint8_t family;       // 4 or 6
  uint8_t transport;    // 0 UDP, 1 TCP
  uint8_t edns_do;
  uint8_t qname_len;    // uncompressed wire form, lower case
  uint8_t qname[255];
};

class QueryLogRing {
 public:
  explicit QueryLogRing(uint32_t size) {
    uint32_t c = 16;
    while (c < size) c <<= 1;
    slots_.reset(new QueryLogRecord[c]);
    mask_ = c - 1;
  }
  uint32_t capacity() const noexcept { return mask_ + 1; }

  // Producer (the lcore). False when full.
  bool push(const QueryLogRecord& r) noexcept {
    const uint64_t head = head_;
    if (head - __atomic_load_n(&tail_, __ATOMIC_ACQUIRE) > mask_) return false;
    slots_[head & mask_] = r;
    __atomic_store_n(&head_, head + 1, __ATOMIC_RELEASE);
    return true;
  }
  // Consumer (one control thread). False when empty.
  bool pop(QueryLogRecord& out) noexcept {
    const uint64_t tail = tail_;
    if (tail == __atomic_load_n(&head_, __ATOMIC_ACQUIRE)) return false;
    out = slots_[tail & mask_];
    __atomic_store_n(&tail_, tail + 1, __ATOMIC_RELEASE);
    return true;
  }

 private:
  std::unique_ptr<QueryLogRecord[]> slots_;
  uint32_t mask_ = 0;
  alignas(64) uint64_t head_ = 0;
  alignas(64) uint64_t tail_ = 0;
};

}  // namespace rampart::dns

// A sequence counter for one writer (the lcore owning the data) and any number of readers on
// control threads: the writer never waits; a reader retries when it raced a write. The same
// protocol as DPDK's rte_seqcount (experimental in 22.11), kept here so the tables stay
// DPDK-free and unit-testable. Shared by the DNS tables and the ARP neighbour table.
#pragma once

#include <cstdint>

namespace rampart::core {

class SeqCount {
 public:
  void write_begin() noexcept {
    __atomic_store_n(&seq_, seq_ + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
  }
  void write_end() noexcept { __atomic_store_n(&seq_, seq_ + 1, __ATOMIC_RELEASE); }
  uint32_t read_begin() const noexcept { return __atomic_load_n(&seq_, __ATOMIC_ACQUIRE); }
  // True when the data read since read_begin() may be torn: read again.
  bool read_retry(uint32_t begin) const noexcept {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return (begin & 1) || __atomic_load_n(&seq_, __ATOMIC_RELAXED) != begin;
  }

 private:
  uint32_t seq_ = 0;
};

}  // namespace rampart::core

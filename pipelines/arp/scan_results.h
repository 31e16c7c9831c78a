// The hosts one scan found: one row per (IP, MAC) pair, in arrival order, with the number of
// replies and the RTT of the first. A second MAC for an IP gets its own row (mac_ordinal 2, ...);
// the same MAC answering again only counts, so a proxy-ARP box or a chatty adapter never floods
// the table. At most kMaxMacsPerHost rows per IP: a host answering from ever new MACs would
// otherwise take every row (the other hosts' answers then lost) and make each of its replies walk
// an ever longer chain (80,000 replies from one IP took 9.4 s of the ARP lcore).
//
// Writers: any lcore (replies may arrive on several), lock-free: a row is claimed with an atomic
// fetch-add, filled, then pushed on its host's chain with a compare-exchange and published with
// a release store of `ready`. Readers (telemetry threads) read rows whose `ready` is 1. Capacity
// is fixed at construction (control plane); a reply that does not fit is counted in lost().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "proto/arp.h"

namespace rampart::arp {

using MacBytes = proto::ArpMac;

struct ScanHost {
  uint32_t ip = 0;          // host order
  MacBytes mac{};
  uint32_t rtt_us = 0;      // first reply since the last request sent to the IP
  uint32_t replies = 0;     // replies from this (IP, MAC)
  uint32_t mac_ordinal = 1; // 1 = first MAC seen for the IP, 2 = the second (arp-scan's DUP)...
  uint64_t index = 0;       // row slot (the paging offset)
};

class ScanResults {
 public:
  static constexpr uint32_t kMaxMacsPerHost = 16;

  // too_many_macs: a new MAC for an IP that already has kMaxMacsPerHost rows (counted, not kept).
  enum class Outcome : uint8_t { first_reply, new_mac, repeat, lost, too_many_macs };

  ScanResults(uint64_t hosts, uint64_t capacity);

  Outcome record(uint64_t host_index, uint32_t ip, const MacBytes& mac, uint32_t rtt_us);

  uint64_t capacity() const { return capacity_; }
  // Rows claimed so far (some may still be filling, or abandoned after a lost race).
  uint64_t claimed() const {
    const uint64_t u = used_.load(std::memory_order_acquire);
    return u < capacity_ ? u : capacity_;
  }
  // Row i if it is published.
  bool row(uint64_t i, ScanHost* out) const;
  uint64_t rows() const { return published_.load(std::memory_order_relaxed); }
  uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }
  uint64_t macs_refused() const { return macs_refused_.load(std::memory_order_relaxed); }

 private:
  struct Row {
    uint32_t ip = 0;
    MacBytes mac{};
    uint32_t rtt_us = 0;
    uint32_t mac_ordinal = 0;
    uint32_t next = 0;  // next row (index + 1) of the same host, 0 = end
    std::atomic<uint32_t> replies{0};
    std::atomic<uint8_t> ready{0};  // 0 filling, 1 published, 2 abandoned
  };
  Row* find(uint32_t head, const MacBytes& mac, uint32_t* length);

  uint64_t capacity_;
  std::unique_ptr<Row[]> rows_;
  std::unique_ptr<std::atomic<uint32_t>[]> heads_;  // per host: first row index + 1, 0 = none
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<uint64_t> macs_refused_{0};
};

}  // namespace rampart::arp

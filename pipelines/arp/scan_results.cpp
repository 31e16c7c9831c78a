#include "arp/scan_results.h"

namespace rampart::arp {

ScanResults::ScanResults(uint64_t hosts, uint64_t capacity)
    : capacity_(capacity), rows_(new Row[capacity]), heads_(new std::atomic<uint32_t>[hosts]) {
  for (uint64_t i = 0; i < hosts; ++i) heads_[i].store(0, std::memory_order_relaxed);
}

ScanResults::Row* ScanResults::find(uint32_t head, const MacBytes& mac, uint32_t* length) {
  *length = 0;
  for (uint32_t r = head; r != 0; r = rows_[r - 1].next) {
    ++*length;
    if (rows_[r - 1].mac == mac) return &rows_[r - 1];
  }
  return nullptr;
}

ScanResults::Outcome ScanResults::record(uint64_t host_index, uint32_t ip, const MacBytes& mac,
                                         uint32_t rtt_us) {
  std::atomic<uint32_t>& head = heads_[host_index];
  uint32_t seen = head.load(std::memory_order_acquire);
  Row* mine = nullptr;
  uint64_t mine_index = 0;
  for (;;) {
    uint32_t length = 0;
    if (Row* r = find(seen, mac, &length)) {
      r->replies.fetch_add(1, std::memory_order_relaxed);
      if (mine) mine->ready.store(2, std::memory_order_release);  // lost a race for this MAC
      return Outcome::repeat;
    }
    if (length >= kMaxMacsPerHost) {
      if (mine) mine->ready.store(2, std::memory_order_release);
      macs_refused_.fetch_add(1, std::memory_order_relaxed);
      return Outcome::too_many_macs;
    }
    if (!mine) {
      mine_index = used_.fetch_add(1, std::memory_order_relaxed);
      if (mine_index >= capacity_) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        return Outcome::lost;
      }
      mine = &rows_[mine_index];
      mine->ip = ip;
      mine->mac = mac;
      mine->rtt_us = rtt_us;
      mine->replies.store(1, std::memory_order_relaxed);
    }
    mine->mac_ordinal = length + 1;
    mine->next = seen;
    if (head.compare_exchange_weak(seen, static_cast<uint32_t>(mine_index + 1),
                                   std::memory_order_release, std::memory_order_acquire)) {
      mine->ready.store(1, std::memory_order_release);
      published_.fetch_add(1, std::memory_order_relaxed);
      return length == 0 ? Outcome::first_reply : Outcome::new_mac;
    }
  }
}

bool ScanResults::row(uint64_t i, ScanHost* out) const {
  if (i >= claimed()) return false;
  const Row& r = rows_[i];
  if (r.ready.load(std::memory_order_acquire) != 1) return false;
  out->ip = r.ip;
  out->mac = r.mac;
  out->rtt_us = r.rtt_us;
  out->replies = r.replies.load(std::memory_order_relaxed);
  out->mac_ordinal = r.mac_ordinal;
  out->index = i;
  return true;
}

}  // namespace rampart::arp

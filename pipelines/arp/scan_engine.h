// The ARP subnet scanner's engine: the control plane hands it scan descriptors, the data plane
// (the ARP stage, on whichever lcores run it) asks it for paced request frames and feeds it the
// ARP replies addressed to us. One engine is shared by all ARP stage instances.
//
// Threads: start()/list()/results() are control-plane calls (telemetry threads, serialized by a
// mutex the data plane never touches). generate(), on_reply() and solicited() are per-packet
// code: no lock, no allocation, no syscall. A scan is claimed by the first lcore whose generate()
// sees it (an atomic owner word) and only that lcore sends for it; replies may arrive on any lcore
// and are recorded lock-free (scan_results.h).
#pragma once

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arp/scan_range.h"
#include "arp/scan_results.h"
#include "arp/scan_run.h"
#include "proto/arp.h"

namespace rampart::arp {

// What a scan is asked to do. Addresses are in host byte order.
struct ScanRequest {
  uint16_t port = 0;
  ScanRange range;                   // from parse_scan_cidr()
  uint32_t pps = kDefaultScanPps;    // 0 = unpaced (as fast as the port takes them)
  uint32_t tries = kDefaultScanTries;  // requests per silent host, arp-scan's --retry
  uint32_t timeout_ms = kDefaultScanTimeoutMs;  // first wait; each retry waits 1.5x longer
  uint32_t src_ip = 0;               // sender IP of requests; 0.0.0.0 makes them ARP probes
  rte_ether_addr src_mac{};          // the port's MAC (sender hardware address, Ethernet source)
  uint16_t vlan = 0;                 // 802.1Q tag of the requests, and the answers' VLAN; 0 = untagged
  uint64_t seed = 0;                 // permutation key; 0 = pick one from the TSC
};

// An ARP reply as the stage parsed it, for ScanEngine::on_reply(). Addresses in host order.
struct ScanReply {
  uint16_t port = 0;
  uint16_t vlan = 0;
  uint32_t sender_ip = 0;
  uint32_t target_ip = 0;
  proto::ArpMac sender_mac{};
  proto::ArpMac target_mac{};
};

// A snapshot of one scan for /rampart/arp/scans.
struct ScanInfo {
  uint32_t id = 0;
  uint16_t port = 0;
  uint16_t vlan = 0;
  uint32_t src_ip = 0;
  ScanRange range;
  ScanState state = ScanState::running;
  uint32_t pps = 0, tries = 0, timeout_ms = 0;
  uint64_t hosts = 0;       // targets in the range
  uint64_t sent = 0;        // requests sent, retries included
  uint64_t answered = 0;    // targets that answered at least once
  uint64_t remaining = 0;   // targets not answered that are still to be asked (0 once over)
  uint64_t duplicates = 0;  // replies beyond the first per target (extra MACs, repeats)
  uint64_t results = 0;     // (ip, mac) rows recorded
  uint64_t lost_results = 0;  // rows that did not fit the results table (counted drop)
  uint64_t macs_refused = 0;  // new MACs for an IP that already had ScanResults::kMaxMacsPerHost
  uint64_t row_slots = 0;     // result offsets run from 0 to this (paging)
  uint64_t alloc_failures = 0;  // generate() found the mempool empty
  int64_t started_unix_us = 0, finished_unix_us = 0;  // 0 = not yet
  double elapsed_s = 0;     // start to finish (or to now while running)
};

class ScanEngine {
 public:
  static constexpr unsigned kMaxScans = 16;  // kept (running or finished) at once

  // tsc_hz: rte_get_tsc_hz(). max_prefix_bits: largest host part allowed (16 = /16 and smaller).
  explicit ScanEngine(uint64_t tsc_hz, unsigned max_prefix_bits = 16);
  ~ScanEngine();
  ScanEngine(const ScanEngine&) = delete;
  ScanEngine& operator=(const ScanEngine&) = delete;

  // ---- control plane ----
  // Starts a scan; returns its id (> 0), or 0 with *error set (range too large, no free slot,
  // out of memory). A finished scan's slot is reused (oldest first) when all are taken.
  uint32_t start(const ScanRequest& req, uint64_t now_tsc, std::string* error);
  // Stops sending for a running scan; replies already recorded stay. False if unknown.
  bool cancel(uint32_t id);
  std::vector<ScanInfo> list(uint64_t now_tsc) const;
  bool info(uint32_t id, uint64_t now_tsc, ScanInfo* out) const;
  // Rows [offset, offset + count) in arrival order; false if the id is unknown.
  bool results(uint32_t id, uint64_t offset, uint64_t count, std::vector<ScanHost>* out) const;
  unsigned max_prefix_bits() const { return max_prefix_bits_; }
  uint64_t tsc_hz() const { return tsc_hz_; }

  // ---- data plane ----
  // Ready-to-send ARP requests for the running scans, paced; meta(m)->out_port set. At most max.
  uint16_t generate(uint64_t now_tsc, rte_mempool* pool, rte_mbuf** out, uint16_t max);
  // An ARP reply (not gratuitous) seen on a port. Like arp-scan, a scan takes only answers to its
  // own requests: on its port and VLAN, addressed to its sender MAC and IP; a third party's reply
  // or an announcement is not an answer. True when a running scan took it.
  bool on_reply(const ScanReply& r, uint64_t now_tsc);
  // True when a reply from `ip` on (port, vlan) may answer a scan that is running there or ended
  // less than kQuietSeconds ago (late answers to retries): the unsolicited-reply detector spares
  // such replies and no others. Lock-free; any lcore.
  bool solicited(uint16_t port, uint16_t vlan, uint32_t ip, uint64_t now_tsc) const;
  static constexpr unsigned kQuietSeconds = 10;

 private:
  struct Slot;
  uint64_t tsc_hz_;
  unsigned max_prefix_bits_;
  std::array<std::unique_ptr<Slot>, kMaxScans> slots_;
  // Bit i set: slot i may have work for the data plane (pending or running). Lets generate() and
  // on_reply() return at once when no scan runs.
  std::atomic<uint32_t> active_mask_{0};
  mutable std::mutex control_mu_;  // control plane only
  uint32_t next_id_ = 1;
};

}  // namespace rampart::arp

// [stages.arp] settings beyond the path policy (documented in docs/configuration.md).
#pragma once

#include <cstdint>

namespace rampart::arp {

struct RateLimit {
  uint32_t per_second = 0;  // sustained rate
  uint32_t burst = 0;       // bucket depth
};

struct ArpConfig {
  uint32_t table_entries = 4096;      // neighbour table capacity (rounded up to 8-entry buckets)
  uint32_t reachable_ms = 30000;      // reachable -> stale after this long unseen
  uint32_t stale_ms = 600000;         // stale -> removed after this long unseen
  uint32_t events = 1024;             // event list size (rounded up to a power of two)
  uint32_t dual_claim_window_ms = 2000;  // two MACs for one IP within this window: dual_claim
  RateLimit reply_per_target{5, 5};   // replies to one requester IP
  RateLimit reply_per_port{1000, 1000};
  RateLimit request_per_target{3, 3}; // requests we send for one IP (resolution)
  RateLimit request_per_port{200, 200};  // resolution requests only: not announcements, not scans
  uint32_t defend_interval_ms = 10000;  // RFC 5227 DEFEND_INTERVAL: one defence per address
  uint32_t resolve_queue = 256;       // packets waiting for resolution, per ARP lcore
  uint32_t resolve_timeout_ms = 1000; // a waiting packet is dropped after this long
  bool learn_from_requests = true;    // a request's sender binding updates the table
  uint32_t log_events_per_second = 10;  // control-plane log lines for events, at most
  uint8_t scan_max_prefix = 16;       // widest CIDR a scan may cover (/16 by default)
};

}  // namespace rampart::arp

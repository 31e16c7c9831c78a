// Settings of the DNS stage: [stages.dns] in the configuration (docs/configuration.md). The
// forwarding policy of the path (policy, reflect_swap_mac) is read with the other paths' and
// handed to the stage as a core::ForwardConfig.
#pragma once

#include <cstdint>
#include <string>

#include "dns/detectors.h"

namespace rampart::dns {

struct DnsConfig {
  // Query/response matching (per lcore).
  uint32_t pending_entries = 65536;   // queries waiting for a response (rounded up to 2^n)
  uint32_t query_timeout_ms = 2000;   // a query unanswered for this long counts as a timeout
  // Top-N (per lcore, merged on read): counters kept by each space-saving summary.
  uint32_t topn_capacity = 512;
  uint32_t topn_publish_ms = 100;     // how often a busy lcore publishes its summaries
  // DNS over TCP (per lcore): flows reassembled at once, each costing 2 x 64 KiB.
  uint32_t tcp_flows = 64;
  uint32_t tcp_idle_timeout_ms = 30000;
  // Query log: one JSON line per matched transaction, written by a control thread. Empty: off.
  std::string query_log_path;
  uint64_t query_log_rotate_bytes = 64ull << 20;  // rename to PATH.1 (PATH.2, ...) past this size
  uint32_t query_log_keep = 3;                    // rotated files kept
  uint32_t query_log_ring = 4096;                 // records in flight per lcore
  // Attack detectors (thresholds per second and per lcore).
  DetectConfig detect;
};

}  // namespace rampart::dns

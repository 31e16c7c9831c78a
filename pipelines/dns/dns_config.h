// Settings of the DNS stage: [stages.dns] in the configuration (docs/configuration.md). The
// forwarding policy of the path (policy, reflect_swap_mac) is read with the other paths' and
// handed to the stage as a core::ForwardConfig.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/detectors.h"

namespace rampart::dns {

// Pieces rte_ip_frag holds per datagram (RTE_LIBRTE_IP_FRAG_MAX_FRAG of DPDK as packaged).
inline constexpr uint32_t kIpFragMaxPieces = 8;

struct DnsConfig {
  // Query/response matching (per lcore).
  uint32_t pending_entries = 65536;   // queries waiting for a response, at most
  uint32_t query_timeout_ms = 2000;   // a query unanswered for this long counts as a timeout
  // Top-N (per lcore, merged on read): counters kept by each space-saving summary.
  uint32_t topn_capacity = 512;
  uint32_t topn_publish_ms = 100;     // how often a busy lcore publishes its summaries
  // DNS over TCP (per lcore): flows reassembled at once, each costing 2 x 64 KiB.
  uint32_t tcp_flows = 64;
  uint32_t tcp_idle_timeout_ms = 30000;
  // Fragmented UDP (per lcore): copies of the fragments are reassembled with DPDK's rte_ip_frag
  // and the completed datagrams parsed when they are DNS. Entries: datagrams in progress at once
  // (0: off, fragments are only counted); max_fragments sizes the copy pool (entries x this).
  uint32_t ip_frag_entries = 256;
  uint32_t ip_frag_timeout_ms = 2000;
  uint32_t ip_frag_max_fragments = 4;
  // Set from [stages.classify]: the DNS ports, and whether the dns path's L4 checksums are
  // verified (classify cannot check a datagram it sees in pieces; the stage checks it whole).
  std::vector<uint16_t> dns_ports{53};
  bool verify_udp_checksum = true;
  // Query log: one JSON line per matched transaction, written by a control thread. Empty: off.
  std::string query_log_path;
  uint64_t query_log_rotate_bytes = 64ull << 20;  // rename to PATH.1 (PATH.2, ...) past this size
  uint32_t query_log_keep = 3;                    // rotated files kept
  uint32_t query_log_ring = 4096;                 // records in flight per lcore
  // Decode the rdata of every answer RR of a response and count the responses where one does not
  // match its type's format (bad_rdata). Off by default: it costs about a tenth of the stage
  // (docs/configuration.md, validate_rdata).
  bool validate_rdata = false;
  // Accept a pipeline plan where a query and its response can reach different DNS-stage
  // instances (topology_check.h): warned about at start instead of refused.
  bool allow_split_transactions = false;
  // Attack detectors (thresholds per second and per lcore).
  DetectConfig detect;
};

}  // namespace rampart::dns

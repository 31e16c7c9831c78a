// The DNS stage: observes every DNS message on the dns path (UDP, and TCP through per-flow
// reassembly), counts it by opcode, QTYPE, QCLASS, RCODE, flags, transport and EDNS, matches
// responses to their queries (latency histogram, timeouts), keeps top-N summaries of names,
// registered domains, clients and NXDOMAIN names, then forwards the packet by the path's policy
// (core::Forwarder). Dropping attack traffic is later work: today every packet passes.
//
// One instance per lcore that runs the stage: all state is per lcore, written only by that lcore;
// control threads read counters directly (relaxed atomics) and the top-N summaries and TCP
// statistics through their published copies (sequence counters). Per-packet code allocates
// nothing, takes no lock, makes no syscall, logs nothing.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/counter.h"
#include "core/forwarder.h"
#include "core/meta.h"
#include "core/stage.h"
#include "dns/detectors.h"
#include "dns/dns_config.h"
#include "dns/histogram.h"
#include "dns/ip_reassembly.h"
#include "dns/pending_table.h"
#include "dns/query_log.h"
#include "core/seqcount.h"
#include "dns/space_saving.h"
#include "dns/tcp_flows.h"
#include "proto/dns/dns.h"

namespace rampart::dns {

// Slots of the per-code counters. QTYPE/QCLASS above 511 share the last slot ("other"), as do
// extended rcodes above 63.
inline constexpr size_t kTypeSlots = 513;
inline constexpr size_t kClassSlots = 257;
inline constexpr size_t kRcodeSlots = 65;
inline constexpr size_t kErrorSlots = static_cast<size_t>(proto::dns::Error::count_);

constexpr size_t type_slot(uint16_t t) { return t < kTypeSlots - 1 ? t : kTypeSlots - 1; }
constexpr size_t class_slot(uint16_t c) { return c < kClassSlots - 1 ? c : kClassSlots - 1; }
constexpr size_t rcode_slot(uint16_t r) { return r < kRcodeSlots - 1 ? r : kRcodeSlots - 1; }

// Header flags counted per direction, by bit index.
enum Flag : uint8_t { flag_aa, flag_tc, flag_rd, flag_ra, flag_z, flag_ad, flag_cd, flag_do, kFlagCount };

// EDNS advertised UDP payload size, bucketed: <512 (invalid, treated as 512), 512, 513-1232,
// 1233-1452, 1453-4095, >= 4096.
inline constexpr size_t kEdnsSizeBuckets = 6;
inline constexpr const char* kEdnsSizeNames[kEdnsSizeBuckets] = {
    "lt_512", "eq_512", "le_1232", "le_1452", "lt_4096", "ge_4096"};
constexpr size_t edns_size_bucket(uint16_t s) {
  return s < 512 ? 0 : s == 512 ? 1 : s <= 1232 ? 2 : s <= 1452 ? 3 : s < 4096 ? 4 : 5;
}

struct alignas(64) DnsCounters {
  core::Counter packets;            // packets the stage saw
  core::Counter messages;           // DNS messages parsed (or attempted) from them
  core::Counter queries, responses;
  core::Counter queries_udp, queries_tcp, responses_udp, responses_tcp;
  core::Counter malformed;          // messages refused by the parser (by error in `errors`)
  std::array<core::Counter, kErrorSlots> errors{};
  core::Counter trailing_garbage;   // valid messages followed by extra bytes (not malformed)
  core::Counter truncated_kept;     // TC=1 responses whose later sections failed: header+question kept
  core::Counter forward_pointers;   // messages with a compression pointer to a later offset
  core::Counter bad_rdata;          // responses with an answer RR whose rdata fails its format
  core::Counter no_question;        // messages with QDCOUNT = 0
  core::Counter ip_fragments;       // IP fragments: reassembled when ip_frag_entries > 0, else not parsed
  core::Counter tcp_no_payload;     // TCP segments without payload (handshake, ACKs)
  core::Counter non_dns_l4;         // neither UDP nor TCP (should not reach this path)
  std::array<core::Counter, 16> opcodes{};          // all messages
  std::array<core::Counter, kTypeSlots> qtypes{};   // queries
  std::array<core::Counter, kTypeSlots> response_qtypes{};
  std::array<core::Counter, kClassSlots> qclasses{};  // queries
  std::array<core::Counter, kRcodeSlots> rcodes{};    // responses, extended (12-bit) rcode
  std::array<core::Counter, kFlagCount> query_flags{};
  std::array<core::Counter, kFlagCount> response_flags{};
  core::Counter queries_edns, responses_edns;
  core::Counter edns_version_nonzero;
  std::array<core::Counter, kEdnsSizeBuckets> query_edns_size{};
  // Matching.
  core::Counter matched;
  core::Counter unmatched_responses;     // no pending query with that key
  core::Counter question_mismatch;       // a pending query with that key but another question
  core::Counter timeouts;                // queries never answered within the timeout
  core::Counter duplicate_queries;       // same endpoints and TxID as a query still pending
  core::Counter pending_full;            // queries not tracked: the table (probe window) was full
  core::Counter untracked_queries;       // queries without a question: nothing to match on
  // TCP.
  core::Counter tcp_segments;
  core::Counter tcp_flows_created;
  core::Counter tcp_flows_evicted;       // taken over while still open because the table was full
  core::Counter tcp_flows_expired;       // idle for longer than tcp_idle_timeout_ms
  core::Counter tcp_flows_closed;        // by RST, or FIN in both directions
  core::Counter tcp_no_flow;             // segments not reassembled (tcp_flows = 0)
  core::Counter tcp_syn_recorded;        // SYNs of connections without a flow: ISN remembered
  core::Counter tcp_syn_overwritten;     // remembered SYNs overwritten by another connection's
  core::Counter tcp_syn_used;            // flows started from remembered SYNs (known boundary)
  // Query log.
  core::Counter query_log_records;       // handed to the writer
  core::Counter query_log_dropped;       // the ring was full
};

// The space-saving summaries of one lcore.
struct TopLists {
  static constexpr size_t kNameCap = 255;    // uncompressed wire form, lower case
  static constexpr size_t kClientCap = 17;   // family byte + address
  SpaceSaving<kNameCap> names;
  SpaceSaving<kNameCap> domains;
  SpaceSaving<kClientCap> clients;
  SpaceSaving<kNameCap> nxdomain;
  explicit TopLists(uint32_t cap) : names(cap), domains(cap), clients(cap), nxdomain(cap) {}
};

class DnsStage final : public core::Stage {
 public:
  // `tsc_hz` converts timestamps (PacketMeta::rx_tsc, StageContext::now_tsc) to time.
  DnsStage(const DnsConfig& cfg, const core::ForwardConfig& fwd, uint64_t tsc_hz);
  ~DnsStage() override;

  core::StageId id() const override { return core::StageId::dns; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void flush(core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;

  // Read side (control threads).
  const DnsCounters& counters() const { return c_; }
  const LatencyHistogram& latency() const { return latency_; }
  const TopLists& top() const { return *top_; }
  const Detectors& detectors() const { return det_; }
  // The query log's ring (nullptr when the log is off); its one consumer is the writer thread.
  QueryLogRing* query_log() const { return qlog_.get(); }
  uint32_t pending() const { return __atomic_load_n(&pending_size_, __ATOMIC_RELAXED); }
  // The most queries the pending table holds (fixed at construction).
  uint32_t pending_capacity() const { return pending_.capacity(); }
  uint32_t tcp_active_flows() const { return __atomic_load_n(&tcp_active_, __ATOMIC_RELAXED); }
  proto::dns::TcpStreamReassembler::Stats tcp_stats() const;
  const DnsConfig& config() const { return cfg_; }
  // Reassembly of fragmented UDP (nullptr when ip_frag_entries = 0).
  const FragmentReassembler* fragments() const { return frag_.get(); }

  // Observes one DNS message (test hook and building block): `m` may be null (no packet).
  struct Endpoints {
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport, dport;
    uint8_t family;  // 4 or 6
  };
  // `key_hash`: PendingTable::hash of the message's transaction key when the caller has it, else 0.
  void observe_message(const uint8_t* msg, size_t len, const Endpoints& ep, bool tcp, uint64_t tsc,
                       uint64_t key_hash = 0);
  // Inline: its callers hash and copy the addresses at once; through memory, those reads of
  // bytes just stored in other widths stalled on store forwarding (perf: prefetch_pending).
  static Endpoints endpoints_of(const uint8_t* data, const proto::ParsedPacket& p) {
    Endpoints ep;
    if (p.l3 == proto::L3Kind::ipv4) {
      // Zero-extended in a register and stored whole: every reader copies or compares the 16 bytes
      // at once, and a 16-byte load of bytes written by a zeroing store plus a 4-byte one cannot
      // be forwarded (it stalled until both stores reached the cache; perf).
      using Lanes = uint32_t __attribute__((vector_size(16)));
      uint32_t s4, d4;
      std::memcpy(&s4, data + p.l3_offset + 12, 4);
      std::memcpy(&d4, data + p.l3_offset + 16, 4);
      const Lanes s = {s4, 0, 0, 0}, d = {d4, 0, 0, 0};
      std::memcpy(ep.src, &s, 16);
      std::memcpy(ep.dst, &d, 16);
      ep.family = 4;
    } else {
      std::memcpy(ep.src, data + p.l3_offset + 8, 16);
      std::memcpy(ep.dst, data + p.l3_offset + 24, 16);
      ep.family = 6;
    }
    ep.sport = p.src_port;
    ep.dport = p.dst_port;
    return ep;
  }

 private:
  void observe(rte_mbuf* m, uint64_t key_hash);
  uint64_t prefetch_pending(rte_mbuf* m) const;
  // dns_stage_fragments.cpp: a fragment to the reassembler, a reassembled datagram back.
  void observe_fragment(rte_mbuf* m, const core::PacketMeta& md);
  static void observe_datagram(void* self, const uint8_t* frame, uint32_t len, uint64_t tsc);
  void observe_tcp(rte_mbuf* m, const core::PacketMeta& md, const uint8_t* payload,
                   size_t len, const Endpoints& ep, uint64_t tsc);
  void publish(uint64_t now_tsc, bool idle);
  bool has_bad_answer_rdata() const noexcept;
  void log_transaction(const PendingEntry& q, const Endpoints& ep, bool tcp, uint64_t tsc,
                       uint64_t ns, uint16_t rcode, uint16_t len, size_t wlen);

  DnsConfig cfg_;
  core::Forwarder fwd_;
  uint64_t tsc_hz_;
  // Nanoseconds per TSC cycle as a 32.32 fixed-point factor: a latency is one multiply, where a
  // division by tsc_hz_ (a 128-bit one, to avoid overflow) was 0.7 % of the worker's time.
  uint64_t ns_per_tsc_q32_;
  uint64_t timeout_tsc_;
  uint64_t tcp_idle_tsc_;
  uint64_t publish_tsc_;
  uint64_t last_publish_ = 0;
  uint64_t packets_since_flush_ = 0;

  DnsCounters c_;
  LatencyHistogram latency_;
  PendingTable pending_;
  std::unique_ptr<TopLists> top_;
  TcpFlowTable tcp_;
  SynTable syn_;
  Detectors det_;
  std::unique_ptr<QueryLogRing> qlog_;
  std::unique_ptr<FragmentReassembler> frag_;
  uint32_t pending_size_ = 0;
  uint32_t tcp_active_ = 0;

  // Published TCP reassembly statistics.
  core::SeqCount tcp_seq_;
  proto::dns::TcpStreamReassembler::Stats tcp_pub_{};
  uint64_t tcp_segments_published_ = 0;

  // Scratch, per lcore.
  proto::dns::Record records_[64];
  proto::dns::Message msg_;
  uint8_t wire_[256] = {};  // the lower-cased QNAME (uncompressed wire form)
  QueryLogRecord qrec_;
  std::unique_ptr<uint8_t[]> linear_;  // a message spanning mbuf segments, copied (64 KiB)
};

}  // namespace rampart::dns

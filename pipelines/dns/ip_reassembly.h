// Reassembly of fragmented UDP datagrams for the DNS stage (IPv4 and IPv6), so that a large
// response split by the network is parsed like any other. The stage only observes: each fragment
// is COPIED into this lcore's own small pool and the packet itself passes on untouched (a
// bump-in-the-wire forwards the original fragments, never a reassembled jumbo). The copies go
// into DPDK's rte_ip_frag table (bounded entries, timeout); a completed datagram is handed over
// as one contiguous frame, then its mbufs are freed.
//
// One extra step in front of rte_ip_frag: in-order fragments of one datagram that arrive back to
// back (the usual case) are appended to the previous piece's copy before it reaches the table.
// DPDK as packaged holds at most RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) pieces per datagram, and real
// traffic (e.g. the 12-fragment responses in DNS-OARC's dnscap-frags capture) has more; pieces
// that arrive out of order still go to the table separately and are bound by that limit.
//
// Per-packet code allocates nothing (mbufs come from the pool, a full pool is counted), takes no
// lock, makes no syscall, logs nothing.
#pragma once

#include <rte_ip_frag.h>

#include <cstdint>
#include <memory>

#include "core/counter.h"
#include "dns/dns_config.h"
#include "proto/packet.h"

struct rte_mbuf;
struct rte_mempool;

namespace rampart::dns {

// Units: fragments are the frames seen on the wire; datagrams are what they reassemble into.
struct alignas(64) FragmentCounters {
  // Each fragment taken in ends in exactly one of: used, timed_out, table_full, invalid, no_mbuf,
  // unsupported (or is still held: mbufs_held()).
  core::Counter fragments;     // UDP fragments taken in (the frames themselves pass untouched)
  core::Counter coalesced;     // of those, appended in order to the previous piece's copy
  core::Counter reassembled;   // datagrams completed
  core::Counter used;          // fragments that ended in a completed datagram
  core::Counter timed_out;     // fragments discarded: datagram incomplete after ip_frag_timeout_ms
  core::Counter table_full;    // fragments refused: every table entry busy, none timed out
  core::Counter invalid;       // fragments discarded: bad length, overlap, duplicate, > 8 pieces
  core::Counter no_mbuf;       // fragments not copied: the copy pool was empty
  core::Counter unsupported;   // IPv6 fragments behind other extension headers
  // Completed datagrams, as the DNS stage judged them.
  core::Counter non_dns;       // not UDP to or from a DNS port
  core::Counter malformed;     // headers of the reassembled datagram refused (e.g. UDP length)
  core::Counter bad_checksum;  // UDP checksum of the reassembled datagram wrong
};

class FragmentReassembler {
 public:
  // Receives each completed datagram: the Ethernet frame of its first fragment, headers updated
  // (no fragment flags or header left), contiguous, valid until the call returns.
  using Sink = void (*)(void* ctx, const uint8_t* frame, uint32_t len, uint64_t tsc);

  // Creates the pool and the table; throws std::runtime_error when DPDK cannot.
  FragmentReassembler(const DnsConfig& cfg, uint64_t tsc_hz, Sink sink, void* sink_ctx);
  ~FragmentReassembler();  // frees every mbuf still held, the table and the pool
  FragmentReassembler(const FragmentReassembler&) = delete;
  FragmentReassembler& operator=(const FragmentReassembler&) = delete;

  // One IP fragment of a UDP datagram (`p` is its parse; the packet is only read).
  void feed(const rte_mbuf* m, const proto::ParsedPacket& p, uint64_t tsc);
  // Hands the piece being coalesced to the table, discards timed-out datagrams, frees the death
  // row. Call it at least every few milliseconds (the stage's flush()).
  void flush(uint64_t now_tsc);

  FragmentCounters& counters() { return c_; }
  const FragmentCounters& counters() const { return c_; }
  // Copies held (in the table, being coalesced, or on the death row); control threads may read.
  uint32_t mbufs_held() const;

 private:
  struct Key {
    uint8_t src[16], dst[16];
    uint32_t id;
    uint8_t family, proto;
    bool operator==(const Key& o) const;
  };
  // What feed() learnt from a fragment's headers.
  struct Piece {
    Key key;
    uint32_t offset, len;   // payload bytes [offset, offset + len) of the datagram
    uint32_t header_len;    // L3 headers before the payload (IPv6: including the fragment header)
    uint32_t payload_at;    // frame offset of the payload
    bool more;              // MF / M flag
  };
  bool read_piece(const rte_mbuf* m, const proto::ParsedPacket& p, Piece& out) const;
  bool append(const rte_mbuf* m, const Piece& pc);
  void set_more_flag(rte_mbuf* c, bool more);
  void push_open(uint64_t tsc);
  void to_table(rte_mbuf* c, uint64_t tsc);
  void deliver(rte_mbuf* whole, uint64_t tsc);
  static uint64_t fragments_in_chain(const rte_mbuf* m);
  uint64_t fragments_in_death_row(uint32_t from) const;
  bool in_death_row(const rte_mbuf* c, uint32_t from) const;
  void make_room_in_death_row();

  Sink sink_;
  void* sink_ctx_;
  rte_mempool* pool_ = nullptr;
  rte_ip_frag_tbl* tbl_ = nullptr;
  rte_ip_frag_death_row dr_{};
  // The piece being coalesced: a copy of the first fragment seen, later in-order ones appended.
  rte_mbuf* open_ = nullptr;
  Piece open_piece_{};  // offset/len cover everything appended so far
  uint64_t open_tsc_ = 0;
  std::unique_ptr<uint8_t[]> linear_;  // one whole datagram with its L2 header
  FragmentCounters c_;
};

}  // namespace rampart::dns

// Per-packet metadata, parsed once by classify and carried in the mbuf's private area so later
// stages (on this lcore or across a ring) never re-parse headers.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "core/stage_id.h"
#include "proto/packet.h"

namespace rampart::core {

// The path classify chose; the stage of the same name handles it.
enum class Path : uint8_t { arp = 1, dns, tcp, other };

struct PacketMeta {
  proto::ParsedPacket pkt;
  uint64_t rx_tsc = 0;      // when the packet was received (rte_rdtsc)
  uint16_t in_port = 0;     // DPDK port id it arrived on
  uint16_t out_port = 0;    // set by the stage that chose a TX port
  uint16_t drop_reason = 0; // DropReason when next == dest::drop
  uint8_t next = 0;         // StageId or dest::*
  Path path = Path::other;
};

// Mempools must be created with at least this private size (checked at start-up).
inline constexpr uint16_t kMetaPrivSize =
    static_cast<uint16_t>(RTE_ALIGN_CEIL(sizeof(PacketMeta), RTE_MBUF_PRIV_ALIGN));

inline PacketMeta* meta(rte_mbuf* m) { return static_cast<PacketMeta*>(rte_mbuf_to_priv(m)); }

inline void set_next(rte_mbuf* m, StageId s) { meta(m)->next = static_cast<uint8_t>(s); }
inline void set_drop(rte_mbuf* m, uint16_t reason) {
  PacketMeta* md = meta(m);
  md->next = dest::drop;
  md->drop_reason = reason;
}

}  // namespace rampart::core

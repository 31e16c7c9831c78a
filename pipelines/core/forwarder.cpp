#include "core/forwarder.h"

#include <rte_ether.h>

#include "core/drop_reason.h"

namespace rampart::core {

namespace {
// A reflected frame goes back to its sender.
inline void swap_macs(rte_mbuf* m) {
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  const rte_ether_addr tmp = eth->src_addr;
  eth->src_addr = eth->dst_addr;
  eth->dst_addr = tmp;
}
}  // namespace

std::optional<Policy> policy_from_string(std::string_view s) {
  if (s == "bump") return Policy::bump;
  if (s == "reflect") return Policy::reflect;
  if (s == "drop") return Policy::drop;
  return std::nullopt;
}

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::bump: return "bump";
    case Policy::reflect: return "reflect";
    case Policy::drop: return "drop";
  }
  return "?";
}

bool Forwarder::set_out_ports(rte_mbuf* const* pkts, uint16_t n) const {
  // The policy is tested once per burst, not per packet.
  switch (cfg_.policy) {
    case Policy::bump: {
      bool routed = true;
      for (uint16_t i = 0; i < n; ++i) {
        PacketMeta* md = meta(pkts[i]);
        const uint16_t peer = cfg_.peer[md->in_port];
        md->out_port = peer;
        routed &= peer != kNoPeer;
      }
      if (routed) [[likely]]
        return true;
      // Some arrival port has no peer: per-packet verdicts.
      for (uint16_t i = 0; i < n; ++i) {
        if (meta(pkts[i])->out_port == kNoPeer) set_drop(pkts[i], static_cast<uint16_t>(DropReason::no_route));
        else set_next(pkts[i], StageId::tx);
      }
      return false;
    }
    case Policy::reflect:
      for (uint16_t i = 0; i < n; ++i) {
        PacketMeta* md = meta(pkts[i]);
        md->out_port = md->in_port;
      }
      if (cfg_.reflect_swap_mac)
        for (uint16_t i = 0; i < n; ++i) swap_macs(pkts[i]);
      return true;
    case Policy::drop:
      for (uint16_t i = 0; i < n; ++i) set_drop(pkts[i], static_cast<uint16_t>(DropReason::policy));
      return false;
  }
  return false;
}

void Forwarder::apply_burst(rte_mbuf* const* pkts, uint16_t n) const {
  if (set_out_ports(pkts, n))
    for (uint16_t i = 0; i < n; ++i) set_next(pkts[i], StageId::tx);
}

void Forwarder::forward_all(rte_mbuf* const* pkts, uint16_t n, StageContext& ctx) const {
  if (set_out_ports(pkts, n)) ctx.send_all_to(StageId::tx);
}

void Forwarder::apply(rte_mbuf* m) const { apply_burst(&m, 1); }

}  // namespace rampart::core

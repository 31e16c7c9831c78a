#include "core/forwarder.h"

#include <rte_ether.h>

#include "core/drop_reason.h"

namespace rampart::core {

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

void Forwarder::apply(rte_mbuf* m) const {
  PacketMeta* md = meta(m);
  switch (cfg_.policy) {
    case Policy::bump: {
      const uint16_t peer = cfg_.peer[md->in_port];
      if (peer == kNoPeer) {
        set_drop(m, static_cast<uint16_t>(DropReason::no_route));
        return;
      }
      md->out_port = peer;
      break;
    }
    case Policy::reflect:
      md->out_port = md->in_port;
      if (cfg_.reflect_swap_mac) {
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        const rte_ether_addr tmp = eth->src_addr;
        eth->src_addr = eth->dst_addr;
        eth->dst_addr = tmp;
      }
      break;
    case Policy::drop:
      set_drop(m, static_cast<uint16_t>(DropReason::policy));
      return;
  }
  set_next(m, StageId::tx);
}

}  // namespace rampart::core

// Next-hop resolution as a core interface, so a stage that originates packets (the TCP stage)
// can ask the ARP stage for a MAC without depending on it (stages never depend on each other):
// the topology hands the ARP stage on the same lcore to it as a Resolver.
#pragma once

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <cstdint>

#include "core/stage.h"

namespace rampart::core {

enum class Resolution : uint8_t {
  resolved,  // *mac holds the neighbour's MAC; the caller keeps m
  queued,    // the resolver owns m and sends it (Ethernet addresses filled in) once resolved
  dropped,   // the resolver freed m and counted why
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // ip in host order; vlan 0 = untagged. Call on the resolver's own lcore only.
  virtual Resolution resolve(uint32_t ip, uint16_t port, uint16_t vlan, rte_mbuf* m,
                             StageContext& ctx, rte_ether_addr* mac) = 0;
};

}  // namespace rampart::core

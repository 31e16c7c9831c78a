// Policy forwarding, shared by every stage that passes on what it has observed (the forward stage
// of the paths without logic of their own, the DNS stage, ...): bump-in-the-wire to the peer port,
// reflect out of the arrival port, or drop. It lives in core because stages never depend on each
// other.
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <optional>
#include <string_view>

#include "core/meta.h"
#include "core/stage.h"

namespace rampart::core {

enum class Policy : uint8_t { bump, reflect, drop };

std::optional<Policy> policy_from_string(std::string_view s);
std::string_view to_string(Policy p);

inline constexpr uint16_t kNoPeer = 0xffff;

struct ForwardConfig {
  Policy policy = Policy::bump;
  bool reflect_swap_mac = true;  // a reflected frame goes back to its sender
  std::array<uint16_t, RTE_MAX_ETHPORTS> peer{};  // port id -> peer port id or kNoPeer

  ForwardConfig() { peer.fill(kNoPeer); }
};

// Applies the policy to one packet: sets out_port and next = tx, or a drop.
class Forwarder {
 public:
  explicit Forwarder(const ForwardConfig& cfg) : cfg_(cfg) {}
  void apply(rte_mbuf* m) const;
  // The same for a whole burst, with the policy tested once per burst instead of per packet.
  void apply_burst(rte_mbuf* const* pkts, uint16_t n) const;
  // For a stage that hands back exactly pkts[0..n): when every packet goes to TX (reflect, or
  // bump with a peer for every arrival port) it sets only out_port and declares the whole burst
  // for TX in ctx (the runner then moves it in one piece); otherwise it is apply_burst.
  void forward_all(rte_mbuf* const* pkts, uint16_t n, StageContext& ctx) const;
  Policy policy() const { return cfg_.policy; }

 private:
  // Sets every packet's out_port by the policy. True when all of them go to TX (their `next` is
  // then left to the caller); otherwise every packet got its verdict (tx or a drop) here.
  bool set_out_ports(rte_mbuf* const* pkts, uint16_t n) const;

  ForwardConfig cfg_;
};

}  // namespace rampart::core

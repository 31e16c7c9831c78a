// Policy forwarding for a path whose own stage does not act on the packet: bump-in-the-wire to
// the peer port, reflect out of the arrival port, or drop. It is what makes the pipeline usable
// end to end before (and besides) the ARP, DNS and TCP logic.
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <optional>
#include <string_view>

#include "core/meta.h"
#include "core/stage.h"

namespace rampart::forward {

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

// Applies the policy to one packet: sets out_port and next = tx, or a drop. Shared by every
// stage that forwards what it has observed.
class Forwarder {
 public:
  explicit Forwarder(const ForwardConfig& cfg) : cfg_(cfg) {}
  void apply(rte_mbuf* m) const;
  Policy policy() const { return cfg_.policy; }

 private:
  ForwardConfig cfg_;
};

class ForwardStage final : public core::Stage {
 public:
  ForwardStage(core::StageId id, const ForwardConfig& cfg) : id_(id), fwd_(cfg) {}
  core::StageId id() const override { return id_; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;

 private:
  core::StageId id_;
  Forwarder fwd_;
};

}  // namespace rampart::forward

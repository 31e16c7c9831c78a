// The stage of a path whose own logic does not exist yet (or never will): it applies the path's
// forwarding policy (core/forwarder.h) to every packet. It is what makes the pipeline usable end
// to end before (and besides) the ARP, DNS and TCP logic.
#pragma once

#include "core/forwarder.h"
#include "core/meta.h"
#include "core/stage.h"

namespace rampart::forward {

// The policy types moved to core (shared with stages that observe and then forward); these names
// stay for the code written against them.
using core::ForwardConfig;
using core::Forwarder;
using core::kNoPeer;
using core::Policy;
using core::policy_from_string;
using core::to_string;

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

#include "forward/forward_stage.h"

namespace rampart::forward {

uint16_t ForwardStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  fwd_.forward_all(pkts, n, ctx);
  return n;
}

}  // namespace rampart::forward

#include "forward/forward_stage.h"

namespace rampart::forward {

uint16_t ForwardStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext&) {
  for (uint16_t i = 0; i < n; ++i) fwd_.apply(pkts[i]);
  return n;
}

}  // namespace rampart::forward

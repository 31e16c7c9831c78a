#include "forward/forward_stage.h"

namespace rampart::forward {

uint16_t ForwardStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext&) {
  fwd_.apply_burst(pkts, n);
  return n;
}

}  // namespace rampart::forward

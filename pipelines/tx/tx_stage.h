// TX: sends each burst it is handed straight out of this lcore's own TX queue of every port,
// packets for the same port together (one rte_eth_tx_burst per run of them); what a port refuses
// is freed and counted as tx-full. Nothing is held back between calls: the runner hands TX the
// whole output of a poll at once, so buffering across polls (rte_eth_tx_buffer) only added a
// per-packet append and latency (measured: docs/benchmarks.md, pipeline section).
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <vector>

#include "core/meta.h"
#include "core/stage.h"

namespace rampart::tx {

struct TxQueue {
  uint16_t port;
  uint16_t queue;
};

class TxStage final : public core::Stage {
 public:
  // One TX queue per port this lcore may send on; at most `max_burst` packets per
  // rte_eth_tx_burst call.
  TxStage(const std::vector<TxQueue>& queues, uint16_t max_burst);

  core::StageId id() const override { return core::StageId::tx; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;

 private:
  static constexpr uint16_t kNoQueue = 0xffff;
  void send(uint16_t port, rte_mbuf** pkts, uint16_t n, core::StageContext& ctx);

  std::array<uint16_t, RTE_MAX_ETHPORTS> queue_;  // port id -> TX queue, or kNoQueue
  uint16_t max_burst_;
  core::Counter unsent_;  // also in the lcore's tx_full drop counter
};

}  // namespace rampart::tx

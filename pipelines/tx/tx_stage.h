// TX: buffers packets per output port on this lcore's own TX queue and sends them in bursts;
// what a port refuses is freed and counted as tx-full. Flushed on idle polls and every drain
// period by the runner, so a lone packet never waits long.
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
  // One TX queue per port this lcore may send on; `buffer_size` packets are gathered per burst.
  TxStage(const std::vector<TxQueue>& queues, uint16_t buffer_size, int socket_id);
  ~TxStage() override;

  core::StageId id() const override { return core::StageId::tx; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void flush(core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;

 private:
  struct PortTx {
    rte_eth_dev_tx_buffer* buffer = nullptr;
    uint16_t queue = 0;
  };
  static void on_unsent(rte_mbuf** pkts, uint16_t n, void* userdata);

  std::array<PortTx, RTE_MAX_ETHPORTS> ports_{};
  std::vector<uint16_t> active_;  // ports with a buffer, for flushing
  core::Counter unsent_;          // mirrored into the lcore's drop counters on flush
  uint64_t unsent_reported_ = 0;
};

}  // namespace rampart::tx

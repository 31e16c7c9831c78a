#include "tx/tx_stage.h"

#include <rte_malloc.h>

#include <stdexcept>
#include <string>

namespace rampart::tx {

TxStage::TxStage(const std::vector<TxQueue>& queues, uint16_t buffer_size, int socket_id) {
  for (const TxQueue& q : queues) {
    auto* buf = static_cast<rte_eth_dev_tx_buffer*>(
        rte_zmalloc_socket("tx_buffer", RTE_ETH_TX_BUFFER_SIZE(buffer_size), 0, socket_id));
    if (buf == nullptr) throw std::runtime_error("tx: cannot allocate TX buffer");
    rte_eth_tx_buffer_init(buf, buffer_size);
    rte_eth_tx_buffer_set_err_callback(buf, &TxStage::on_unsent, &unsent_);
    ports_[q.port] = PortTx{buf, q.queue};
    active_.push_back(q.port);
  }
}

TxStage::~TxStage() {
  for (uint16_t port : active_) rte_free(ports_[port].buffer);
}

void TxStage::on_unsent(rte_mbuf** pkts, uint16_t n, void* userdata) {
  rte_pktmbuf_free_bulk(pkts, n);
  static_cast<core::Counter*>(userdata)->add(n);
}

uint16_t TxStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  uint16_t left = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const uint16_t port = core::meta(m)->out_port;
    if (port >= RTE_MAX_ETHPORTS || ports_[port].buffer == nullptr) {
      core::set_drop(m, static_cast<uint16_t>(core::DropReason::no_route));
      pkts[left++] = m;
      continue;
    }
    // May send (and free) this very mbuf: nothing touches m afterwards.
    rte_eth_tx_buffer(port, ports_[port].queue, ports_[port].buffer, m);
  }
  return left;
}

void TxStage::flush(core::StageContext& ctx) {
  for (uint16_t port : active_) rte_eth_tx_buffer_flush(port, ports_[port].queue, ports_[port].buffer);
  // The error callback has no context pointer for the lcore counters; fold its count in here.
  const uint64_t total = unsent_.load();
  if (total != unsent_reported_) {
    const uint64_t delta = total - unsent_reported_;
    ctx.counters->drops[static_cast<size_t>(core::DropReason::tx_full)].add(delta);
    unsent_reported_ = total;
  }
}

void TxStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("tx_full", unsent_.load());
}

}  // namespace rampart::tx

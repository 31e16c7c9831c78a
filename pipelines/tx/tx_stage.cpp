#include "tx/tx_stage.h"

#include <algorithm>

namespace rampart::tx {

TxStage::TxStage(const std::vector<TxQueue>& queues, uint16_t max_burst)
    : max_burst_(std::max<uint16_t>(max_burst, 1)) {
  queue_.fill(kNoQueue);
  for (const TxQueue& q : queues) queue_[q.port] = q.queue;
}

void TxStage::send(uint16_t port, rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  const uint16_t queue = queue_[port];
  for (uint16_t done = 0; done < n;) {
    const uint16_t k = std::min<uint16_t>(static_cast<uint16_t>(n - done), max_burst_);
    const uint16_t sent = rte_eth_tx_burst(port, queue, pkts + done, k);
    if (sent < k) [[unlikely]] {
      // A full queue: drop and count, never wait (it would stall RX).
      const uint16_t lost = static_cast<uint16_t>(k - sent);
      rte_pktmbuf_free_bulk(pkts + done + sent, lost);
      unsent_.add(lost);
      if (ctx.counters) ctx.counters->drops[static_cast<size_t>(core::DropReason::tx_full)].add(lost);
    }
    done = static_cast<uint16_t>(done + k);
  }
}

uint16_t TxStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  uint16_t left = 0;  // packets without a TX queue, compacted to the front (left <= i always)
  for (uint16_t i = 0; i < n;) {
    const uint16_t port = core::meta(pkts[i])->out_port;
    if (port >= RTE_MAX_ETHPORTS || queue_[port] == kNoQueue) [[unlikely]] {
      core::set_drop(pkts[i], static_cast<uint16_t>(core::DropReason::no_route));
      pkts[left++] = pkts[i++];
      continue;
    }
    // The run of packets for the same port (usually the whole burst: one RX queue's packets
    // leave by one port under every policy) goes out in one call, in order.
    uint16_t j = static_cast<uint16_t>(i + 1);
    while (j < n && core::meta(pkts[j])->out_port == port) ++j;
    send(port, pkts + i, static_cast<uint16_t>(j - i), ctx);  // pkts[i..j) are not touched again
    i = j;
  }
  return left;
}

void TxStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("tx_full", unsent_.load());
}

}  // namespace rampart::tx

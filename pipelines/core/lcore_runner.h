// The poll loop of one worker lcore: RX queues and input rings in, local stages called directly
// in topological order, packets for stages on other lcores put on their rings, drops freed and
// counted. The same stage objects therefore run run-to-completion (everything on one lcore) or
// as a multi-lcore pipeline, depending only on how the topology wired this runner.
#pragma once

#include <rte_cycles.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <memory>
#include <vector>

#include "core/burst_split.h"
#include "core/capture_clock.h"
#include "core/lcore_counters.h"
#include "core/meta.h"
#include "core/run_control.h"
#include "core/stage.h"
#include "core/stage_tap.h"

namespace rampart::core {


class LcoreRunner {
 public:
  LcoreRunner(unsigned lcore_id, uint16_t burst, uint64_t drain_tsc);
  ~LcoreRunner();
  LcoreRunner(const LcoreRunner&) = delete;
  LcoreRunner& operator=(const LcoreRunner&) = delete;

  // Wiring, done by the control plane before launch.
  void add_rx_queue(uint16_t port, uint16_t queue);
  void add_input_ring(rte_ring* ring, StageId stage);
  void set_local_stage(std::unique_ptr<Stage> stage);
  // One more instance of `stage` on another lcore, fed through `ring`. With several instances a
  // packet goes to the one picked by its (symmetric) flow hash, so both directions of a flow meet.
  void add_remote_instance(StageId stage, rte_ring* ring);
  // Picks among `stage`'s instances by the address pair alone (proto::address_hash), not the
  // flow: every fragment of a datagram, which only the first carries ports in, then meets the
  // other direction's packets, as DNS reassembly and matching need.
  void steer_by_addresses(StageId stage) { routes_[index(stage)].by_addresses = true; }
  // What to do when a ring to another lcore cannot take a burst. false (the default): drop what
  // does not fit, counted as ring_full; a line-rate appliance must never stall its RX queues.
  // true: leave an input (RX queue or ring) unpolled while a ring to a later stage lacks room for
  // its burst, so the input waits instead: lossless, for pcap files. Inputs wait only on rings to
  // stages after their own, and the last stage never waits, so no lcores can wait on each other.
  void set_wait_on_full_rings(bool wait) { wait_on_full_rings_ = wait; }
  // Packet time from the capture being read (offline runs; capture_clock.h) instead of the TSC:
  // received packets are stamped with it and the stages' now_tsc follows it. An lcore fed only by
  // rings keeps its own capture time (ring_now_): the clock is moved on by the RX lcore, which may
  // be seconds of capture ahead of what still waits in the rings. Not owned.
  void set_capture_clock(CaptureClock* clock) {
    clock_ = clock;
    input_over_tsc_ = rte_get_tsc_hz() / 2;
    ctx_.rx_stamped = clock != nullptr;
  }

  // The poll loop; returns when control says quit. Runs on this runner's lcore.
  void run(const RunControl& control);

  unsigned lcore_id() const { return lcore_id_; }
  const LcoreCounters& counters() const { return *counters_; }
  const Stage* local_stage(StageId s) const { return local_[index(s)].get(); }
  bool has_rx() const { return !rx_.empty(); }
  // Consecutive idle iterations, read by the main lcore to know the pipeline has drained.
  uint64_t idle_streak() const { return idle_streak_.load(std::memory_order_relaxed); }
  const std::vector<std::pair<uint16_t, uint16_t>>& rx_queues() const { return rx_; }

  // A burst received on `port`: runs it through classify and every later local stage.
  void receive(uint16_t port, rte_mbuf** pkts, uint16_t n);
  // Pushes a burst into `first` (metadata already filled in, as after a ring), running it
  // through every local stage. Also the entry point of stage tests.
  void inject(StageId first, rte_mbuf** pkts, uint16_t n);
  // Flushes buffered output of every local stage (timers, emitted packets) and all out rings.
  void flush_all();
  // Counts drops found outside the loop (e.g. packets stranded in rings at shutdown). Only while
  // the loop is not running: the counters have a single writer.
  void count_drop(DropReason reason, uint64_t n) { counters_->drops[static_cast<size_t>(reason)].add(n); }

  // Installs (or with nullptr removes) the tap of a local stage; callable from a control thread
  // while the loop runs. The caller keeps the tap alive until the loop has provably moved past
  // it (quiescent state, e.g. rte_rcu_qsbr) after removal.
  void set_tap(StageId stage, StageTap* tap) {
    taps_[index(stage)].store(tap, std::memory_order_release);
  }

 private:
  struct Pending {
    static constexpr uint16_t kCapacity = kMaxPass;
    uint16_t n = 0;
    rte_mbuf* pkts[kCapacity + kSplitSlack];
  };
  struct OutRing {
    rte_ring* ring = nullptr;
    uint16_t n = 0;
    rte_mbuf* pkts[kMaxBurst];
  };
  struct Route {
    std::vector<OutRing*> instances;
    bool by_addresses = false;
  };

  void run_passes(StageId first, rte_mbuf** pkts, uint16_t n);
  // Runs the pending bursts of stages from `from` on (what earlier stages handed on or emitted).
  void run_pending(size_t from);
  // Puts m where meta(m)->next says (a local pending burst or a remote ring). False when it
  // cannot go anywhere; drop_reason is then set and the caller frees it.
  bool route(rte_mbuf* m);
  // Route pkts[0..n) that all go to stage `to` (route_all) or by verdicts[i] (route_by_index);
  // the packets that cannot go anywhere are copied to dropped[0..returned), drop reason set.
  uint16_t route_all(uint8_t to, rte_mbuf** pkts, uint16_t n, rte_mbuf** dropped);
  uint16_t route_by_index(const uint8_t* verdicts, rte_mbuf** pkts, uint16_t n, rte_mbuf** dropped);
  static void emit_one(void* self, rte_mbuf* m);
  void process_and_dispatch(StageId s, rte_mbuf** pkts, uint16_t n);
  void push_remote(Route& route, rte_mbuf* m);
  void flush_out_ring(OutRing& out);
  void flush_out_rings();
  // With wait_on_full_rings_: whether every ring to a stage after `s` has room for a burst.
  bool room_after(StageId s) const;

  unsigned lcore_id_;
  uint16_t burst_;
  uint64_t drain_tsc_;
  std::unique_ptr<LcoreCounters> counters_;
  StageContext ctx_;
  std::array<std::unique_ptr<Stage>, kStageCount> local_{};
  std::array<Route, kStageCount> routes_{};
  std::vector<std::unique_ptr<OutRing>> out_rings_;
  std::vector<std::pair<uint16_t, uint16_t>> rx_;
  std::vector<std::pair<rte_ring*, StageId>> in_rings_;
  std::array<Pending, kStageCount> pending_{};
  // By next-hop value (a StageId or dest::*): the pending burst of a local stage, else nullptr.
  std::array<Pending*, 256> local_pending_{};
  std::atomic<uint64_t> idle_streak_{0};
  bool wait_on_full_rings_ = false;
  CaptureClock* clock_ = nullptr;
  // With a capture clock and no RX queue: the newest capture time taken from the rings, caught up
  // with the clock's now() once they have been empty for half a second; never runs backwards.
  uint64_t ring_now_ = 0;
  uint64_t idle_since_ = 0;  // TSC of the first of the idle loops in a row (own capture time only)
  uint64_t input_over_tsc_ = 0;  // rings empty this long (half a second): the input is over
  std::array<std::atomic<StageTap*>, kStageCount> taps_{};
};

}  // namespace rampart::core

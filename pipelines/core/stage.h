// The stage interface. A stage has one job and no idea which lcore runs it: it gets a burst and
// leaves a verdict in every packet's metadata (next stage, or drop with a reason), or consumes it.
// One instance exists per lcore that runs the stage, so instances keep per-lcore state lock-free.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/lcore_counters.h"

namespace rampart::core {

inline constexpr uint16_t kNoPort = 0xffff;

// Where a stage's generated packets go: the runner puts them on the same path as the packets a
// stage hands back (see StageContext::emit).
using EmitFn = void (*)(void* owner, rte_mbuf* m);

struct StageContext {
  unsigned lcore_id = 0;
  uint64_t now_tsc = 0;  // sampled once per loop iteration
  // The port a burst was just received on, or kNoPort when it came from a ring or a test.
  // Classify stamps it into the metadata after prefetching that line, rather than the RX loop
  // writing a line it has not fetched yet.
  uint16_t rx_port = kNoPort;
  LcoreCounters* counters = nullptr;
  // Set by the runner. A context built by hand (a unit test) has none: emit() then frees the
  // packet and counts it as no_route.
  EmitFn emit_fn = nullptr;
  void* emit_owner = nullptr;

  // Sends on a packet the stage created or kept (a gratuitous ARP, a released packet, ...), from
  // process() or flush(): meta(m)->next names a later stage (usually tx, with out_port set). It
  // joins that stage's pending burst on this lcore, or its ring when it runs elsewhere; when it
  // cannot, it is freed and counted like any other drop. The stage must not touch m afterwards.
  void emit(rte_mbuf* m) {
    if (emit_fn) {
      emit_fn(emit_owner, m);
      return;
    }
    if (counters) counters->drops[static_cast<size_t>(DropReason::no_route)].add(1);
    rte_pktmbuf_free(m);
  }
};

using CounterVisitor = std::function<void(std::string_view name, uint64_t value)>;

class Stage {
 public:
  virtual ~Stage() = default;
  virtual StageId id() const = 0;

  // Sets meta(m)->next for each packet it hands back, or consumes the packet (transmitted,
  // queued, freed and counted). Returns how many packets remain: they are compacted to
  // pkts[0..returned) in their original order. A consumed mbuf may already be freed or owned by
  // another lcore, so nobody may touch it after process() returns.
  // Per-packet code: no allocation, locks, syscalls, exceptions or logging.
  virtual uint16_t process(rte_mbuf** pkts, uint16_t n, StageContext& ctx) = 0;

  // Called on the stage's lcore when the loop is idle or the drain period elapsed: flush
  // buffered output, run timers. Must be cheap when there is nothing to do.
  virtual void flush(StageContext& ctx) {}

  // Stage-specific counters for telemetry, read from a control thread.
  virtual void visit_counters(const CounterVisitor& visit) const {}
};

}  // namespace rampart::core

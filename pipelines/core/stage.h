// The stage interface. A stage has one job and no idea which lcore runs it: it gets a burst and
// gives every packet a verdict (next stage, or drop with a reason), or consumes it.
// One instance exists per lcore that runs the stage, so instances keep per-lcore state lock-free.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/lcore_counters.h"
#include "core/meta.h"

namespace rampart::core {

inline constexpr uint16_t kNoPort = 0xffff;
inline constexpr uint16_t kMaxBurst = 64;
// The most packets one process() call is given: a stage's pending burst collects what earlier
// stages of one pass handed on, up to two bursts' worth.
inline constexpr uint16_t kMaxPass = 2 * kMaxBurst;

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
  // The runner stamped meta(m)->rx_tsc of received packets itself (with their capture time, see
  // capture_clock.h); classify then leaves it.
  bool rx_stamped = false;
  LcoreCounters* counters = nullptr;
  // Set by the runner. A context built by hand (a unit test) has none: emit() then frees the
  // packet and counts it as no_route.
  EmitFn emit_fn = nullptr;
  void* emit_owner = nullptr;
  // How the packets process() hands back are routed; the runner resets it to dest::none before
  // every call, and the stage may set it:
  //   dest::none      by each packet's meta(m)->next (set_next / set_drop);
  //   a StageId       every packet goes to that stage (send_all_to; `next` need not be written):
  //                   the burst moves in one piece;
  //   dest::by_index  packet i by next_of[i] (use_next_of): the runner splits the burst by
  //                   destination from this array and never reads the packets' metadata for it.
  //                   A drop is dest::drop here with its reason set in the metadata (set_drop).
  uint8_t routing = dest::none;
  alignas(64) uint8_t next_of[kMaxPass];

  void send_all_to(StageId s) { routing = static_cast<uint8_t>(s); }
  void use_next_of() { routing = dest::by_index; }

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

// The verdict process() gave pkts[i] (a StageId, or dest::drop), whichever way the stage gave it
// (StageContext::routing): for callers other than the runner, such as tests.
inline uint8_t verdict_of(const StageContext& ctx, rte_mbuf* const* pkts, uint16_t i) {
  if (ctx.routing == dest::by_index) return ctx.next_of[i];
  if (ctx.routing != dest::none) return ctx.routing;
  return meta(pkts[i])->next;
}

using CounterVisitor = std::function<void(std::string_view name, uint64_t value)>;

// When a packet arrived: its RX stamp (the capture's own time offline, see capture_clock.h), or
// now for a packet that never went through classify (one a test injected). Per-packet decisions
// (rate limits, table times) use it, so that they do not depend on which lcore runs a stage or
// how far behind its ring is.
inline uint64_t arrival_tsc(rte_mbuf* m, const StageContext& ctx) {
  const uint64_t t = meta(m)->rx_tsc;
  return t ? t : ctx.now_tsc;
}

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

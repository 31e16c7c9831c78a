#include "core/lcore_runner.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include <algorithm>

namespace rampart::core {

LcoreRunner::LcoreRunner(unsigned lcore_id, uint16_t burst, uint64_t drain_tsc)
    : lcore_id_(lcore_id),
      burst_(std::min<uint16_t>(burst, kMaxBurst)),
      drain_tsc_(drain_tsc),
      counters_(std::make_unique<LcoreCounters>()) {
  ctx_.lcore_id = lcore_id;
  ctx_.counters = counters_.get();
  ctx_.emit_fn = &LcoreRunner::emit_one;
  ctx_.emit_owner = this;
}

LcoreRunner::~LcoreRunner() = default;

void LcoreRunner::add_rx_queue(uint16_t port, uint16_t queue) { rx_.emplace_back(port, queue); }

void LcoreRunner::add_input_ring(rte_ring* ring, StageId stage) { in_rings_.emplace_back(ring, stage); }

void LcoreRunner::set_local_stage(std::unique_ptr<Stage> stage) {
  const StageId id = stage->id();
  local_[index(id)] = std::move(stage);
  local_pending_[index(id)] = &pending_[index(id)];
}

void LcoreRunner::add_remote_instance(StageId stage, rte_ring* ring) {
  auto out = std::make_unique<OutRing>();
  out->ring = ring;
  routes_[index(stage)].instances.push_back(out.get());
  out_rings_.push_back(std::move(out));
}

void LcoreRunner::flush_out_ring(OutRing& out) {
  if (out.n == 0) return;
  const unsigned sent = rte_ring_enqueue_burst(out.ring, reinterpret_cast<void* const*>(out.pkts),
                                               out.n, nullptr);
  if (sent < out.n) {
    // A full ring means the consumer is behind: drop and count, never wait (it would stall RX).
    const unsigned lost = out.n - sent;
    counters_->drops[static_cast<size_t>(DropReason::ring_full)].add(lost);
    rte_pktmbuf_free_bulk(out.pkts + sent, lost);
  }
  out.n = 0;
}

void LcoreRunner::flush_out_rings() {
  for (auto& out : out_rings_) flush_out_ring(*out);
}

bool LcoreRunner::room_after(StageId s) const {
  for (size_t t = index(s) + 1; t < kStageCount; ++t)
    for (const OutRing* out : routes_[t].instances) {
      // A burst taken in sends at most a burst to each ring (a ring smaller than a burst: what
      // it can hold).
      const unsigned want = std::min<unsigned>(burst_, rte_ring_get_capacity(out->ring));
      if (rte_ring_free_count(out->ring) < out->n + want) return false;
    }
  return true;
}

void LcoreRunner::push_remote(Route& route, rte_mbuf* m) {
  const size_t k = route.instances.size();
  // The flow hash is computed only here, where several instances must see both directions of a
  // flow alike. Multiply-shift maps it onto k instances without a division.
  size_t pick = 0;
  if (k > 1) {
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint32_t h = route.by_addresses ? proto::address_hash(data, meta(m)->pkt)
                                          : proto::flow_hash(data, meta(m)->pkt);
    pick = static_cast<size_t>((uint64_t{h} * k) >> 32);
  }
  OutRing& out = *route.instances[pick];
  out.pkts[out.n++] = m;
  if (out.n == kMaxBurst) flush_out_ring(out);
}

// Inlined: it runs once per packet per stage, and as a call it was ~10% of the worker's cycles.
[[gnu::always_inline]] inline bool LcoreRunner::route(rte_mbuf* m) {
  PacketMeta* md = meta(m);
  const uint8_t d = md->next;
  if (Pending* p = local_pending_[d]) [[likely]] {
    if (p->n == Pending::kCapacity) [[unlikely]] {
      md->drop_reason = static_cast<uint16_t>(DropReason::stage_overflow);
      return false;
    }
    p->pkts[p->n++] = m;
    return true;
  }
  if (d >= kStageCount) return false;  // dest::drop, or a stage bug: either way counted, never leaked
  if (!routes_[d].instances.empty()) {
    push_remote(routes_[d], m);
    return true;
  }
  md->drop_reason = static_cast<uint16_t>(DropReason::no_route);
  return false;
}

uint16_t LcoreRunner::route_all(uint8_t to, rte_mbuf** pkts, uint16_t n, rte_mbuf** dropped) {
  Pending* p = local_pending_[to];
  if (p && p->n + n <= Pending::kCapacity) [[likely]] {
    std::copy(pkts, pkts + n, p->pkts + p->n);
    p->n = static_cast<uint16_t>(p->n + n);
    return 0;
  }
  // A remote stage, an overflowing burst or a bad verdict: one by one, as the stage had written
  // `to` into every packet.
  uint16_t nd = 0;
  for (uint16_t i = 0; i < n; ++i) {
    meta(pkts[i])->next = to;
    if (!route(pkts[i])) dropped[nd++] = pkts[i];
  }
  return nd;
}

uint16_t LcoreRunner::route_by_index(const uint8_t* verdicts, rte_mbuf** pkts, uint16_t n,
                                     rte_mbuf** dropped) {
  static_assert(kMaxPass <= kMaxSplit);
  uint16_t nd = 0;
#ifdef RAMPART_SPLIT_AVX512
  // The verdicts are compared once per destination, 64 at a time; only the groups of eight that
  // hold a packet for that destination are read and compressed (docs/benchmarks.md).
  const VerdictLanes lanes(verdicts, n);
  uint16_t placed = 0;
  for (size_t d = 0; d < kStageCount; ++d) {
    const VerdictBits bits = lanes.bits(static_cast<uint8_t>(d));
    if (!bits.any()) continue;
    Pending* p = local_pending_[d];
    if (p && p->n + n <= Pending::kCapacity) [[likely]] {
      const uint16_t k = select_bits(bits, pkts, p->pkts + p->n);
      p->n = static_cast<uint16_t>(p->n + k);
      placed = static_cast<uint16_t>(placed + k);
      continue;
    }
    // A remote stage, a pending burst that might overflow, or no route: one by one.
    rte_mbuf* some[kMaxPass + kSplitSlack];
    const uint16_t k = select_bits(bits, pkts, some);
    placed = static_cast<uint16_t>(placed + k);
    for (uint16_t i = 0; i < k; ++i) {
      meta(some[i])->next = static_cast<uint8_t>(d);
      if (!route(some[i])) dropped[nd++] = some[i];
    }
  }
  // Drops the stage decided (their reasons are in the metadata).
  const uint16_t k = select_bits(lanes.bits(dest::drop), pkts, dropped + nd);
  nd = static_cast<uint16_t>(nd + k);
  placed = static_cast<uint16_t>(placed + k);
  if (placed != n) [[unlikely]] {
    // Verdicts naming nothing (a stage bug): counted and freed like any drop, never leaked.
    for (uint16_t i = 0; i < n; ++i) {
      if (verdicts[i] < kStageCount || verdicts[i] == dest::drop) continue;
      meta(pkts[i])->drop_reason = static_cast<uint16_t>(DropReason::no_route);
      dropped[nd++] = pkts[i];
    }
  }
#else
  // Without vector compress, one pass that puts each packet where its verdict says (still
  // without reading its metadata for the verdict) beats selecting once per destination.
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const uint8_t d = verdicts[i];
    Pending* p = local_pending_[d];
    if (p && p->n < Pending::kCapacity) [[likely]] {
      p->pkts[p->n++] = m;
      continue;
    }
    if (d != dest::drop) {
      meta(m)->next = d;
      if (route(m)) continue;
      if (d >= kStageCount) meta(m)->drop_reason = static_cast<uint16_t>(DropReason::no_route);
    }
    dropped[nd++] = m;
  }
#endif
  return nd;
}

void LcoreRunner::emit_one(void* self, rte_mbuf* m) {
  auto* r = static_cast<LcoreRunner*>(self);
  if (r->route(m)) return;
  const uint16_t reason = meta(m)->drop_reason;
  r->counters_->drops[reason < kDropReasonCount ? reason : 0].add(1);
  rte_pktmbuf_free(m);
}

void LcoreRunner::process_and_dispatch(StageId s, rte_mbuf** pkts, uint16_t n) {
  const size_t si = index(s);
  Stage* stage = local_[si].get();
  StageCounters& sc = counters_->stage[si];
  sc.in.add(n);
  if (StageTap* tap = taps_[si].load(std::memory_order_acquire)) tap->observe(s, pkts, n, ctx_);
  ctx_.routing = dest::none;
  const uint16_t left = stage->process(pkts, n, ctx_);

  rte_mbuf* dropped[kMaxPass + kSplitSlack];
  uint16_t nd = 0;
  if (ctx_.routing == dest::by_index) {
    nd = route_by_index(ctx_.next_of, pkts, left, dropped);
  } else if (ctx_.routing != dest::none) {
    nd = route_all(ctx_.routing, pkts, left, dropped);
  } else {
    for (uint16_t i = 0; i < left; ++i)
      if (!route(pkts[i])) dropped[nd++] = pkts[i];
  }
  if (nd) {
    for (uint16_t i = 0; i < nd; ++i) {
      const uint16_t r = meta(dropped[i])->drop_reason;
      counters_->drops[r < kDropReasonCount ? r : 0].add(1);
    }
    rte_pktmbuf_free_bulk(dropped, nd);
    sc.drops.add(nd);
  }
  sc.out.add(n - nd);
}

void LcoreRunner::receive(uint16_t port, rte_mbuf** pkts, uint16_t n) {
  ctx_.rx_port = port;
  if (clock_) ctx_.now_tsc = clock_->stamp(pkts, n, rte_rdtsc());
  run_passes(StageId::classify, pkts, n);
}

void LcoreRunner::inject(StageId first, rte_mbuf** pkts, uint16_t n) {
  ctx_.rx_port = kNoPort;
  run_passes(first, pkts, n);
}

void LcoreRunner::run_passes(StageId first, rte_mbuf** pkts, uint16_t n) {
  process_and_dispatch(first, pkts, n);
  run_pending(index(first) + 1);
  flush_out_rings();
}

void LcoreRunner::run_pending(size_t from) {
  for (size_t s = from; s < kStageCount; ++s) {
    Pending& p = pending_[s];
    if (p.n == 0) continue;
    const uint16_t count = p.n;
    p.n = 0;
    // Dispatch only ever appends to later stages, so processing p in place is safe.
    process_and_dispatch(static_cast<StageId>(s), p.pkts, count);
  }
}

void LcoreRunner::flush_all() {
  for (size_t s = 0; s < kStageCount; ++s) {
    if (!local_[s]) continue;
    local_[s]->flush(ctx_);
    // What the flush emitted reaches the later stages (TX) before they flush in turn.
    run_pending(s + 1);
  }
  flush_out_rings();
}

void LcoreRunner::run(const RunControl& control) {
  rte_mbuf* pkts[kMaxBurst];
  uint64_t last_drain = rte_rdtsc();
  for (;;) {
    const RunState state = control.state.load(std::memory_order_relaxed);
    if (state == RunState::quit) break;
    const uint64_t start = rte_rdtsc();
    const uint64_t clock_now = clock_ ? clock_->now(start) : start;
    // Ring-fed under a capture clock: the time of what this lcore has taken, not the RX lcore's.
    // (Ahead by a ring's backlog, it expired queries whose answers were still queued and closed
    // detector windows early.)
    const bool own_time = clock_ && rx_.empty();
    if (own_time && ring_now_ == 0) ring_now_ = clock_now;
    ctx_.now_tsc = own_time ? ring_now_ : clock_now;
    uint32_t moved = 0;

    bool waiting = false;  // an input left unpolled: a ring ahead is full
    if (state == RunState::running) {
      for (const auto& [port, queue] : rx_) {
        if (wait_on_full_rings_ && !room_after(StageId::classify)) {
          waiting = true;
          break;
        }
        const uint16_t n = rte_eth_rx_burst(port, queue, pkts, burst_);
        if (n == 0) continue;
        // Not idle from this moment: shutdown's drain check must not see a stale idle streak
        // while this burst is still in flight.
        idle_streak_.store(0, std::memory_order_relaxed);
        moved += n;
        receive(port, pkts, n);
      }
    }
    for (const auto& [ring, stage] : in_rings_) {
      if (wait_on_full_rings_ && !room_after(stage)) {
        waiting = true;
        continue;
      }
      const unsigned n =
          rte_ring_dequeue_burst(ring, reinterpret_cast<void**>(pkts), burst_, nullptr);
      if (n == 0) continue;
      idle_streak_.store(0, std::memory_order_relaxed);
      moved += n;
      ctx_.rx_port = kNoPort;
      if (own_time) {
        for (unsigned i = 0; i < n; ++i) ring_now_ = std::max(ring_now_, meta(pkts[i])->rx_tsc);
        ctx_.now_tsc = ring_now_;
      }
      run_passes(stage, pkts, static_cast<uint16_t>(n));
    }
    if (own_time && moved == 0 && !waiting) {
      // Nothing queued for half a second: the input is taken as over, and time goes on at the
      // real pace (queries still waiting time out). Not at once: empty rings on a busy machine
      // often mean only that the RX lcore is descheduled, and catching up then (even just with
      // the newest time it stamped) closed detector windows before their last packets came.
      if (idle_since_ == 0) idle_since_ = start;
      if (start - idle_since_ > input_over_tsc_) {
        ring_now_ = std::max(ring_now_, clock_now);
        ctx_.now_tsc = ring_now_;
      }
    } else {
      idle_since_ = 0;  // busy, or waiting for room ahead: input is still coming
    }

    if (moved == 0 || start - last_drain > drain_tsc_) {
      flush_all();
      last_drain = start;
    }
    if (moved) {
      const uint64_t cycles = rte_rdtsc() - start;
      counters_->busy_polls.add(1);
      counters_->packets.add(moved);
      counters_->busy_cycles.add(cycles);
      counters_->poll_cost.record(cycles / moved);
      idle_streak_.store(0, std::memory_order_relaxed);
    } else if (waiting) {
      // Not idle: input is waiting for the lcore ahead (shutdown and --idle-exit must not
      // mistake this for a drained pipeline).
      counters_->waiting_polls.add(1);
      idle_streak_.store(0, std::memory_order_relaxed);
    } else {
      counters_->idle_polls.add(1);
      idle_streak_.store(idle_streak_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
    }
  }
  flush_all();
}

}  // namespace rampart::core

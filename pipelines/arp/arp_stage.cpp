#include "arp/arp_stage.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "arp/scan_engine.h"
#include "core/drop_reason.h"

namespace rampart::arp {

using core::DropReason;
using proto::ArpError;
using proto::ArpMac;
using proto::ArpMessage;

namespace {

ArpMac to_mac(const rte_ether_addr& a) {
  ArpMac m;
  std::memcpy(m.data(), a.addr_bytes, 6);
  return m;
}
rte_ether_addr to_ether(const ArpMac& m) {
  rte_ether_addr a;
  std::memcpy(a.addr_bytes, m.data(), 6);
  return a;
}
uint64_t ms_to_tsc(uint64_t hz, uint32_t ms) { return hz / 1000 * ms; }

// A malformed ARP's drop reason. Classify already dropped truncated and badly formatted bodies;
// decode_arp() judges only the operation and the sender.
DropReason drop_reason_of(ArpError e) {
  return e == ArpError::bad_op ? DropReason::arp_bad_op : DropReason::arp_bad_sender;
}

// Housekeeping (aging, resolution timeouts and retries, announcements) runs at most this often.
constexpr uint32_t kHousekeepingUs = 1000;
// Aging walks at least this many buckets per round, and more for a large table with short
// timeouts: a whole sweep within a quarter of reachable_ms (capped, so a round stays cheap). With a
// fixed 8, 4M entries took 65 s per sweep however short the timeouts.
constexpr uint32_t kAgeBucketsPerRound = 8;
constexpr uint32_t kAgeBucketsPerRoundMax = 1024;

// A probe's rate-limit key: its sender MAC folded into the 32 bits an address would take.
uint32_t mac_key(const ArpMac& mac) {
  return (uint32_t{mac[2]} << 24 | uint32_t{mac[3]} << 16 | uint32_t{mac[4]} << 8 | mac[5]) ^
         (uint32_t{mac[0]} << 8 | mac[1]);
}

uint32_t age_buckets_per_round(uint32_t table_entries, uint32_t reachable_ms) {
  const uint64_t buckets = table_entries / 8 + 1;
  const uint64_t rounds = std::max<uint64_t>(1, uint64_t{reachable_ms} * 1000 / 4 / kHousekeepingUs);
  return static_cast<uint32_t>(std::clamp<uint64_t>((buckets + rounds - 1) / rounds, kAgeBucketsPerRound,
                                                    kAgeBucketsPerRoundMax));
}
constexpr uint16_t kScanBurst = 64;           // one TX burst, from flush()
constexpr uint16_t kScanBurstInProcess = 32;  // leaves room in TX's pending burst for the pass

// Room for every resolution request the port buckets let out within the window in which an
// answer still counts as solicited (2 x resolve_timeout), twice over so sets rarely fill.
uint32_t asked_entries(const ArpConfig& c, size_t ports) {
  const uint64_t window_ms = 2ull * c.resolve_timeout_ms;
  const uint64_t per_port = c.request_per_port.burst + c.request_per_port.per_second * window_ms / 1000;
  return static_cast<uint32_t>(std::clamp<uint64_t>(2 * per_port * std::max<size_t>(1, ports), 1024, 1u << 20));
}

}  // namespace

ArpStage::ArpStage(const ArpStageParams& p)
    : cfg_(p.cfg),
      fwd_(p.forward),
      addrs_(p.addresses),
      ports_(p.ports),
      pool_(p.pool),
      hz_(p.tsc_hz),
      scans_(p.scans),
      announce_(p.announce),
      table_(p.cfg.table_entries,
             TableTimeouts{ms_to_tsc(p.tsc_hz, p.cfg.reachable_ms), ms_to_tsc(p.tsc_hz, p.cfg.stale_ms)}),
      age_per_round_(age_buckets_per_round(p.cfg.table_entries, p.cfg.reachable_ms)),
      events_(p.cfg.events),
      queue_(p.cfg.resolve_queue),
      reply_target_(p.cfg.reply_per_target, p.tsc_hz),
      request_target_(p.cfg.request_per_target, p.tsc_hz),
      asked_(asked_entries(p.cfg, p.ports.size()), 2 * ms_to_tsc(p.tsc_hz, p.cfg.resolve_timeout_ms)),
      resolve_timeout_(ms_to_tsc(p.tsc_hz, p.cfg.resolve_timeout_ms)),
      dual_window_(ms_to_tsc(p.tsc_hz, p.cfg.dual_claim_window_ms)),
      defend_interval_(ms_to_tsc(p.tsc_hz, p.cfg.defend_interval_ms)),
      housekeeping_period_(p.tsc_hz / 1000000 * kHousekeepingUs) {
  if (!addrs_ || hz_ == 0) throw std::invalid_argument("arp: the stage needs the address book and the TSC rate");
  for (auto& b : reply_port_) b.configure(cfg_.reply_per_port, hz_);
  for (auto& b : request_port_) b.configure(cfg_.request_per_port, hz_);
}

uint16_t ArpStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  uint16_t keep = 0;
  for (uint16_t i = 0; i < n; ++i) handle(pkts[i], ctx, keep, pkts);
  if (scans_) emit_scans(ctx, kScanBurstInProcess);
  return keep;
}

void ArpStage::handle(rte_mbuf* m, core::StageContext& ctx, uint16_t& keep, rte_mbuf** pkts) {
  core::PacketMeta* md = core::meta(m);
  pkts[keep++] = m;  // every packet goes back with a verdict unless consumed below
  const uint16_t l3 = md->pkt.l3_offset;
  auto* data = rte_pktmbuf_mtod(m, uint8_t*);
  ArpMessage a;
  // Classify sends here only ARP whose whole body is in the first segment, in a valid format.
  const ArpError err = proto::decode_arp(data + l3, a);
  if (err != ArpError::ok) {
    c_.malformed[static_cast<size_t>(err)].add(1);
    core::set_drop(m, static_cast<uint16_t>(drop_reason_of(err)));
    return;
  }
  const uint16_t port = md->in_port;
  const uint16_t vlan = md->pkt.outer_vlan;
  const uint64_t now = core::arrival_tsc(m, ctx);
  // Our addresses live on one 802.1Q VLAN (or none); a double-tagged frame comes from inside
  // another customer VLAN, where they are not. Passed on, neither answered nor learned from (the
  // outer tag alone answered a request from any C-VLAN and mixed their hosts in one table).
  if (md->pkt.flags & proto::pkt_flag::qinq) {
    c_.double_tagged.add(1);
    fwd_.apply(m);
    return;
  }
  if (a.op == proto::kArpRequest) c_.requests_in.add(1);
  else c_.replies_in.add(1);
  if (a.gratuitous()) c_.gratuitous_in.add(1);
  if (a.probe()) c_.probes_in.add(1);

  if (port >= kMaxAddressPorts) {  // not a port id (a stage bug upstream): pass it on untouched
    fwd_.apply(m);
    return;
  }
  const PortAddresses& mine = addrs_->port(port);
  const ArpMac our_mac = to_mac(mine.mac);
  if (a.sha == our_mac && mine.owns(a.spa)) {
    c_.own_frames.add(1);
    fwd_.apply(m);
    return;
  }
  // Our MAC with another address, or a sender that is the network or broadcast address of one of
  // our subnets: nobody to answer, nothing true to learn (our MAC learned for another IP would
  // send resolved traffic back to us).
  if (a.sha == our_mac || (a.spa != 0 && mine.subnet_edge(a.spa, vlan))) {
    c_.malformed[static_cast<size_t>(ArpError::bad_sender)].add(1);
    core::set_drop(m, static_cast<uint16_t>(drop_reason_of(ArpError::bad_sender)));
    return;
  }
  const bool to_us = mine.find(a.tpa, vlan) && !a.gratuitous();
  const bool scan_answer = observe(a, mine, port, vlan, to_us, now, ctx);
  if ((to_us || scan_answer) && a.op == proto::kArpReply) {
    // An answer to us (resolution, scan, or unsolicited): ours to consume, not to pass on. A scan
    // sent as a probe (sender 0.0.0.0) is answered to 0.0.0.0 at our MAC: ours too. It ends here
    // under its own drop reason, so that every frame taken in is accounted for as passed on or
    // dropped by reason (freed here, it was counted as passed on).
    c_.replies_for_us.add(1);
    core::set_drop(m, static_cast<uint16_t>(DropReason::arp_reply_consumed));
    return;
  }

  if (a.op != proto::kArpRequest || !to_us) {
    c_.forwarded.add(1);
    fwd_.apply(m);
    return;
  }
  c_.requests_for_us.add(1);
  // Both buckets must have a token; the per-port one is checked last so a target over its own
  // rate does not also use up the port's.
  // Probes all come from 0.0.0.0: keyed on that, one busy prober would use up the answers to
  // every other (RFC 5227 2.1.1: a prober that hears nothing takes the address). Probes are keyed
  // on the sender's MAC instead.
  if (!reply_target_.take(a.spa ? a.spa : mac_key(a.sha), now)) {
    c_.replies_limited_target.add(1);
    core::set_drop(m, static_cast<uint16_t>(DropReason::rate_limited));
    return;
  }
  if (!reply_port_[port].take(now)) {
    c_.replies_limited_port.add(1);
    core::set_drop(m, static_cast<uint16_t>(DropReason::rate_limited));
    return;
  }
  proto::make_arp_reply_in_place(data, l3, a, our_mac);
  md->out_port = port;
  core::set_next(m, core::StageId::tx);
  c_.replies_out.add(1);
}

bool ArpStage::observe(const ArpMessage& a, const PortAddresses& mine, uint16_t port, uint16_t vlan,
                       bool to_us, uint64_t now, core::StageContext& ctx) {
  const bool reply = a.op == proto::kArpReply;
  if (a.spa == 0) return false;  // a probe binds nothing and answers no scan
  bool scan_answer = false;
  if (scans_ && reply && !a.gratuitous()) {
    scan_answer = scans_->on_reply(ScanReply{port, vlan, a.spa, a.tpa, a.sha, a.tha}, now);
    if (scan_answer) c_.scan_replies_in.add(1);
  }
  // Ours only on the VLAN it lives on: the same address on another VLAN is another network's.
  if (const int k = mine.index_of(a.spa, vlan); k >= 0) {
    raise(EventKind::conflict, a.spa, port, vlan, to_mac(mine.mac), a.sha, now);
    defend(port, k, now, ctx);
    return scan_answer;
  }
  if (reply && to_us && !scan_answer &&
      !asked_.asked_since(a.spa, port, vlan, now - std::min(now, 2 * resolve_timeout_)) &&
      !(scans_ && scans_->solicited(port, vlan, a.spa, now)))
    raise(EventKind::unsolicited_reply, a.spa, port, vlan, ArpMac{}, a.sha, now);
  if (!reply && !a.gratuitous() && !cfg_.learn_from_requests) return scan_answer;

  const uint8_t flags = a.gratuitous() ? neigh_flag::gratuitous
                        : reply        ? neigh_flag::from_reply
                                       : neigh_flag::from_request;
  const LearnResult r = table_.learn(a.spa, port, vlan, a.sha, flags, now);
  if (r.kind == LearnResult::created) {
    raise(EventKind::new_station, a.spa, port, vlan, ArpMac{}, a.sha, now);
  } else if (r.kind == LearnResult::mac_changed) {
    raise(EventKind::flip_flop, a.spa, port, vlan, r.old_mac, a.sha, now);
    if (now - std::min(now, r.old_last_seen) < dual_window_)
      raise(EventKind::dual_claim, a.spa, port, vlan, r.old_mac, a.sha, now);
  }
  if (!queue_.empty()) release_waiting(a.spa, port, vlan, a.sha, ctx);
  return scan_answer;
}

// RFC 5227 2.4 (c), a host that keeps its address: one announcement, then silence for
// DEFEND_INTERVAL however many conflicting packets follow. Answering every one would let a flood
// of them turn Rampart into an amplifier.
void ArpStage::defend(uint16_t port, int index, uint64_t now, core::StageContext& ctx) {
  const PortAddresses& mine = addrs_->port(port);
  const auto i = static_cast<size_t>(index);
  if (!mine.claim_defence(i, now, defend_interval_)) {
    c_.defences_suppressed.add(1);
    return;
  }
  if (send_gratuitous(port, mine[i], ctx)) c_.defences_out.add(1);
  else mine.release_defence(i, now);
}

void ArpStage::raise(EventKind k, uint32_t ip, uint16_t port, uint16_t vlan, const ArpMac& old_mac,
                     const ArpMac& new_mac, uint64_t now) {
  c_.events[static_cast<size_t>(k)].add(1);
  Event e;
  e.tsc = now;
  e.kind = k;
  e.port = port;
  e.vlan = vlan;
  e.ip = ip;
  e.old_mac = old_mac;
  e.new_mac = new_mac;
  events_.push(e);
}

void ArpStage::release_waiting(uint32_t ip, uint16_t port, uint16_t vlan, const ArpMac& mac,
                               core::StageContext& ctx) {
  const ArpMac src = to_mac(addrs_->port(port).mac);
  const uint32_t n = queue_.release(ip, port, vlan, [&](const Waiting& w) {
    auto* eth = rte_pktmbuf_mtod(w.pkt, uint8_t*);
    std::memcpy(eth, mac.data(), 6);
    std::memcpy(eth + 6, src.data(), 6);
    core::PacketMeta* md = core::meta(w.pkt);
    md->out_port = port;
    core::set_next(w.pkt, core::StageId::tx);
    ctx.emit(w.pkt);
  });
  c_.resolve_released.add(n);
  c_.queue_depth.add(-static_cast<uint64_t>(n));
}

ArpStage::Resolution ArpStage::resolve(uint32_t ip, uint16_t port, uint16_t vlan, rte_mbuf* m,
                                       core::StageContext& ctx, rte_ether_addr* mac) {
  // An entry past stale_ms that the sweep has not reached yet is gone all the same.
  const Neighbour* nb = table_.lookup(ip, port, vlan);
  if (nb && !table_.expired(*nb, ctx.now_tsc)) {
    c_.resolve_hits.add(1);
    *mac = to_ether(nb->mac);
    return Resolution::resolved;
  }
  const PortAddresses* mine = port < kMaxAddressPorts ? &addrs_->port(port) : nullptr;
  if (!mine || !mine->source_for(ip, vlan)) {
    c_.resolve_no_source.add(1);
    core::set_drop(m, static_cast<uint16_t>(DropReason::no_route));
    ctx.emit(m);
    return Resolution::dropped;
  }
  const bool asked = queue_.waiting_for(ip, port, vlan);
  if (!queue_.push(Waiting{m, ip, port, vlan, ctx.now_tsc + resolve_timeout_})) {
    c_.resolve_queue_full.add(1);
    core::set_drop(m, static_cast<uint16_t>(DropReason::arp_queue_full));
    ctx.emit(m);
    return Resolution::dropped;
  }
  c_.resolve_queued.add(1);
  c_.queue_depth.add(1);
  if (!asked) send_request(ip, port, vlan, ctx);
  return Resolution::queued;
}

rte_mbuf* ArpStage::new_frame(uint16_t port, uint64_t now) {
  rte_mbuf* m = pool_ ? rte_pktmbuf_alloc(pool_) : nullptr;
  if (!m) {
    c_.alloc_failures.add(1);
    return nullptr;
  }
  if (!rte_pktmbuf_append(m, static_cast<uint16_t>(proto::kArpFrameMax))) {
    c_.alloc_failures.add(1);
    rte_pktmbuf_free(m);
    return nullptr;
  }
  core::PacketMeta* md = core::meta(m);
  *md = core::PacketMeta{};
  md->rx_tsc = now;
  md->in_port = port;
  md->out_port = port;
  md->path = core::Path::arp;
  m->port = port;
  core::set_next(m, core::StageId::tx);
  return m;
}

bool ArpStage::send_request(uint32_t target, uint16_t port, uint16_t vlan, core::StageContext& ctx) {
  const PortAddresses& mine = addrs_->port(port);
  const PortAddress* src = mine.source_for(target, vlan);
  if (!src) return false;
  if (!request_target_.take(target, ctx.now_tsc)) {
    c_.requests_limited_target.add(1);
    return false;
  }
  if (!request_port_[port].take(ctx.now_tsc)) {
    c_.requests_limited_port.add(1);
    return false;
  }
  rte_mbuf* m = new_frame(port, ctx.now_tsc);
  if (!m) return false;
  proto::write_arp_request(rte_pktmbuf_mtod(m, uint8_t*), to_mac(mine.mac), src->ip, target, vlan);
  asked_.note(target, port, vlan, ctx.now_tsc);
  c_.requests_out.add(1);
  ctx.emit(m);
  return true;
}

// Announcements take no token from the request buckets, so neither starves the other: they are
// bounded by construction (at most kMaxPortAddresses per port at start, per added address, per
// link-up the control plane reports, and per defend interval for defence).
bool ArpStage::send_gratuitous(uint16_t port, const PortAddress& a, core::StageContext& ctx) {
  rte_mbuf* m = new_frame(port, ctx.now_tsc);
  if (!m) return false;
  proto::write_gratuitous_arp(rte_pktmbuf_mtod(m, uint8_t*), to_mac(addrs_->port(port).mac), a.ip,
                              a.vlan);
  c_.gratuitous_out.add(1);
  ctx.emit(m);
  return true;
}

void ArpStage::emit_scans(core::StageContext& ctx, uint16_t max) {
  rte_mbuf* out[kScanBurst];
  const uint16_t n = scans_->generate(ctx.now_tsc, pool_, out, std::min(max, kScanBurst));
  for (uint16_t i = 0; i < n; ++i) {
    core::set_next(out[i], core::StageId::tx);
    ctx.emit(out[i]);
  }
  c_.scan_requests_out.add(n);
}

void ArpStage::flush(core::StageContext& ctx) {
  if (scans_) emit_scans(ctx, kScanBurst);
  // The first flush always runs it: our addresses are announced as soon as the port is up.
  if (housekept_ && ctx.now_tsc - last_housekeeping_ < housekeeping_period_) return;
  housekept_ = true;
  last_housekeeping_ = ctx.now_tsc;
  housekeeping(ctx);
}

void ArpStage::housekeeping(core::StageContext& ctx) {
  const uint64_t now = ctx.now_tsc;
  // Announce addresses not announced yet: all of them at start, then any added while running,
  // and all of them again when the control plane saw the port's link come back up.
  if (announce_) {
    for (uint16_t port : ports_) {
      const PortAddresses& mine = addrs_->port(port);
      if (const uint32_t gen = mine.announce_generation(); gen != announce_gen_[port]) {
        announce_gen_[port] = gen;
        announced_[port] = 0;
        c_.reannouncements.add(1);
      }
      const size_t n = mine.size();
      while (announced_[port] < n && send_gratuitous(port, mine[announced_[port]], ctx))
        ++announced_[port];
    }
  }
  table_.age(now, age_per_round_);
  if (queue_.empty()) return;
  const uint32_t expired = queue_.expire(now, [&](const Waiting& w) {
    core::set_drop(w.pkt, static_cast<uint16_t>(DropReason::arp_unresolved));
    ctx.emit(w.pkt);
  });
  c_.resolve_timeouts.add(expired);
  c_.queue_depth.add(-static_cast<uint64_t>(expired));
  // Ask again for what is still waiting (the first request may have been rate-limited or lost).
  const uint64_t retry_after = resolve_timeout_ / 3;
  queue_.for_each_target([&](const Waiting& w) {
    if (!asked_.asked_since(w.ip, w.port, w.vlan, now - std::min(now, retry_after)))
      send_request(w.ip, w.port, w.vlan, ctx);
  });
}

void ArpStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("requests_in", c_.requests_in.load());
  visit("replies_in", c_.replies_in.load());
  visit("replies_out", c_.replies_out.load());
  visit("requests_out", c_.requests_out.load());
  visit("gratuitous_out", c_.gratuitous_out.load());
  visit("rate_limited", c_.replies_limited_target.load() + c_.replies_limited_port.load());
  visit("neighbours", table_.size());
  uint64_t ev = 0;
  for (const auto& e : c_.events) ev += e.load();
  visit("events", ev);
}

}  // namespace rampart::arp

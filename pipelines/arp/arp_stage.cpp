#include "arp/arp_stage.h"

#include <rte_byteorder.h>
#include <rte_mbuf.h>

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

// A malformed ARP's drop reason: classify already drops truncated and badly formatted bodies
// (kept here for frames injected past it); the operation and sender checks are the stage's own.
DropReason drop_reason_of(ArpError e) {
  switch (e) {
    case ArpError::truncated: return core::drop_reason_of(proto::ParseError::arp_truncated);
    case ArpError::bad_op: return DropReason::arp_bad_op;
    case ArpError::bad_sender: return DropReason::arp_bad_sender;
    default: return core::drop_reason_of(proto::ParseError::arp_bad_format);
  }
}

// Scanner replies keep arriving for a while after its last request (retries back off); replies
// to us within this many seconds of a scan request on the port are not unsolicited.
constexpr uint32_t kScanQuietMs = 10000;
// Housekeeping (aging, resolution timeouts and retries, announcements) runs at most this often.
constexpr uint32_t kHousekeepingUs = 1000;
constexpr uint32_t kAgeBucketsPerRound = 8;
constexpr uint16_t kScanBurst = 64;           // one TX burst, from flush()
constexpr uint16_t kScanBurstInProcess = 32;  // leaves room in TX's pending burst for the pass

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
      events_(p.cfg.events),
      queue_(p.cfg.resolve_queue),
      reply_target_(p.cfg.reply_per_target, p.tsc_hz),
      request_target_(p.cfg.request_per_target, p.tsc_hz),
      resolve_timeout_(ms_to_tsc(p.tsc_hz, p.cfg.resolve_timeout_ms)),
      dual_window_(ms_to_tsc(p.tsc_hz, p.cfg.dual_claim_window_ms)),
      scan_quiet_(ms_to_tsc(p.tsc_hz, kScanQuietMs)),
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
  const ArpError err =
      parse_arp(data + l3, m->data_len > l3 ? m->data_len - l3 : 0, a);
  if (err != ArpError::ok) {
    c_.malformed[static_cast<size_t>(err)].add(1);
    core::set_drop(m, static_cast<uint16_t>(drop_reason_of(err)));
    return;
  }
  const uint16_t port = md->in_port;
  const uint16_t vlan = md->pkt.outer_vlan;
  const uint64_t now = ctx.now_tsc;
  if (a.op == proto::kArpRequest) c_.requests_in.add(1);
  else c_.replies_in.add(1);
  if (a.gratuitous()) c_.gratuitous_in.add(1);
  if (a.probe()) c_.probes_in.add(1);

  if (port >= kMaxAddressPorts) {  // not a port id (a stage bug upstream): pass it on untouched
    fwd_.apply(m);
    return;
  }
  const PortAddresses* mine = &addrs_->port(port);
  const ArpMac our_mac = to_mac(mine->mac);
  if (a.sha == our_mac && mine->owns(a.spa)) {
    c_.own_frames.add(1);
    fwd_.apply(m);
    return;
  }
  const bool to_us = mine->find(a.tpa, vlan) && !a.gratuitous();
  observe(a, port, vlan, to_us, now, ctx);
  if (to_us && a.op == proto::kArpReply) {
    // An answer to us (resolution, scan, or unsolicited): ours to consume, not to pass on.
    c_.replies_for_us.add(1);
    --keep;
    rte_pktmbuf_free(m);
    return;
  }

  const PortAddress* target = a.op == proto::kArpRequest ? mine->find(a.tpa, vlan) : nullptr;
  if (!target || a.gratuitous()) {
    c_.forwarded.add(1);
    fwd_.apply(m);
    return;
  }
  c_.requests_for_us.add(1);
  // Both buckets must have a token; the per-port one is checked last so a target over its own
  // rate does not also use up the port's.
  if (!reply_target_.take(a.spa, now)) {
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

void ArpStage::observe(const ArpMessage& a, uint16_t port, uint16_t vlan, bool to_us, uint64_t now,
                       core::StageContext& ctx) {
  const bool reply = a.op == proto::kArpReply;
  if (scans_ && (reply || a.gratuitous()) && a.spa != 0) {
    c_.scan_replies_in.add(1);
    scans_->on_reply(port, a.spa, to_ether(a.sha), now);
  }
  if (a.spa == 0) return;  // a probe binds nothing
  const PortAddresses& mine = addrs_->port(port);
  if (mine.owns(a.spa)) {
    // Someone else uses our address. Defend it (RFC 5227) with an announcement, rate-limited.
    raise(EventKind::conflict, a.spa, port, vlan, to_mac(mine.mac), a.sha, now);
    if (const PortAddress* own = mine.find(a.spa, vlan)) send_gratuitous(port, *own, ctx);
    return;
  }
  if (reply && to_us && !a.gratuitous() && !asked_since(a.spa, port, now - std::min(now, 2 * resolve_timeout_)) &&
      (last_scan_tsc_[port] == 0 || now - std::min(now, last_scan_tsc_[port]) > scan_quiet_))
    raise(EventKind::unsolicited_reply, a.spa, port, vlan, ArpMac{}, a.sha, now);
  if (!reply && !a.gratuitous() && !cfg_.learn_from_requests) return;

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
  if (const Neighbour* nb = table_.lookup(ip, port, vlan)) {
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
  note_asked(target, port, ctx.now_tsc);
  c_.requests_out.add(1);
  ctx.emit(m);
  return true;
}

bool ArpStage::send_gratuitous(uint16_t port, const PortAddress& a, core::StageContext& ctx) {
  if (!request_port_[port].take(ctx.now_tsc)) {
    c_.requests_limited_port.add(1);
    return false;
  }
  rte_mbuf* m = new_frame(port, ctx.now_tsc);
  if (!m) return false;
  proto::write_gratuitous_arp(rte_pktmbuf_mtod(m, uint8_t*), to_mac(addrs_->port(port).mac), a.ip,
                              a.vlan);
  c_.gratuitous_out.add(1);
  ctx.emit(m);
  return true;
}

void ArpStage::note_asked(uint32_t ip, uint16_t port, uint64_t now) {
  asked_[(ip * 0x9e3779b1u) >> 24] = Asked{ip, port, now};
}

bool ArpStage::asked_since(uint32_t ip, uint16_t port, uint64_t since) const {
  const Asked& a = asked_[(ip * 0x9e3779b1u) >> 24];
  return a.ip == ip && a.port == port && a.tsc >= since;
}

void ArpStage::emit_scans(core::StageContext& ctx, uint16_t max) {
  rte_mbuf* out[kScanBurst];
  const uint16_t n = scans_->generate(ctx.now_tsc, pool_, out, std::min(max, kScanBurst));
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t port = core::meta(out[i])->out_port;
    if (port < kMaxAddressPorts) last_scan_tsc_[port] = ctx.now_tsc;
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
  // Announce addresses not announced yet: all of them at start, then any added while running.
  if (announce_) {
    for (uint16_t port : ports_) {
      const PortAddresses& mine = addrs_->port(port);
      const size_t n = mine.size();
      while (announced_[port] < n && send_gratuitous(port, mine[announced_[port]], ctx))
        ++announced_[port];
    }
  }
  table_.age(now, kAgeBucketsPerRound);
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
    if (!asked_since(w.ip, w.port, now - std::min(now, retry_after))) send_request(w.ip, w.port, w.vlan, ctx);
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

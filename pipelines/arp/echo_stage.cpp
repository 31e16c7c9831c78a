#include "arp/echo_stage.h"

#include "core/drop_reason.h"
#include "core/meta.h"
#include "proto/icmp_echo.h"

namespace rampart::arp {

EchoStage::EchoStage(const core::ForwardConfig& fwd, const AddressBook* addresses,
                     const RateLimit& rate, uint64_t tsc_hz)
    : fwd_(fwd), addrs_(addresses) {
  for (auto& b : per_port_) b.configure(rate, tsc_hz);
}

uint16_t EchoStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  // Everything between echo requests goes through the policy a run at a time (apply_burst), so
  // the path costs what the plain forwarding stage costs when nobody pings us.
  uint16_t run = 0;  // start of the packets not handled yet: past the last echo request
  for (uint16_t i = 0; i < n; ++i) {
    if (!proto::is_plain_icmp_echo_request(core::meta(pkts[i])->pkt)) continue;
    if (i > run) forward(pkts + run, static_cast<uint16_t>(i - run));
    handle(pkts[i], core::arrival_tsc(pkts[i], ctx));
    run = static_cast<uint16_t>(i + 1);
  }
  if (run == 0) {  // no echo request, the usual burst: all of it by the policy in one piece
    fwd_.forward_all(pkts, n, ctx);
    c_.forwarded.add(n);
    return n;
  }
  if (n > run) forward(pkts + run, static_cast<uint16_t>(n - run));
  return n;
}

void EchoStage::forward(rte_mbuf** pkts, uint16_t n) {
  fwd_.apply_burst(pkts, n);
  c_.forwarded.add(n);
}

void EchoStage::handle(rte_mbuf* m, uint64_t now) {
  core::PacketMeta* md = core::meta(m);
  const proto::ParsedPacket& p = md->pkt;
  auto* data = rte_pktmbuf_mtod(m, uint8_t*);
  // The whole datagram must be in the first segment to be checked and answered.
  const PortAddress* to =
      md->in_port < kMaxAddressPorts && m->data_len >= static_cast<uint32_t>(p.l3_offset) + p.l3_len
          ? addrs_->port(md->in_port).find(proto::ipv4_destination(data, p), p.outer_vlan)
          : nullptr;
  if (!to) {
    forward(&m, 1);
    return;
  }
  c_.requests_for_us.add(1);
  // Not to a broadcast or multicast source, ours or any (RFC 1122 3.2.1.3): discarded, counted.
  const uint32_t src = proto::ipv4_source(data, p);
  if (!proto::ipv4_host_address(src) || to->is_broadcast(src)) {
    c_.bad_source.add(1);
    core::set_drop(m, static_cast<uint16_t>(core::DropReason::icmp_bad_source));
    return;
  }
  if (!proto::verify_l4_checksum(data, m->data_len, p)) {
    c_.bad_checksum.add(1);
    core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(proto::ParseError::l4_bad_checksum)));
    return;
  }
  if (!per_port_[md->in_port].take(now)) {
    c_.rate_limited.add(1);
    core::set_drop(m, static_cast<uint16_t>(core::DropReason::rate_limited));
    return;
  }
  proto::make_icmp_echo_reply_in_place(data, p, addrs_->port(md->in_port).mac.addr_bytes);
  md->out_port = md->in_port;
  core::set_next(m, core::StageId::tx);
  c_.replies_out.add(1);
}

void EchoStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("echo_requests_for_us", c_.requests_for_us.load());
  visit("echo_replies_out", c_.replies_out.load());
  visit("echo_rate_limited", c_.rate_limited.load());
  visit("echo_bad_checksum", c_.bad_checksum.load());
  visit("echo_bad_source", c_.bad_source.load());
}

}  // namespace rampart::arp

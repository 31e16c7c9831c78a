// The DNS stage's side of fragmented UDP: fragments go to the reassembler (which copies them: the
// packet itself passes on unchanged), completed datagrams come back here and, when they are DNS,
// are parsed like any unfragmented message.
#include <rte_mbuf.h>

#include <algorithm>

#include "dns/dns_stage.h"

namespace rampart::dns {

namespace {
constexpr uint8_t kUdp = 17;
}  // namespace

void DnsStage::observe_fragment(rte_mbuf* m, const core::PacketMeta& md) {
  c_.ip_fragments.add(1);
  const proto::ParsedPacket& p = md.pkt;
  if (frag_ && p.l4_proto == kUdp && (p.l3 == proto::L3Kind::ipv4 || p.l3 == proto::L3Kind::ipv6))
    frag_->feed(m, p, md.rx_tsc);
}

void DnsStage::observe_datagram(void* self, const uint8_t* frame, uint32_t len, uint64_t tsc) {
  auto& s = *static_cast<DnsStage*>(self);
  FragmentCounters& fc = s.frag_->counters();
  proto::ParseOptions opts;
  opts.verify_ipv4_checksum = false;  // rte_ip_frag leaves the rebuilt header's checksum at 0
  proto::ParsedPacket p;
  if (proto::parse_packet(frame, len, opts, p) != proto::ParseError::ok ||
      (p.flags & proto::pkt_flag::fragment)) {
    fc.malformed.add(1);
    return;
  }
  const auto& ports = s.cfg_.dns_ports;
  const auto is_dns = [&](uint16_t port) { return std::find(ports.begin(), ports.end(), port) != ports.end(); };
  if (p.l4_proto != kUdp || !(p.flags & proto::pkt_flag::l4_parsed) ||
      !(is_dns(p.src_port) || is_dns(p.dst_port))) {
    fc.non_dns.add(1);
    return;
  }
  if (s.cfg_.verify_udp_checksum && !proto::verify_l4_checksum(frame, len, p)) {
    fc.bad_checksum.add(1);
    return;
  }
  s.observe_message(frame + p.payload_offset, p.payload_len, endpoints_of(frame, p), false, tsc);
}

}  // namespace rampart::dns

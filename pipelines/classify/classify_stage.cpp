#include "classify/classify_stage.h"

#include <rte_ip.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <stdexcept>

namespace rampart::classify {

using core::Path;
using proto::L3Kind;
using proto::ParseError;
namespace flag = proto::pkt_flag;

namespace {
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint16_t kPrefetchAhead = 4;

constexpr core::StageId stage_of(Path p) {
  switch (p) {
    case Path::arp: return core::StageId::arp;
    case Path::dns: return core::StageId::dns;
    case Path::tcp: return core::StageId::tcp;
    default: return core::StageId::other;
  }
}
}  // namespace

ClassifyStage::ClassifyStage(const ClassifyConfig& cfg) {
  if (cfg.dns_ports.size() > kMaxDnsPorts)
    throw std::invalid_argument("classify: at most 8 DNS ports");
  n_dns_ports_ = static_cast<uint8_t>(cfg.dns_ports.size());
  std::copy(cfg.dns_ports.begin(), cfg.dns_ports.end(), dns_ports_.begin());
  parse_opts_.verify_ipv4_checksum = cfg.verify_ipv4_checksum;
  parse_opts_.verify_l4_checksum = false;  // decided per path below, once the path is known
  verify_l4_ = cfg.verify_l4_checksum;
}

inline Path ClassifyStage::choose_path(const proto::ParsedPacket& p) const {
  if (p.l3 == L3Kind::arp) return Path::arp;
  if (!(p.flags & flag::l4_parsed)) return Path::other;
  if (p.l4_proto == kUdp || p.l4_proto == kTcp) {
    for (uint8_t i = 0; i < n_dns_ports_; ++i)
      if (p.src_port == dns_ports_[i] || p.dst_port == dns_ports_[i]) return Path::dns;
    if (p.l4_proto == kTcp) return Path::tcp;
  }
  return Path::other;
}

bool ClassifyStage::l4_checksum_ok(rte_mbuf* m, const proto::ParsedPacket& p, BurstTally& t) {
  const uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
  if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
    ++t.l4_checksum_hw;
    return true;
  }
  if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
    ++t.l4_checksum_hw;
    return false;
  }
  ++t.l4_checksum_sw;
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
  if (m->nb_segs == 1) return proto::verify_l4_checksum(data, m->data_len, p);
  // Jumbo frames spanning segments: DPDK's segment-aware verification for UDP/TCP.
  if (p.l4_proto != kUdp && p.l4_proto != kTcp) return true;
  if (p.flags & flag::udp_zero_checksum) return true;
  if (p.l3 == L3Kind::ipv4)
    return rte_ipv4_udptcp_cksum_mbuf_verify(
               m, reinterpret_cast<const rte_ipv4_hdr*>(data + p.l3_offset), p.l4_offset) == 0;
  return rte_ipv6_udptcp_cksum_mbuf_verify(
             m, reinterpret_cast<const rte_ipv6_hdr*>(data + p.l3_offset), p.l4_offset) == 0;
}

inline void ClassifyStage::classify_one(rte_mbuf* m, BurstTally& t) {
  core::PacketMeta* md = core::meta(m);
  proto::ParsedPacket& p = md->pkt;
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);

  proto::ParseOptions opts = parse_opts_;
  const uint64_t ip_ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  if (ip_ck == RTE_MBUF_F_RX_IP_CKSUM_GOOD) opts.verify_ipv4_checksum = false;
  ParseError err = proto::parse_packet(data, m->data_len, m->pkt_len, opts, p);
  if (err == ParseError::ok && ip_ck == RTE_MBUF_F_RX_IP_CKSUM_BAD && p.l3 == L3Kind::ipv4 &&
      parse_opts_.verify_ipv4_checksum)
    err = ParseError::ipv4_bad_checksum;
  if (err != ParseError::ok) {
    core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(err)));
    return;
  }

  const Path path = choose_path(p);
  if (verify_l4_[static_cast<size_t>(path)] && (p.flags & flag::l4_parsed) &&
      !(p.flags & flag::fragment) && !l4_checksum_ok(m, p, t)) {
    core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(ParseError::l4_bad_checksum)));
    return;
  }
  md->path = path;
  core::set_next(m, stage_of(path));

  // Branch-free tallies: mixed traffic would mispredict a switch on every other packet.
  ++t.path[static_cast<size_t>(path)];
  ++t.l3[static_cast<size_t>(p.l3)];
  const uint16_t f = p.flags;
  t.vlan += (f & flag::vlan) != 0;
  t.qinq += (f & flag::qinq) != 0;
  t.fragments += (f & flag::fragment) != 0;
  t.ipv4_options += (f & flag::ipv4_options) != 0;
  t.ipv6_ext += (f & flag::ipv6_ext) != 0;
}

uint16_t ClassifyStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  // The metadata line is one RX never touched: start its fetch (for writing) for the whole
  // burst at once, then walk the packets with their data fetched a few ahead.
  for (uint16_t i = 0; i < n; ++i) rte_prefetch0_write(core::meta(pkts[i]));
  for (uint16_t i = 0; i < n && i < kPrefetchAhead; ++i)
    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  if (ctx.rx_port != core::kNoPort) {
    for (uint16_t i = 0; i < n; ++i) {
      core::PacketMeta* md = core::meta(pkts[i]);
      md->in_port = ctx.rx_port;
      md->rx_tsc = ctx.now_tsc;
    }
  }
  BurstTally t;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchAhead], void*));
    classify_one(pkts[i], t);
  }
  for (size_t i = 1; i < t.path.size(); ++i)
    if (t.path[i]) c_.path[i].add(t.path[i]);
  for (size_t i = 0; i < t.l3.size(); ++i)
    if (t.l3[i]) c_.l3[i].add(t.l3[i]);
  if (t.vlan) c_.vlan.add(t.vlan);
  if (t.qinq) c_.qinq.add(t.qinq);
  if (t.fragments) c_.fragments.add(t.fragments);
  if (t.ipv4_options) c_.ipv4_options.add(t.ipv4_options);
  if (t.ipv6_ext) c_.ipv6_ext.add(t.ipv6_ext);
  if (t.l4_checksum_sw) c_.l4_checksum_sw.add(t.l4_checksum_sw);
  if (t.l4_checksum_hw) c_.l4_checksum_hw.add(t.l4_checksum_hw);
  return n;
}

void ClassifyStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("path_arp", c_.path[static_cast<size_t>(Path::arp)].load());
  visit("path_dns", c_.path[static_cast<size_t>(Path::dns)].load());
  visit("path_tcp", c_.path[static_cast<size_t>(Path::tcp)].load());
  visit("path_other", c_.path[static_cast<size_t>(Path::other)].load());
  visit("ipv4", c_.l3[static_cast<size_t>(L3Kind::ipv4)].load());
  visit("ipv6", c_.l3[static_cast<size_t>(L3Kind::ipv6)].load());
  visit("arp", c_.l3[static_cast<size_t>(L3Kind::arp)].load());
  visit("non_ip", c_.l3[static_cast<size_t>(L3Kind::none)].load());
  visit("vlan_tagged", c_.vlan.load());
  visit("qinq", c_.qinq.load());
  visit("ip_fragments", c_.fragments.load());
  visit("ipv4_options", c_.ipv4_options.load());
  visit("ipv6_ext_headers", c_.ipv6_ext.load());
  visit("l4_checksum_sw", c_.l4_checksum_sw.load());
  visit("l4_checksum_hw", c_.l4_checksum_hw.load());
}

}  // namespace rampart::classify

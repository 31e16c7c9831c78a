#include "classify/classify_stage.h"

#include <rte_ip.h>
#include <rte_prefetch.h>

#include "core/burst_split.h"
#include "proto/checksum.h"

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

// The stage serving each path has the path's number, so the verdict is the path itself: no table
// load on the per-packet dependency chain.
static_assert(static_cast<int>(Path::arp) == static_cast<int>(core::StageId::arp) &&
              static_cast<int>(Path::dns) == static_cast<int>(core::StageId::dns) &&
              static_cast<int>(Path::tcp) == static_cast<int>(core::StageId::tcp) &&
              static_cast<int>(Path::other) == static_cast<int>(core::StageId::other));
constexpr core::StageId stage_of(Path p) { return static_cast<core::StageId>(p); }
}  // namespace

ClassifyStage::ClassifyStage(const ClassifyConfig& cfg) {
  if (cfg.dns_ports.size() > kMaxDnsPorts)
    throw std::invalid_argument("classify: at most 8 DNS ports");
  has_dns_ports_ = !cfg.dns_ports.empty();
  for (size_t i = 0; i < kMaxDnsPorts; ++i)
    dns_lanes_[i] = has_dns_ports_ ? cfg.dns_ports[i < cfg.dns_ports.size() ? i : 0] : 0;
  parse_opts_.verify_ipv4_checksum = cfg.verify_ipv4_checksum;
  parse_opts_.verify_l4_checksum = false;  // decided per path below, once the path is known
  verify_l4_ = cfg.verify_l4_checksum;
  verify_any_l4_ = std::find(verify_l4_.begin(), verify_l4_.end(), true) != verify_l4_.end();
  single_dns_port_ = cfg.dns_ports.size() == 1;
  udp_fragments_to_dns_ = cfg.udp_fragments_to_dns;
}

namespace {
// The path from the facts that decide it (each 0 or 1), by arithmetic instead of branches: on mixed
// traffic which fact decides is a coin toss per packet, and a mispredicted branch costs more than
// every operation here (perf; docs/benchmarks.md).
inline Path path_from(unsigned tcp, unsigned dns, unsigned arp) {
  static_assert(static_cast<int>(Path::arp) == 1 && static_cast<int>(Path::dns) == 2 &&
                static_cast<int>(Path::tcp) == 3 && static_cast<int>(Path::other) == 4);
  const unsigned path = 4 - tcp - 2 * dns + (dns & tcp);  // other, tcp, or dns over either
  return static_cast<Path>(path - arp * (path - 1));
}
}  // namespace

inline Path ClassifyStage::choose_path(const proto::ParsedPacket& p) const {
  const unsigned udp = p.l4_proto == kUdp, tcp = p.l4_proto == kTcp;
  const unsigned ports = ((p.flags & flag::l4_parsed) != 0) & (udp | tcp);
  const unsigned udp_fragment = ((p.flags & flag::fragment) != 0) & udp & udp_fragments_to_dns_;
  const unsigned dns = (ports & is_dns_port(p.src_port, p.dst_port)) | udp_fragment;
  return path_from(ports & tcp, dns, p.l3 == L3Kind::arp);
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
  // Frames spanning segments: the same span as a contiguous frame, summed over the chain.
  // (DPDK's rte_ipv6_udptcp_cksum_mbuf_verify takes no extension headers, and its IPv4 twin takes
  // the length from the IP header, not UDP's.)
  if (!(p.flags & flag::l4_parsed) || (p.flags & flag::fragment)) return true;
  if (p.l3 != L3Kind::ipv4 && p.l3 != L3Kind::ipv6) return true;
  const proto::L4ChecksumSpan span = proto::l4_checksum_span(data, p);
  if (span.kind != proto::L4ChecksumSpan::Kind::sum) return span.kind == proto::L4ChecksumSpan::Kind::accept;
  uint16_t raw = 0;
  if (p.l4_offset + span.l4_len > m->pkt_len || rte_raw_cksum_mbuf(m, p.l4_offset, span.l4_len, &raw) != 0)
    return false;
  // DPDK sums in CPU byte order, proto:: in network order; a one's-complement sum swaps whole.
  return proto::checksum_finish(span.pseudo + rte_be_to_cpu_16(raw)) == 0;
}

Path ClassifyStage::classify_general(rte_mbuf* m, BurstTally& t) {
  core::PacketMeta* md = core::meta(m);
  proto::ParsedPacket& p = md->pkt;
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);

  proto::ParseOptions opts = parse_opts_;
  const uint64_t ip_ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  if (ip_ck == RTE_MBUF_F_RX_IP_CKSUM_GOOD) opts.verify_ipv4_checksum = false;
  ParseError err = proto::detail::parse_packet_general(data, m->data_len, m->pkt_len, opts, p);
  if (err == ParseError::ok && ip_ck == RTE_MBUF_F_RX_IP_CKSUM_BAD && p.l3 == L3Kind::ipv4 &&
      parse_opts_.verify_ipv4_checksum)
    err = ParseError::ipv4_bad_checksum;
  if (err != ParseError::ok) {
    ++t.dropped;
    core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(err)));
    return Path::other;
  }
  const Path path = choose_path(p);
  if (verify_l4_[static_cast<size_t>(path)] && (p.flags & flag::l4_parsed) &&
      !(p.flags & flag::fragment) && !l4_checksum_ok(m, p, t)) {
    ++t.dropped;
    core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(ParseError::l4_bad_checksum)));
    return Path::other;
  }
  ++t.l3[static_cast<size_t>(p.l3)];
  const uint16_t f = p.flags;
  t.vlan += (f & flag::vlan) != 0;
  t.qinq += (f & flag::qinq) != 0;
  t.fragments += (f & flag::fragment) != 0;
  t.ipv4_options += (f & flag::ipv4_options) != 0;
  t.ipv6_ext += (f & flag::ipv6_ext) != 0;
  return path;
}

template <bool kReceived>
void ClassifyStage::classify_burst(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx, BurstTally& t) {
  // The metadata line is one RX never touched, and the packet data may have left L1 since RX
  // copied it: fetch both a few packets ahead. Fetching the whole burst's metadata at once and
  // then stamping it stalled on the stamping stores (perf: the hottest spot of classify).
  const auto prefetch = [](rte_mbuf* m) {
    rte_prefetch0_write(core::meta(m));
    rte_prefetch0(rte_pktmbuf_mtod(m, void*));
  };
  for (uint16_t i = 0; i < n && i < kPrefetchAhead; ++i) prefetch(pkts[i]);
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) prefetch(pkts[i + kPrefetchAhead]);
    rte_mbuf* m = pkts[i];
    core::PacketMeta* md = core::meta(m);
    if constexpr (kReceived) {
      md->in_port = ctx.rx_port;
      if (!ctx.rx_stamped) md->rx_tsc = ctx.now_tsc;
    }
    // The fast path: option-less unfragmented IPv4 UDP/TCP (the general walk answers the rest,
    // and whatever the NIC flagged as a bad IPv4 checksum).
    const uint64_t ip_ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    Path path;
    if (ip_ck != RTE_MBUF_F_RX_IP_CKSUM_BAD &&
        proto::detail::parse_ipv4_udp_tcp(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len,
                                          parse_opts_.verify_ipv4_checksum && ip_ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD,
                                          md->pkt))
        [[likely]] {
      const proto::ParsedPacket& p = md->pkt;
      // What choose_path decides, from what the fast path already knows: UDP or TCP, ports
      // parsed, not a fragment, not ARP.
      path = path_from(p.l4_proto == kTcp, is_dns_port(p.src_port, p.dst_port), 0);
      // Tested first: with checksums offloaded (or not wanted) the branch does not wait for the path.
      if (verify_any_l4_ && verify_l4_[static_cast<size_t>(path)] && !l4_checksum_ok(m, p, t)) [[unlikely]] {
        ++t.dropped;
        core::set_drop(m, static_cast<uint16_t>(core::drop_reason_of(ParseError::l4_bad_checksum)));
        ctx.next_of[i] = core::dest::drop;
        continue;
      }
      ++t.fast;
    } else {
      const uint32_t dropped = t.dropped;
      path = classify_general(m, t);
      if (t.dropped != dropped) {
        ctx.next_of[i] = core::dest::drop;
        continue;
      }
    }
    md->path = path;
    ctx.next_of[i] = static_cast<uint8_t>(stage_of(path));
  }
}

uint16_t ClassifyStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  BurstTally t;
  if (ctx.rx_port != core::kNoPort) classify_burst<true>(pkts, n, ctx, t);
  else classify_burst<false>(pkts, n, ctx, t);
  ctx.use_next_of();
  // Each path has its own stage, so the verdicts count the paths: one compare per path for the
  // burst, rather than a counter in memory bumped per packet (a chain of dependent stores when
  // consecutive packets share a path).
  const core::VerdictLanes verdicts(ctx.next_of, n);
  for (const Path p : {Path::arp, Path::dns, Path::tcp, Path::other})
    if (const uint16_t k = verdicts.count(static_cast<uint8_t>(stage_of(p)))) c_.path[static_cast<size_t>(p)].add(k);
  t.l3[static_cast<size_t>(L3Kind::ipv4)] += t.fast;
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

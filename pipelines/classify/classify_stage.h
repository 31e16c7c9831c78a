// Classify: parses L2-L4 once into the packet's metadata, drops malformed frames by reason, and
// picks the path (ARP, DNS, TCP or other). Defence look-ups (lists, rate limits, reputation)
// will sit here too, after the parse and before the path hand-off.
#pragma once

#include <array>
#ifdef __AVX512BW__
#include <immintrin.h>
#endif
#include <cstdint>
#include <vector>

#include "core/meta.h"
#include "core/stage.h"

namespace rampart::classify {

struct ClassifyConfig {
  std::vector<uint16_t> dns_ports{53};  // UDP or TCP, either direction
  // UDP fragments (any offset: later ones carry no ports) go to the dns path, whose stage
  // reassembles copies of them and passes the fragments on unchanged.
  bool udp_fragments_to_dns = true;
  bool verify_ipv4_checksum = true;
  // Paths whose L4 checksums are verified (in software when the NIC did not): where a stage acts
  // on the payload (DNS parsing, TCP state) a corrupt segment must not count.
  std::array<bool, 5> verify_l4_checksum{false, false, true, true, false};  // by core::Path
};

class ClassifyStage final : public core::Stage {
 public:
  static constexpr size_t kMaxDnsPorts = 8;
  explicit ClassifyStage(const ClassifyConfig& cfg);

  core::StageId id() const override { return core::StageId::classify; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;

 private:
  // Tallies for one burst, added to the shared counters once per burst (VPP style).
  struct BurstTally {
    std::array<uint32_t, 4> l3{};    // by proto::L3Kind (the fast path counts as ipv4)
    uint32_t vlan = 0, qinq = 0, fragments = 0, ipv4_options = 0, ipv6_ext = 0;
    uint32_t l4_checksum_sw = 0, l4_checksum_hw = 0;
    uint32_t fast = 0;     // took the IPv4 UDP/TCP fast path
    uint32_t dropped = 0;  // verdict: drop (reason in the metadata)
  };

  // Eight lanes of DNS ports (unused lanes repeat the first port), compared in one go.
  using PortLanes = uint16_t __attribute__((vector_size(16)));

  // 1 when either port is a DNS port, else 0 (an integer, for branch-free path selection).
  unsigned is_dns_port(uint16_t src, uint16_t dst) const {
    // The usual configuration (port 53 alone): two scalar compares have the shortest latency.
    if (single_dns_port_) return static_cast<unsigned>(src == dns_lanes_[0]) | static_cast<unsigned>(dst == dns_lanes_[0]);
#ifdef __AVX512BW__
    const __m128i lanes = reinterpret_cast<const __m128i&>(dns_lanes_);
    const __mmask8 hit = _mm_cmpeq_epi16_mask(lanes, _mm_set1_epi16(static_cast<short>(src))) |
                         _mm_cmpeq_epi16_mask(lanes, _mm_set1_epi16(static_cast<short>(dst)));
    return static_cast<unsigned>(hit != 0) & has_dns_ports_;
#else
    const PortLanes hit = (dns_lanes_ == src) | (dns_lanes_ == dst);  // lanes of all-ones or 0
    uint64_t w[2];
    __builtin_memcpy(w, &hit, sizeof w);
    return static_cast<unsigned>((w[0] | w[1]) != 0) & has_dns_ports_;
#endif
  }
  // Parses pkts[0..n) and writes their verdicts to ctx.next_of; kReceived: straight from a port
  // (stamp the arrival port and time), rather than from a ring or a test.
  template <bool kReceived>
  void classify_burst(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx, BurstTally& t);
  core::Path choose_path(const proto::ParsedPacket& p) const;
  bool l4_checksum_ok(rte_mbuf* m, const proto::ParsedPacket& p, BurstTally& t);
  // Everything the IPv4 UDP/TCP fast path leaves: the general parse, drops, the rarer paths.
  core::Path classify_general(rte_mbuf* m, BurstTally& t);

  struct alignas(64) Counters {
    std::array<core::Counter, 5> path{};  // by core::Path
    std::array<core::Counter, 4> l3{};    // by proto::L3Kind: non-IP, IPv4, IPv6, ARP
    core::Counter vlan, qinq, fragments, ipv4_options, ipv6_ext;
    core::Counter l4_checksum_sw, l4_checksum_hw;
  };

  PortLanes dns_lanes_{};
  bool has_dns_ports_ = false;
  bool single_dns_port_ = false;
  bool verify_any_l4_ = false;  // some path verifies L4 checksums
  bool udp_fragments_to_dns_ = true;
  proto::ParseOptions parse_opts_;
  std::array<bool, 5> verify_l4_{};
  Counters c_;
};

}  // namespace rampart::classify

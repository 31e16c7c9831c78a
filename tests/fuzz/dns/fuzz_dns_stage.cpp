// libFuzzer target: the whole DNS path of one lcore -- classify, then the DNS stage with its
// pending table, statistics, top-N summaries, detectors, TCP reassembly and IP fragment
// reassembly -- over a sequence of frames built from the input, with time moving on between
// them. Whatever the frames hold: no crash, no sanitizer report, and every mbuf back in the pool
// once the stage is gone (the fragment copies included). Runs in EAL (--no-huge, --no-shconf, no
// PCI, no telemetry socket), a small stage per input so that runs are independent.
//
// Input: records of [kind][ms][len, 2 bytes big-endian][len bytes]. kind's low 3 bits pick the frame: a UDP query or
// response over IPv4 or IPv6, a TCP segment either way (the first 5 bytes of the record: flags
// and sequence number), an IPv4 UDP fragment (the first 3: offset, more-fragments, id), or a raw
// Ethernet frame; bits 3-4 pick one of 4 clients. ms advances the stage's clock (timeouts, window
// ends, idle flows).
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "classify/classify_stage.h"
#include "core/meta.h"
#include "core/stage.h"
#include "dns/dns_stage.h"
#include "dns/names.h"
#include "proto/builder.h"

namespace {

using namespace rampart;

rte_mempool* g_pool = nullptr;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<uint8_t> frame_for(uint8_t kind, std::span<const uint8_t> body) {
  static const proto::Ipv4Addr kServer4{192, 0, 2, 53};
  static const proto::Ipv6Addr kServer6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
  const uint8_t client = (kind >> 3) & 3;
  const proto::Ipv4Addr c4{10, 0, 0, uint8_t(1 + client)};
  proto::Ipv6Addr c6 = kServer6;
  c6[15] = uint8_t(1 + client);
  const uint16_t cport = uint16_t(40000 + client);
  proto::PacketBuilder b;
  b.eth("02:00:00:00:00:01", "02:00:00:00:00:02");
  switch (kind & 7) {
    case 0: b.ipv4(c4, kServer4).udp(cport, 53).payload(body); break;
    case 1: b.ipv4(kServer4, c4).udp(53, cport).payload(body); break;
    case 2:
    case 3: {
      if (body.size() < 5) return {};
      const uint32_t seq = uint32_t(body[1]) << 24 | uint32_t(body[2]) << 16 | uint32_t(body[3]) << 8 | body[4];
      const bool to_server = (kind & 7) == 2;
      b.ipv4(to_server ? c4 : kServer4, to_server ? kServer4 : c4)
          .tcp(to_server ? cport : 53, to_server ? 53 : cport, body[0], seq, 1)
          .payload(body.subspan(5));
      break;
    }
    case 4: b.ipv6(c6, kServer6).udp(cport, 53).payload(body); break;
    case 5: b.ipv6(kServer6, c6).udp(53, cport).payload(body); break;
    case 6: {
      if (body.size() < 3) return {};
      const uint16_t off = uint16_t((body[0] & 0x1f) * 8 * 8);
      b.ipv4(kServer4, c4).ipv4_fragment(off, body[1] & 1, body[2]);
      if (off == 0) b.udp(53, cport);
      b.payload(body.subspan(3));
      break;
    }
    default: return std::vector<uint8_t>(body.begin(), body.end());
  }
  return b.build();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string prefix = "fuzz-dns-stage-" + std::to_string(getpid());
  const char* args[] = {"fuzz_dns_stage", "--no-pci", "--no-huge", "-m", "256", "--no-shconf",
                        "--no-telemetry", "-l", "0", "--log-level", "error", "--file-prefix",
                        prefix.c_str()};
  if (rte_eal_init(int(sizeof args / sizeof *args), const_cast<char**>(args)) < 0) {
    std::fprintf(stderr, "fuzz_dns_stage: rte_eal_init failed\n");
    std::abort();
  }
  g_pool = rte_pktmbuf_pool_create("fuzz_frames", 1023, 0, core::kMetaPrivSize,
                                   RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (!g_pool) std::abort();
  // libFuzzer leaves through exit(): release EAL and remove its runtime directory
  // (/var/run/dpdk/<prefix> as root), which --no-shconf still creates.
  std::atexit([] {
    const std::string dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dns::DnsConfig cfg;
  cfg.pending_entries = 64;
  cfg.topn_capacity = 8;
  cfg.tcp_flows = 2;
  cfg.ip_frag_entries = 4;
  cfg.ip_frag_max_fragments = 4;
  const uint64_t hz = rte_get_tsc_hz();
  const unsigned in_use = rte_mempool_in_use_count(g_pool);
  {
    classify::ClassifyStage classify{classify::ClassifyConfig{}};
    dns::DnsStage stage(cfg, core::ForwardConfig{}, hz);
    uint64_t now = hz;  // one second in: no clock starts at zero
    size_t pos = 0;
    while (pos + 4 <= size) {
      const uint8_t kind = data[pos], ms = data[pos + 1];
      size_t len = size_t(data[pos + 2]) << 8 | data[pos + 3];
      pos += 4;
      if (len > size - pos) len = size - pos;
      const std::vector<uint8_t> f = frame_for(kind, {data + pos, len});
      pos += len;
      now += uint64_t(ms) * hz / 1000;
      core::StageContext ctx;
      ctx.now_tsc = now;
      if (f.empty() || f.size() > RTE_MBUF_DEFAULT_DATAROOM) continue;
      rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
      check(m != nullptr);
      std::memcpy(rte_pktmbuf_append(m, uint16_t(f.size())), f.data(), f.size());
      core::meta(m)->in_port = 0;
      core::meta(m)->rx_tsc = now;
      classify.process(&m, 1, ctx);
      if (core::verdict_of(ctx, &m, 0) == static_cast<uint8_t>(core::StageId::dns)) {
        ctx.routing = core::dest::none;
        stage.process(&m, 1, ctx);
      }
      rte_pktmbuf_free(m);
      if (ms & 0x80) stage.flush(ctx);
    }
    core::StageContext ctx;
    ctx.now_tsc = now + 60 * hz;  // every query, flow and fragment timed out
    stage.flush(ctx);
    // What the control plane reads and renders: the summaries (names as text) and the alerts.
    const auto& top = stage.top();
    for (const auto* list : {&top.names, &top.domains, &top.nxdomain})
      for (const auto& item : list->read()) check(!dns::wire_to_text(reinterpret_cast<const uint8_t*>(item.key.data()), item.key.size()).empty());
    (void)stage.detectors().read();
    (void)stage.tcp_stats();
  }
  check(rte_mempool_in_use_count(g_pool) == in_use);  // no mbuf kept, frames or fragment copies
  return 0;
}

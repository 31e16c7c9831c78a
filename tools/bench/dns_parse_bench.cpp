// ns per message for dns::parse over the DNS payloads of a capture (default: dnscap-dns.pcap),
// as a parse-only figure and with the typical consumer work (qname hash, every rdata validated).
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "proto/packet.h"

namespace dns = rampart::proto::dns;
namespace proto = rampart::proto;

int main(int argc, char** argv) {
  const char* file = argc > 1 ? argv[1] : "/work/shared/testdata/dns-public/dnscap-dns.pcap";
  const long rounds = argc > 2 ? std::atol(argv[2]) : 20000;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(file, err);
  if (!pc) {
    std::fprintf(stderr, "%s\n", err);
    return 1;
  }
  std::vector<std::vector<uint8_t>> msgs;
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    proto::ParsedPacket pp;
    if (proto::parse_packet(d, h->caplen, proto::ParseOptions{}, pp) != proto::ParseError::ok) continue;
    if (pp.l4_proto != 17 || !(pp.flags & proto::pkt_flag::l4_parsed)) continue;
    if (pp.src_port != 53 && pp.dst_port != 53) continue;
    msgs.emplace_back(d + pp.payload_offset, d + pp.payload_offset + pp.payload_len);
  }
  pcap_close(pc);
  if (msgs.empty()) {
    std::fprintf(stderr, "no DNS over UDP in %s\n", file);
    return 1;
  }
  size_t bytes = 0;
  for (auto& m : msgs) bytes += m.size();
  dns::MessageBuf<64> m;
  volatile uint64_t sink = 0;
  auto run = [&](bool deep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long r = 0; r < rounds; ++r) {
      for (auto& b : msgs) {
        const auto res = dns::parse(b.data(), b.size(), m);
        sink = sink + uint64_t(res.error) + m.record_count();
        if (deep) {
          sink = sink + m.qname().hash_ci();
          for (const auto& rec : m) sink = sink + uint64_t(dns::validate_rdata(m, rec));
        }
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(rounds * msgs.size());
  };
  run(false);  // warm caches and branch predictors
  const double parse_ns = run(false);
  const double deep_ns = run(true);
  std::printf("%zu messages (avg %.0f bytes) x %ld rounds\n", msgs.size(),
              double(bytes) / double(msgs.size()), rounds);
  std::printf("dns::parse                         %.1f ns/message\n", parse_ns);
  std::printf("parse + qname hash + rdata checks  %.1f ns/message\n", deep_ns);
  return 0;
}

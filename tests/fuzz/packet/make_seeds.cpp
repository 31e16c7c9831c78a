// Writes the seed corpus for fuzz-packet: one file per frame kind the parser knows, built with
// PacketBuilder so the seeds are valid (checksums included) and follow the code when it changes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "proto/builder.h"

using namespace rampart::proto;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto v4 = [] { return PacketBuilder().ipv4("192.0.2.1", "198.51.100.2"); };
  auto v6 = [] { return PacketBuilder().ipv6("2001:db8::1", "2001:db8::2"); };
  const auto syn_opts = tcp_opt::join({tcp_opt::mss(1460), tcp_opt::sack_permitted(),
                                       tcp_opt::timestamp(1, 0), tcp_opt::nop(), tcp_opt::wscale(7)});
  const std::vector<std::vector<uint8_t>> frames = {
      v4().udp(5353, 53).payload("dns-query-bytes").build(),
      v4().udp(53, 5353).payload("x").override_l4_checksum(0).pad_to(60).build(),
      v4().tcp(40000, 80, tcp_flag::syn, 1, 0, 29200, syn_opts).build(),
      v4().tcp(80, 40000, tcp_flag::psh | tcp_flag::ack, 2, 3).payload("HTTP/1.1 200 OK").build(),
      v4().icmp(8, 0, 1, 1).payload("ping").build(),
      v4().ipv4_options({0x94, 4, 0, 0}).udp(1, 2).build(),
      v4().ipv4_fragment(0, true, 7).udp(1, 2).payload(std::string(32, 'a')).build(),
      v4().ipv4_fragment(40, false, 7).override_ip_protocol(17).payload("tail").build(),
      v4().vlan(11).udp(1, 53).build(),
      v4().vlan(100, 0, 0x88a8).vlan(200).tcp(1, 2, tcp_flag::rst).build(),
      v4().override_ip_protocol(47).payload("gre").build(),
      v6().udp(5353, 53).payload("q").build(),
      v6().tcp(1, 443, tcp_flag::syn, 0, 0, 65535, syn_opts).build(),
      v6().icmp(128, 0, 1, 2).build(),
      v6().ipv6_ext(0).ipv6_ext(43, 24).ipv6_ext(60, 16).udp(1, 2).payload("ext").build(),
      v6().ipv6_ext(51, 12).tcp(1, 2, tcp_flag::ack).build(),
      v6().ipv6_fragment(0, true, 1).udp(1, 2).payload(std::string(16, 'b')).build(),
      v6().ipv6_fragment(24, false, 1).override_ip_protocol(17).payload("end").build(),
      v6().ipv6_ext(60).override_ip_protocol(50).payload("esp-data").build(),
      v6().vlan(5).ipv6_ext(0).build(),
      PacketBuilder().arp(1, "02:00:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2")
          .pad_to(60).build(),
      PacketBuilder().ethertype(0x88cc).payload("lldp").build(),
  };
  int n = 0;
  for (const auto& f : frames) {
    // Control byte 255: the whole frame contiguous. A second copy starts from a short head.
    for (uint8_t ctl : {uint8_t{255}, uint8_t{100}}) {
      char name[32];
      std::snprintf(name, sizeof name, "seed-%03d", n++);
      std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
      out.put(static_cast<char>(ctl));
      out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
      if (!out) return 1;
    }
  }
  return 0;
}

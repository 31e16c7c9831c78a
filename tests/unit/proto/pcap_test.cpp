// Cross-checks the parser and the builder against real DNS captures (DNS-OARC test data).
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "proto/builder.h"
#include "proto/packet.h"

namespace rampart::proto {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

fs::path capture_dir() {
  const char* env = std::getenv("RAMPART_DNS_PCAPS");
  return env ? fs::path(env) : fs::path("/work/shared/testdata/dns-public");
}

// Frames as Ethernet: raw-IP captures get a synthetic header so one parser entry point serves all.
std::vector<Bytes> read_frames(const fs::path& file) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(file.c_str(), err);
  if (!pc) {
    ADD_FAILURE() << file << ": " << err;
    return {};
  }
  const int dlt = pcap_datalink(pc);
  std::vector<Bytes> frames;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(pc, &h, &data) == 1) {
    Bytes f;
    if (dlt == DLT_EN10MB) {
      f.assign(data, data + h->caplen);
    } else if (dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6 || dlt == 101) {
      const bool v6 = h->caplen > 0 && (data[0] >> 4) == 6;
      f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, static_cast<uint8_t>(v6 ? 0x86 : 0x08),
           static_cast<uint8_t>(v6 ? 0xdd : 0x00)};
      f.insert(f.end(), data, data + h->caplen);
    } else {
      ADD_FAILURE() << file << ": unexpected link type " << dlt;
      break;
    }
    frames.push_back(std::move(f));
  }
  pcap_close(pc);
  return frames;
}

// Checksum verdicts expected per file, counted with tshark 4.0 (ip/udp/tcp.check_checksum on,
// fragments excluded). Several captures were taken on the sender with checksum offload, and two
// had their IP headers edited after capture, so bad checksums are part of the real data.
struct Expected {
  const char* file;
  int ipv4_bad, l4_bad;
};
constexpr Expected kExpected[] = {
    {"dnscap-1qtcpnosyn.pcap", 0, 5},        {"dnscap-1qtcppadd.pcap", 0, 6},
    {"dnscap-dns.pcap", 0, 41},              {"dnscap-dns6.pcap", 0, 1},
    {"dnscap-dnso1tcp-bighole.pcap", 0, 82}, {"dnscap-dnso1tcp-midmiss.pcap", 0, 9},
    {"dnscap-dnso1tcp.pcap", 0, 87},         {"dnscap-dnsotcp-many1pkt.pcap", 1, 6},
    {"dnscap-dnsotcp-manyopkts.pcap", 2, 4}, {"dnscap-dnspad.pcap", 1, 1},
    {"dnscap-do1t-nosyn-1nolen.pcap", 0, 4}, {"dnscap-edns.pcap", 0, 11},
    {"dnscap-frags.pcap", 0, 0},             {"dnscap-vlan11.pcap", 0, 0},
    {"dsc-1458044657.pcap", 0, 4},           {"dsc-pid.pcap", 0, 2},
    {"dsc-test_285.pcap", 0, 4},
};

TEST(RealCaptures, EveryFrameParsesAsDns) {
  const fs::path dir = capture_dir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " not present";
  constexpr ParseOptions kHeadersOnly{.verify_ipv4_checksum = false};
  constexpr ParseOptions kIpv4Sum{.verify_ipv4_checksum = true};
  constexpr ParseOptions kL4Sum{.verify_ipv4_checksum = false, .verify_l4_checksum = true};
  for (const Expected& ex : kExpected) {
    SCOPED_TRACE(ex.file);
    const std::string name = ex.file;
    auto frames = read_frames(dir / ex.file);
    ASSERT_FALSE(frames.empty());
    int vlan = 0, v6 = 0, frag = 0, later = 0, tcp = 0, udp = 0, icmp = 0, arp = 0, ip_bad = 0,
        l4_bad = 0;
    for (size_t i = 0; i < frames.size(); ++i) {
      SCOPED_TRACE("frame " + std::to_string(i + 1));
      const Bytes& f = frames[i];
      const auto len = static_cast<uint32_t>(f.size());
      ParsedPacket p;
      ASSERT_EQ(parse_packet(f.data(), len, kHeadersOnly, p), ParseError::ok);
      if (p.flags & pkt_flag::vlan) {
        ++vlan;
        EXPECT_EQ(p.outer_vlan, 11);
      }
      if (p.l3 == L3Kind::arp) {
        ++arp;
        continue;
      }
      ASSERT_TRUE(p.l3 == L3Kind::ipv4 || p.l3 == L3Kind::ipv6);
      v6 += p.l3 == L3Kind::ipv6;
      frag += (p.flags & pkt_flag::fragment) != 0;
      ParsedPacket q;
      const ParseError ip_sum = parse_packet(f.data(), len, kIpv4Sum, q);
      ASSERT_TRUE(ip_sum == ParseError::ok || ip_sum == ParseError::ipv4_bad_checksum);
      ip_bad += ip_sum == ParseError::ipv4_bad_checksum;
      if (p.flags & pkt_flag::later_fragment) {
        ++later;
        EXPECT_EQ(p.l4_proto, 17);
        continue;
      }
      ASSERT_TRUE(p.flags & pkt_flag::l4_parsed);
      if (p.l4_proto == 1) {  // a few pings sit among the DNS in dns.pcap and vlan11.pcap
        ++icmp;
        EXPECT_TRUE(verify_l4_checksum(f.data(), len, p));  // tshark: all good
        continue;
      }
      EXPECT_TRUE(p.src_port == 53 || p.dst_port == 53);
      tcp += p.l4_proto == 6;
      udp += p.l4_proto == 17;
      const ParseError l4_sum = parse_packet(f.data(), len, kL4Sum, q);
      ASSERT_TRUE(l4_sum == ParseError::ok || l4_sum == ParseError::l4_bad_checksum);
      l4_bad += l4_sum == ParseError::l4_bad_checksum;
      EXPECT_EQ(verify_l4_checksum(f.data(), len, p), l4_sum == ParseError::ok);
    }
    EXPECT_EQ(ip_bad, ex.ipv4_bad);
    EXPECT_EQ(l4_bad, ex.l4_bad);
    const bool tagged = name.find("vlan11") != std::string::npos;
    EXPECT_EQ(vlan, tagged ? static_cast<int>(frames.size()) : 0);
    if (name.find("dns6") != std::string::npos) {
      EXPECT_EQ(v6, static_cast<int>(frames.size()));
    }
    if (name.find("frags") != std::string::npos) {
      EXPECT_EQ(frag, static_cast<int>(frames.size()));
      EXPECT_GT(later, 0);
      EXPECT_GT(udp, 0);
    }
    if (name.find("tcp") != std::string::npos) {
      EXPECT_GT(tcp, 0);
    }
    EXPECT_EQ(tcp + udp + icmp + later + arp, static_cast<int>(frames.size()));
  }
}

Bytes nth_frame(const char* file, size_t n) {
  auto frames = read_frames(capture_dir() / file);
  return frames.size() < n ? Bytes{} : frames[n - 1];
}

// A real stack's bytes are the oracle for the builder's layout and checksums. The frames chosen
// are responses from 8.8.8.8, whose checksums tshark reports good.
TEST(RealCaptures, BuilderReproducesUdpResponse) {
  if (!fs::is_directory(capture_dir())) GTEST_SKIP();
  const Bytes real = nth_frame("dnscap-dns.pcap", 2);
  ASSERT_EQ(real.size(), 222u);
  Bytes built = PacketBuilder()
                    .eth("56:84:7a:fe:97:99", "02:42:ac:11:00:0a")
                    .ipv4("8.8.8.8", "172.17.0.10", 63)
                    .ipv4_id(0xb8c6)
                    .udp(53, 0xcfcf)
                    .payload(std::span(real).subspan(42))
                    .build();
  EXPECT_EQ(built, real);
}

TEST(RealCaptures, BuilderReproducesIpv6Response) {
  if (!fs::is_directory(capture_dir())) GTEST_SKIP();
  const Bytes real = nth_frame("dnscap-dns6.pcap", 2);
  ASSERT_EQ(real.size(), 117u);
  Bytes built = PacketBuilder()
                    .eth("00:0c:db:fe:58:21", "00:25:90:64:2b:c6")
                    .ipv6("2001:4860:4860::8888", "2a01:3f0:0:57::245", 61)
                    .ipv6_flow_label(0x99687)
                    .udp(53, 0xcb04)
                    .payload(std::span(real).subspan(62))
                    .build();
  EXPECT_EQ(built, real);
}

TEST(RealCaptures, BuilderReproducesTcpSynAckAndTrailerIsIgnored) {
  if (!fs::is_directory(capture_dir())) GTEST_SKIP();
  const Bytes real = nth_frame("dnscap-1qtcppadd.pcap", 2);
  ASSERT_EQ(real.size(), 81u);  // 74 bytes of frame + a 7-byte trailer
  auto opts = tcp_opt::join({tcp_opt::mss(1288), tcp_opt::sack_permitted(),
                             tcp_opt::timestamp(3299901623u, 358240687u), tcp_opt::nop(),
                             tcp_opt::wscale(8)});
  Bytes built = PacketBuilder()
                    .eth("02:42:65:f2:6d:ba", "02:42:ac:11:00:09")
                    .ipv4("8.8.8.8", "172.17.0.9", 54)
                    .ipv4_id(0xeb38)
                    .tcp(53, 48613, tcp_flag::syn | tcp_flag::ack, 0x367d0f2c, 0xfbdbc039, 28400,
                         opts)
                    .pad_to(81)
                    .build();
  ASSERT_EQ(built.size(), real.size());
  EXPECT_EQ(Bytes(built.begin(), built.begin() + 74), Bytes(real.begin(), real.begin() + 74));
  ParsedPacket p;
  ASSERT_EQ(parse_packet(real.data(), 81, ParseOptions{.verify_l4_checksum = true}, p),
            ParseError::ok);
  EXPECT_EQ(p.l3_len, 60);
  EXPECT_EQ(p.payload_len, 0);
  EXPECT_EQ(p.tcp_flags, tcp_flag::syn | tcp_flag::ack);
}

}  // namespace
}  // namespace rampart::proto

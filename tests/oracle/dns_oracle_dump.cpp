// Decodes every DNS message of a pcap with Rampart's parsers and prints one line per message,
// field for field as dns_oracle.py extracts them from tshark's PDML, so the two can be diffed.
//
// L2-L4 comes from rampart::proto::parse_packet. IPv4 fragments are reassembled here, in the test
// harness (the appliance's classify stage has its own policy for fragments). DNS over TCP goes
// through TcpStreamReassembler, one per direction, keyed by addresses and ports.
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "proto/dns/tcp_stream.h"
#include "proto/packet.h"

namespace dns = rampart::proto::dns;
namespace proto = rampart::proto;

namespace {

// Length of the valid UTF-8 sequence at p (n bytes left), 0 if there is none: no overlong forms,
// no surrogates, nothing above U+10FFFF.
size_t utf8_len(const uint8_t* p, size_t n) {
  const uint8_t c = p[0];
  size_t len;
  uint32_t cp, min;
  if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

constexpr const char* kReplacement = "\xef\xbf\xbd";  // U+FFFD, as tshark shows invalid bytes

// tshark 4.0's format_text(): printable ASCII and valid UTF-8 as they are, \a \b \t \n \v \f \r as
// C escapes, other control bytes as \ooo, each byte of invalid UTF-8 as U+FFFD.
std::string ws_format_text(const uint8_t* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n;) {
    const uint8_t c = p[i];
    if (c >= 0x80) {
      const size_t u = utf8_len(p + i, n - i);
      if (u) out.append(reinterpret_cast<const char*>(p + i), u), i += u;
      else out += kReplacement, ++i;
      continue;
    }
    ++i;
    static constexpr char esc[] = "abtnvfr";
    if (c >= 0x20 && c < 0x7f) out += char(c);
    else if (c >= 0x07 && c <= 0x0d) out += '\\', out += esc[c - 0x07];
    else {
      char b[8];
      std::snprintf(b, sizeof b, "\\%03o", c);
      out += b;
    }
  }
  return out;
}

// A name as tshark 4.0 shows it: format_text over the dotted name, no trailing dot, "<Root>" for
// the root. A '.' inside a label stays a '.', as in tshark.
std::string ws_name(const dns::Name& n) {
  if (n.is_root()) return "<Root>";
  std::string raw;
  n.for_each_label([&](const uint8_t* l, uint8_t len) {
    if (!raw.empty()) raw += '.';
    raw.append(reinterpret_cast<const char*>(l), len);
  });
  return ws_format_text(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
}

// A CAA value as tshark 4.0 shows it: the bytes are read as ASCII (each byte >= 0x80 becomes the
// 3-byte U+FFFD), then format_text() runs over the *original* length of the value, so a value with
// such bytes loses its tail (tshark's own quirk, reproduced so the comparison stays exact).
std::string ws_caa_value(std::string_view v) {
  std::string s;
  for (const char ch : v) {
    if (uint8_t(ch) >= 0x80) s += kReplacement;
    else s += ch;
  }
  s.resize(std::min(s.size(), v.size()));
  return ws_format_text(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// tshark 4.0's rendering of an ASCII string field (TXT strings, CAA tag and value): it ends at a
// NUL; bytes >= 0x80 each become U+FFFD; control bytes are \xN (hex, no padding) except tab, LF and
// CR, which tshark leaves raw and dns_oracle.py turns into \t \n \r to keep its line format.
std::string ws_ascii(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = uint8_t(ch);
    if (c == 0) break;
    if (c >= 0x80) out += kReplacement;
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%x", c);
      out += b;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string hex_colon(const uint8_t* p, size_t n) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, i ? ":%02x" : "%02x", p[i]);
    s += b;
  }
  return s;
}

std::string ip4(const uint8_t* p) {
  char b[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, p, b, sizeof b);
  return b;
}
std::string ip6(const uint8_t* p) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, p, b, sizeof b);
  return b;
}

struct Line {
  std::string s;
  void add(const char* k, const std::string& v) {
    s += '\t';
    s += k;
    s += '=';
    s += v;
  }
  void add(const char* k, uint64_t v) { add(k, std::to_string(v)); }
  void addx(const char* k, unsigned v, int width) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%0*x", width, v);
    add(k, b);
  }
};

void dump_rdata(const dns::Message& m, const dns::Record& r, Line& L) {
  using namespace dns;
  switch (r.type) {
    case type::A: {
      RdataA a;
      if (decode_a(m, r, a) == Error::ok) L.add("dns.a", ip4(a.addr));
      break;
    }
    case type::AAAA: {
      RdataAAAA a;
      if (decode_aaaa(m, r, a) == Error::ok) L.add("dns.aaaa", ip6(a.addr));
      break;
    }
    case type::NS:
    case type::CNAME:
    case type::PTR: {
      RdataName n;
      if (decode_name(m, r, n) == Error::ok)
        L.add(r.type == type::NS ? "dns.ns" : r.type == type::CNAME ? "dns.cname" : "dns.ptr.domain_name",
              ws_name(n.name));
      break;
    }
    case type::MX: {
      RdataMX x;
      if (decode_mx(m, r, x) == Error::ok) {
        L.add("dns.mx.preference", x.preference);
        L.add("dns.mx.mail_exchange", ws_name(x.exchange));
      }
      break;
    }
    case type::TXT: {
      TxtStrings t;
      if (decode_txt(m, r, t) == Error::ok) {
        std::string_view s;
        while (t.next(s)) L.add("dns.txt", ws_ascii(s));
      }
      break;
    }
    case type::SOA: {
      RdataSOA x;
      if (decode_soa(m, r, x) == Error::ok) {
        L.add("dns.soa.mname", ws_name(x.mname));
        L.add("dns.soa.rname", ws_name(x.rname));
        L.add("dns.soa.serial_number", x.serial);
        L.add("dns.soa.refresh_interval", x.refresh);
        L.add("dns.soa.retry_interval", x.retry);
        L.add("dns.soa.expire_limit", x.expire);
        L.add("dns.soa.minimum_ttl", x.minimum);
      }
      break;
    }
    case type::SRV: {
      RdataSRV x;
      if (decode_srv(m, r, x) == Error::ok) {
        L.add("dns.srv.priority", x.priority);
        L.add("dns.srv.weight", x.weight);
        L.add("dns.srv.port", x.port);
        L.add("dns.srv.target", ws_name(x.target));
      }
      break;
    }
    case type::CAA: {
      // tshark 4.0 also adds a field named after the tag (dns.caa.issue, .issuewild, .iodef,
      // .unknown) holding the value, and dns.caa.tag_length: derived, not compared.
      RdataCAA x;
      if (decode_caa(m, r, x) == Error::ok) {
        L.addx("dns.caa.flags", x.flags, 2);
        L.add("dns.caa.tag", ws_ascii(x.tag));
        L.add("dns.caa.value", ws_caa_value(x.value));
      }
      break;
    }
    default: break;
  }
}

// tshark 4.0 shows an SRV RR's owner not as dns.resp.name but split on the first two dots into
// service, protocol and name (add_rr_to_tree: wmem_strsplit(name, ".", 3)); the root is "<Root>".
void add_srv_owner(const std::string& owner, Line& L) {
  const size_t a = owner.find('.');
  L.add("dns.srv.service", owner.substr(0, a));
  if (a == std::string::npos) return;
  const size_t b = owner.find('.', a + 1);
  L.add("dns.srv.proto", owner.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1));
  if (b != std::string::npos) L.add("dns.srv.name", owner.substr(b + 1));
}

void dump_opt(const dns::Message& m, const dns::Record& r, Line& L) {
  using namespace dns;
  L.add("dns.rr.udp_payload_size", r.klass);
  L.addx("dns.resp.ext_rcode", r.ttl >> 24, 2);
  L.add("dns.resp.edns0_version", (r.ttl >> 16) & 0xff);
  L.add("dns.resp.z.do", (r.ttl >> 15) & 1);
  L.add("dns.resp.len", r.rdlength);
  RdataOPT opt;
  if (decode_opt(m, r, opt) != Error::ok) return;
  EdnsOption o;
  while (opt.options.next(o)) {
    L.add("dns.opt.code", o.code);
    L.add("dns.opt.len", o.length);
    if (o.code == edns_opt::CLIENT_SUBNET) {
      EdnsClientSubnet e;
      if (decode_client_subnet(o, e) == Error::ok) {
        L.add("dns.opt.client.family", e.family);
        L.add("dns.opt.client.netmask", e.source_prefix);
        L.add("dns.opt.client.scope", e.scope_prefix);
        uint8_t addr[16] = {};
        std::memcpy(addr, e.address, e.address_len);
        L.add(e.family == 1 ? "dns.opt.client.addr4" : "dns.opt.client.addr6",
              e.family == 1 ? ip4(addr) : ip6(addr));
      }
    } else if (o.code == edns_opt::COOKIE) {
      EdnsCookie c;
      if (decode_cookie(o, c) == Error::ok) {
        L.add("dns.opt.cookie.client", hex_colon(c.client, 8));
        if (c.server) L.add("dns.opt.cookie.server", hex_colon(c.server, c.server_len));
      }
    }
  }
}

// --seeds DIR: write each DNS payload to DIR (the fuzzers' corpus) instead of decoding.
std::string g_seed_dir, g_seed_prefix;
unsigned g_seed_n = 0;

// tcp: the message came from a TCP stream (tshark shows its 2-byte length prefix as dns.length).
void dump_message(uint64_t frame, const uint8_t* p, size_t n, bool tcp = false) {
  if (!g_seed_dir.empty()) {
    const std::string path = g_seed_dir + "/" + g_seed_prefix + "-" + std::to_string(frame) + "-" +
                             std::to_string(g_seed_n++);
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fwrite(p, 1, n, f);
      std::fclose(f);
    }
    return;
  }
  dns::MessageBuf<512> m;
  const dns::ParseResult res = dns::parse(p, n, m);
  if (res.error == dns::Error::truncated_header) {
    std::printf("%llu\terror=%s\n", (unsigned long long)frame, std::string(to_string(res.error)).c_str());
    return;
  }
  Line L;
  if (tcp) L.add("dns.length", n);
  L.addx("dns.id", m.id(), 4);
  L.addx("dns.flags", m.flags(), 4);
  L.add("dns.count.queries", m.count(dns::Section::question));
  L.add("dns.count.answers", m.count(dns::Section::answer));
  L.add("dns.count.auth_rr", m.count(dns::Section::authority));
  L.add("dns.count.add_rr", m.count(dns::Section::additional));
  for (const dns::Record& r : m) {
    if (r.section == dns::Section::question) {
      L.add("dns.qry.name", ws_name(m.owner(r)));
      L.add("dns.qry.type", r.type);
      L.addx("dns.qry.class", r.klass, 4);
      continue;
    }
    if (r.type == dns::type::SRV) add_srv_owner(ws_name(m.owner(r)), L);
    else L.add("dns.resp.name", ws_name(m.owner(r)));
    L.add("dns.resp.type", r.type);
    if (r.type == dns::type::OPT) {
      dump_opt(m, r, L);
      continue;
    }
    L.addx("dns.resp.class", r.klass, 4);
    L.add("dns.resp.ttl", r.ttl);
    L.add("dns.resp.len", r.rdlength);
    dump_rdata(m, r, L);
  }
  if (res.error == dns::Error::trailing_garbage) L.add("dns.extraneous.length", m.trailing_bytes());
  else if (!res.ok()) L.add("error", std::string(to_string(res.error)));
  if (m.record_count() < m.records_validated()) L.add("error", "record-overflow");
  std::printf("%llu%s\n", (unsigned long long)frame, L.s.c_str());
}

// ---- IPv4 fragment reassembly (harness only) ----
struct FragKey {
  uint32_t src, dst;
  uint16_t id;
  uint8_t proto;
  bool operator<(const FragKey& o) const {
    return std::tie(src, dst, id, proto) < std::tie(o.src, o.dst, o.id, o.proto);
  }
};
struct FragState {
  std::map<uint32_t, std::vector<uint8_t>> pieces;  // offset -> bytes
  int64_t total = -1;
};

bool reassemble(std::map<FragKey, FragState>& tbl, const uint8_t* ip, size_t ip_len,
                std::vector<uint8_t>& out) {
  const size_t ihl = (ip[0] & 0x0f) * 4u;
  const size_t tot = size_t(ip[2] << 8 | ip[3]);
  if (tot < ihl || tot > ip_len) return false;
  FragKey k;
  std::memcpy(&k.src, ip + 12, 4);
  std::memcpy(&k.dst, ip + 16, 4);
  k.id = uint16_t(ip[4] << 8 | ip[5]);
  k.proto = ip[9];
  const unsigned ff = unsigned(ip[6] << 8 | ip[7]);
  const uint32_t off = (ff & 0x1fff) * 8u;
  const bool mf = ff & 0x2000;
  FragState& st = tbl[k];
  st.pieces[off].assign(ip + ihl, ip + tot);
  if (!mf) st.total = off + (tot - ihl);
  if (st.total < 0) return false;
  out.assign(size_t(st.total), 0);
  uint32_t covered = 0;
  for (auto& [o, b] : st.pieces) {
    if (o > covered) return false;
    const size_t n = std::min<size_t>(b.size(), out.size() - std::min<size_t>(o, out.size()));
    std::memcpy(out.data() + o, b.data(), n);
    covered = std::max<uint32_t>(covered, o + uint32_t(b.size()));
  }
  if (covered < st.total) return false;
  tbl.erase(k);
  return true;
}

using FlowKey = std::string;  // l3 addresses + ports of one direction, as raw bytes

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--seeds") {
    g_seed_dir = argv[2];
    g_seed_prefix = argv[3];
    g_seed_prefix = g_seed_prefix.substr(g_seed_prefix.find_last_of('/') + 1);
    argv += 2;
    argc -= 2;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s [--seeds DIR] FILE.pcap\n", argv[0]);
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(argv[1], err);
  if (!pc) {
    std::fprintf(stderr, "%s\n", err);
    return 2;
  }
  // Raw-IP captures get a synthetic Ethernet header so one L2-L4 parser serves every file.
  const int dlt = pcap_datalink(pc);
  const bool raw_ip = dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
  if (dlt != DLT_EN10MB && !raw_ip) {
    std::fprintf(stderr, "unsupported link type %d\n", dlt);
    return 2;
  }
  std::vector<uint8_t> framebuf;
  std::map<FragKey, FragState> frags;
  std::map<FlowKey, std::unique_ptr<dns::TcpStreamReassembler>> flows;
  pcap_pkthdr* h;
  pcap_pkthdr hdr_copy;
  const u_char* d;
  uint64_t frame = 0;
  proto::ParseOptions opts;
  opts.verify_ipv4_checksum = false;  // tshark does not check either
  while (pcap_next_ex(pc, &h, &d) == 1) {
    ++frame;
    if (raw_ip) {
      if (h->caplen < 1) continue;
      framebuf.assign(14, 0);
      const bool v6 = (d[0] >> 4) == 6;
      framebuf[12] = v6 ? 0x86 : 0x08;
      framebuf[13] = v6 ? 0xdd : 0x00;
      framebuf.insert(framebuf.end(), d, d + h->caplen);
      d = framebuf.data();
      hdr_copy = *h;
      hdr_copy.caplen += 14;
      hdr_copy.len += 14;
      h = &hdr_copy;
    }
    proto::ParsedPacket pp;
    if (proto::parse_packet(d, h->caplen, opts, pp) != proto::ParseError::ok) continue;
    if (pp.l3 != proto::L3Kind::ipv4 && pp.l3 != proto::L3Kind::ipv6) continue;
    const uint8_t* l3 = d + pp.l3_offset;
    if (pp.flags & proto::pkt_flag::fragment) {
      if (pp.l3 != proto::L3Kind::ipv4) continue;
      std::vector<uint8_t> dgram;
      if (!reassemble(frags, l3, h->caplen - pp.l3_offset, dgram)) continue;
      if (l3[9] != 17 || dgram.size() < 8) continue;
      const unsigned sport = unsigned(dgram[0] << 8 | dgram[1]);
      const unsigned dport = unsigned(dgram[2] << 8 | dgram[3]);
      const size_t ulen = size_t(dgram[4] << 8 | dgram[5]);
      if (sport != 53 && dport != 53) continue;
      if (ulen < 8 || ulen > dgram.size()) continue;
      dump_message(frame, dgram.data() + 8, ulen - 8);
      continue;
    }
    if (!(pp.flags & proto::pkt_flag::l4_parsed)) continue;
    if (pp.src_port != 53 && pp.dst_port != 53) continue;
    const uint8_t* payload = d + pp.payload_offset;
    if (pp.l4_proto == 17) {
      dump_message(frame, payload, pp.payload_len);
    } else if (pp.l4_proto == 6) {
      const uint8_t* tcp = d + pp.l4_offset;
      FlowKey key;
      if (pp.l3 == proto::L3Kind::ipv4) key.assign(reinterpret_cast<const char*>(l3 + 12), 8);
      else key.assign(reinterpret_cast<const char*>(l3 + 8), 32);
      key.append(reinterpret_cast<const char*>(tcp), 4);
      auto& r = flows[key];
      if (!r) r = std::make_unique<dns::TcpStreamReassembler>();
      const uint32_t seq = uint32_t(tcp[4]) << 24 | uint32_t(tcp[5]) << 16 | uint32_t(tcp[6]) << 8 | tcp[7];
      const uint8_t fl = tcp[13];
      if (fl & 0x02) r->on_syn(seq);
      const uint32_t data_seq = seq + ((fl & 0x02) ? 1 : 0);
      r->feed(data_seq, payload, pp.payload_len,
              [&](const uint8_t* m, size_t n) { dump_message(frame, m, n, true); });
      if (fl & 0x05) r->close();
    }
  }
  pcap_close(pc);
  return 0;
}

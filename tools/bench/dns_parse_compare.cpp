// Rampart's dns::parse side by side with libknot's knot_pkt_parse and ldns's ldns_wire2pkt, in one
// process, over the same DNS message bytes: the UDP/53 payloads of one or more captures.
//
//   dns_parse_compare [--reps N] [--min-ms MS] [--cpu C] [--doc docs/benchmarks.md]
//                     [--label|--responses|--queries NAME=PCAP[,PCAP...]]... [PCAP...]
//
// Each set of messages is copied into one buffer per parser (knot_pkt_parse may rewrite a wire it
// was given -- TSIG stripping -- so every parser gets its own identical copy, and the copies are
// compared with the original afterwards). One repetition times every parser over the whole set
// for at least --min-ms; parsers take turns inside a repetition (the order rotates) so machine
// noise hits all of them. ns/message is the median over the repetitions; a speed-up is the median
// over the repetitions of the peer's time over Rampart's in the same repetition.
//
// What each parser does per message:
//   rampart dns::parse        parse(): header, every question and RR of every section, owner names
//                             validated and decompressed (length, labels, loops), RR frames and
//                             RDLENGTH bounds checked, OPT checks; records stored as offsets.
//   rampart parse + rdata     the same, then validate_rdata() on every RR: names inside rdata
//                             (NS/CNAME/PTR/MX/SOA/SRV) walked within the rdata, fixed sizes, TXT
//                             strings, OPT options -- the per-type rdata work knot_pkt_parse does.
//   libknot                   knot_pkt_new(wire, len, NULL) + knot_pkt_parse(pkt, 0) +
//                             knot_pkt_free(pkt) (malloc as the memory context).
//   libknot (arena mm)        the same with a bump allocator reset per message as the memory
//                             context, the way knotd runs it (per-query mempool): allocation
//                             mostly out of the picture.
//   ldns                      ldns_wire2pkt(&pkt, wire, len) + ldns_pkt_free(pkt).
#include <pcap/pcap.h>
#include <sched.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <libknot/libknot.h>
}
#include <ldns/ldns.h>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "proto/packet.h"

namespace dns = rampart::proto::dns;
namespace proto = rampart::proto;

namespace {

// ---- input ----

struct MsgSet {
  std::string name;
  std::string sources;
  int qr = -1;                      // -1 every message, 0 queries only (QR=0), 1 responses only
  std::vector<uint8_t> bytes;       // messages back to back
  std::vector<uint32_t> off;        // off[i]..off[i+1] is message i
  size_t count() const { return off.empty() ? 0 : off.size() - 1; }
};

bool load_pcap(const std::string& file, MsgSet& set) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(file.c_str(), err);
  if (!pc) {
    std::fprintf(stderr, "dns_parse_compare: %s\n", err);
    return false;
  }
  const int dlt = pcap_datalink(pc);
  const bool raw_ip = dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
  if (dlt != DLT_EN10MB && !raw_ip) {
    std::fprintf(stderr, "dns_parse_compare: %s: unsupported link type %d\n", file.c_str(), dlt);
    pcap_close(pc);
    return false;
  }
  if (set.off.empty()) set.off.push_back(0);
  std::vector<uint8_t> frame;
  proto::ParseOptions opts;
  opts.verify_ipv4_checksum = false;
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    uint32_t caplen = h->caplen;
    if (raw_ip) {  // a synthetic Ethernet header, so one L2-L4 parser serves every file
      if (caplen < 1) continue;
      frame.assign(14, 0);
      const bool v6 = (d[0] >> 4) == 6;
      frame[12] = v6 ? 0x86 : 0x08;
      frame[13] = v6 ? 0xdd : 0x00;
      frame.insert(frame.end(), d, d + caplen);
      d = frame.data();
      caplen += 14;
    }
    proto::ParsedPacket pp;
    if (proto::parse_packet(d, caplen, opts, pp) != proto::ParseError::ok) continue;
    if (pp.l4_proto != 17 || !(pp.flags & proto::pkt_flag::l4_parsed)) continue;
    if (pp.flags & proto::pkt_flag::fragment) continue;  // only whole datagrams
    if (pp.src_port != 53 && pp.dst_port != 53) continue;
    if (pp.payload_len == 0 || uint32_t(pp.payload_offset) + pp.payload_len > caplen) continue;
    if (set.qr >= 0 && (pp.payload_len < 3 || int(d[pp.payload_offset + 2] >> 7) != set.qr))
      continue;
    set.bytes.insert(set.bytes.end(), d + pp.payload_offset, d + pp.payload_offset + pp.payload_len);
    set.off.push_back(uint32_t(set.bytes.size()));
  }
  pcap_close(pc);
  return true;
}

// ---- parsers ----

// A bump allocator as knot's memory context: what knotd's per-query mempool amounts to.
struct Arena {
  alignas(16) uint8_t buf[1 << 20];
  size_t used = 0;
  static void* alloc(void* ctx, size_t n) {
    Arena* a = static_cast<Arena*>(ctx);
    n = (n + 15) & ~size_t(15);
    if (a->used + n > sizeof a->buf) return std::malloc(n);  // never on these messages
    void* p = a->buf + a->used;
    a->used += n;
    return p;
  }
  static void free(void*) {}
};

struct Tally {  // what a parser saw in one pass: a sanity check that all did the same work
  uint64_t ok = 0, failed = 0, records = 0;
};

using Sink = uint64_t;

// Parses message [p, p+n); returns records seen (questions + RRs), or -1 on a parse error.
using ParseFn = long (*)(uint8_t* p, size_t n);

struct Parser {
  const char* name;
  const char* what;
  ParseFn one;
  // The timing loop, instantiated per parser so that the call is direct (and Rampart's, which is
  // in a static library, is as much a call as the shared libraries' are).
  double (*time)(const MsgSet& set, std::vector<uint8_t>& buf, long rounds);
};

dns::MessageBuf<512> g_msg;  // more records than any message in the sets: nothing dropped
Arena* g_arena;
knot_mm_t g_knot_mm;

long ours_parse(uint8_t* p, size_t n) {
  const dns::ParseResult r = dns::parse(p, n, g_msg);
  if (!r.ok() && r.error != dns::Error::trailing_garbage) return -1;
  return long(g_msg.records_validated());
}

long ours_full(uint8_t* p, size_t n) {
  const dns::ParseResult r = dns::parse(p, n, g_msg);
  if (!r.ok() && r.error != dns::Error::trailing_garbage) return -1;
  for (const dns::Record& rec : g_msg)
    if (dns::validate_rdata(g_msg, rec) != dns::Error::ok) return -1;
  return long(g_msg.records_validated());
}

long knot_malloc(uint8_t* p, size_t n) {
  knot_pkt_t* pkt = knot_pkt_new(p, uint16_t(n), nullptr);
  if (!pkt) return -1;
  const int rc = knot_pkt_parse(pkt, 0);
  const long recs = rc == KNOT_EOK ? long(knot_wire_get_qdcount(pkt->wire)) + pkt->rrset_count : -1;
  knot_pkt_free(pkt);
  return recs;
}

long knot_arena(uint8_t* p, size_t n) {
  g_arena->used = 0;
  knot_pkt_t* pkt = knot_pkt_new(p, uint16_t(n), &g_knot_mm);
  if (!pkt) return -1;
  const int rc = knot_pkt_parse(pkt, 0);
  const long recs = rc == KNOT_EOK ? long(knot_wire_get_qdcount(pkt->wire)) + pkt->rrset_count : -1;
  knot_pkt_free(pkt);
  return recs;
}

long ldns_parse(uint8_t* p, size_t n) {
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, p, n) != LDNS_STATUS_OK) {
    if (pkt) ldns_pkt_free(pkt);
    return -1;
  }
  const long recs = long(ldns_pkt_qdcount(pkt)) + ldns_pkt_ancount(pkt) + ldns_pkt_nscount(pkt) +
                    ldns_pkt_arcount(pkt);
  ldns_pkt_free(pkt);
  return recs;
}

volatile Sink g_sink;

// ns per message over `rounds` passes.
template <ParseFn F>
double time_pass(const MsgSet& set, std::vector<uint8_t>& buf, long rounds) {
  const size_t n = set.count();
  const uint32_t* off = set.off.data();
  uint8_t* base = buf.data();
  Sink sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long r = 0; r < rounds; ++r)
    for (size_t i = 0; i < n; ++i) sink += uint64_t(F(base + off[i], off[i + 1] - off[i]));
  const auto t1 = std::chrono::steady_clock::now();
  g_sink = g_sink + sink;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(rounds) / double(n);
}

const Parser kParsers[] = {
    {"Rampart dns::parse", "parse(): every section and RR, names validated, RR bounds", ours_parse,
     time_pass<ours_parse>},
    {"Rampart dns::parse + validate_rdata", "the same + per-type rdata checks on every RR",
     ours_full, time_pass<ours_full>},
    {"libknot " "knot_pkt_parse", "knot_pkt_new + knot_pkt_parse(pkt, 0) + knot_pkt_free, malloc",
     knot_malloc, time_pass<knot_malloc>},
    {"libknot knot_pkt_parse (arena mm)", "the same with a per-message bump allocator (as knotd)",
     knot_arena, time_pass<knot_arena>},
    {"ldns ldns_wire2pkt", "ldns_wire2pkt + ldns_pkt_free", ldns_parse,
     time_pass<ldns_parse>},
};
constexpr size_t kNP = sizeof kParsers / sizeof kParsers[0];
constexpr double kTargetVsKnot = 10.0;  // issue 3: >= 10x libknot

Tally tally(const Parser& ps, MsgSet& set, std::vector<uint8_t>& buf) {
  Tally t;
  for (size_t i = 0; i < set.count(); ++i) {
    const long r = ps.one(buf.data() + set.off[i], set.off[i + 1] - set.off[i]);
    if (r < 0) {
      ++t.failed;
    } else {
      ++t.ok;
      t.records += uint64_t(r);
    }
  }
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t k = v.size();
  return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

std::string fmt(const char* f, double x) {
  char b[64];
  std::snprintf(b, sizeof b, f, x);
  return b;
}

std::string thousands(double x) {
  const std::string s = std::to_string(uint64_t(x + 0.5));
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string shell(const char* cmd) {
  std::string out;
  if (FILE* f = popen(cmd, "r")) {
    char b[256];
    while (std::fgets(b, sizeof b, f)) out += b;
    pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

struct Result {
  Tally tally[kNP];
  double ns[kNP];                 // median over the repetitions
  double ns_min[kNP], ns_max[kNP];
  double ratio[kNP][2];           // median over the repetitions of ns[k] / ns[ours 0 or 1]
};

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--reps N] [--min-ms MS] [--cpu C] [--doc FILE]\n"
               "          [--label|--responses|--queries NAME=PCAP[,PCAP...]]... [PCAP...]\n",
               argv0);
}

bool write_doc(const std::string& path, const std::string& section) {
  const std::string begin = "<!-- dns-parse-bench:begin -->", end = "<!-- dns-parse-bench:end -->";
  std::string doc;
  {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      doc = ss.str();
    }
  }
  const std::string block = begin + "\n" + section + end + "\n";
  const size_t b = doc.find(begin), e = doc.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    size_t after = e + end.size();
    if (after < doc.size() && doc[after] == '\n') ++after;
    doc = doc.substr(0, b) + block + doc.substr(after);
  } else if (doc.empty()) {
    doc = "# Benchmarks\n\n" + block;
  } else {
    if (doc.back() != '\n') doc += '\n';
    doc += "\n" + block;
  }
  const std::string tmp = path + ".tmp-dnsbench";
  {
    std::ofstream out(tmp);
    if (!out) return false;
    out << doc;
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 7;
  double min_ms = 200;
  int cpu = -1;
  std::string doc;
  struct Spec {
    std::string name;
    std::vector<std::string> files;
    int qr;
  };
  std::vector<Spec> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(argv[0]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--reps") reps = std::max(1, std::atoi(val().c_str()));
    else if (a == "--min-ms") min_ms = std::atof(val().c_str());
    else if (a == "--cpu") cpu = std::atoi(val().c_str());
    else if (a == "--doc") doc = val();

    else if (a == "--label" || a == "--responses" || a == "--queries") {
      const std::string v = val();
      const size_t eq = v.find('=');
      if (eq == std::string::npos) {
        usage(argv[0]);
        return 2;
      }
      std::vector<std::string> files;
      std::stringstream ss(v.substr(eq + 1));
      std::string f;
      while (std::getline(ss, f, ',')) if (!f.empty()) files.push_back(f);
      specs.push_back({v.substr(0, eq), files, a == "--responses" ? 1 : a == "--queries" ? 0 : -1});
    } else if (a == "-h" || a == "--help") {
      usage(argv[0]);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      usage(argv[0]);
      return 2;
    } else {
      const size_t slash = a.rfind('/');
      specs.push_back({slash == std::string::npos ? a : a.substr(slash + 1), {a}, -1});
    }
  }
  if (specs.empty())
    specs.push_back({"dnscap-dns.pcap", {"/work/shared/testdata/dns-public/dnscap-dns.pcap"}, -1});
  if (cpu >= 0) {
    cpu_set_t cs;
    CPU_ZERO(&cs);
    CPU_SET(cpu, &cs);
    if (sched_setaffinity(0, sizeof cs, &cs) != 0) std::perror("sched_setaffinity");
  }

  g_arena = new Arena;
  g_knot_mm.ctx = g_arena;
  g_knot_mm.alloc = Arena::alloc;
  g_knot_mm.free = Arena::free;

  std::vector<MsgSet> sets;
  for (auto& [name, files, qr] : specs) {
    MsgSet s;
    s.name = name;
    s.qr = qr;
    for (auto& f : files) {
      if (!load_pcap(f, s)) return 1;
      const size_t slash = f.rfind('/');
      s.sources += (s.sources.empty() ? "" : ", ") + (slash == std::string::npos ? f : f.substr(slash + 1));
    }
    if (s.count() == 0) {
      std::fprintf(stderr, "dns_parse_compare: no DNS over UDP in set %s\n", name.c_str());
      return 1;
    }
    sets.push_back(std::move(s));
  }

  const std::string load_before = shell("uptime");
  std::vector<Result> results(sets.size());
  bool wire_changed = false;
  for (size_t si = 0; si < sets.size(); ++si) {
    MsgSet& set = sets[si];
    Result& res = results[si];
    std::vector<std::vector<uint8_t>> bufs(kNP, set.bytes);  // same bytes, one copy per parser
    for (size_t k = 0; k < kNP; ++k) res.tally[k] = tally(kParsers[k], set, bufs[k]);
    // Rounds per repetition from a calibration pass of each parser.
    long rounds[kNP];
    for (size_t k = 0; k < kNP; ++k) {
      const double ns = kParsers[k].time(set, bufs[k], 1);
      rounds[k] = std::max(1L, long(min_ms * 1e6 / (ns * double(set.count()))));
    }
    std::vector<double> ns[kNP];
    for (int r = 0; r < reps; ++r)
      for (size_t j = 0; j < kNP; ++j) {
        const size_t k = (j + size_t(r)) % kNP;
        ns[k].push_back(kParsers[k].time(set, bufs[k], rounds[k]));
      }
    for (size_t k = 0; k < kNP; ++k) {
      for (size_t o = 0; o < 2; ++o) {
        std::vector<double> q;
        for (int r = 0; r < reps; ++r) q.push_back(ns[k][size_t(r)] / ns[o][size_t(r)]);
        res.ratio[k][o] = median(q);
      }
      res.ns[k] = median(ns[k]);
      res.ns_min[k] = *std::min_element(ns[k].begin(), ns[k].end());
      res.ns_max[k] = *std::max_element(ns[k].begin(), ns[k].end());
      if (bufs[k] != set.bytes) {
        std::fprintf(stderr, "dns_parse_compare: %s rewrote its input bytes in set %s\n",
                     kParsers[k].name, set.name.c_str());
        wire_changed = true;
      }
    }
  }
  const std::string load_after = shell("uptime");

  // ---- report ----
  utsname u{};
  uname(&u);
  const std::string cpu_model = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'");
  std::ostringstream md;
  md << "## DNS parser: Rampart vs libknot and ldns (`dns_parse_compare`)\n\n";
  md << "Same process, same message bytes (one identical copy per parser), parsers taking turns "
        "within each repetition; "
     << reps << " repetitions of >= " << fmt("%.0f", min_ms)
     << " ms per parser; ns/message is the median (min-max in brackets). The speed-up on a "
        "peer's row is how many times faster Rampart is: the median over the repetitions of the "
        "peer's ns/message over Rampart's `dns::parse` in the same repetition (first column), and "
        "over Rampart's `dns::parse` + `validate_rdata` on every RR (second column).\n\n";
  md << "- libknot " << KNOT_VERSION_MAJOR << "." << KNOT_VERSION_MINOR << "." << KNOT_VERSION_PATCH
     << ", ldns " << LDNS_VERSION << "; " << cpu_model << ", " << u.sysname << " " << u.release
     << "\n";
  md << "- load before: `" << load_before << "`\n";
  md << "- load after: `" << load_after << "`\n\n";
  for (size_t si = 0; si < sets.size(); ++si) {
    const MsgSet& set = sets[si];
    const Result& res = results[si];
    md << "### " << set.name << "\n\n";
    const char* kind = set.qr == 1   ? " DNS-over-UDP responses"
                       : set.qr == 0 ? " DNS-over-UDP queries"
                                     : " DNS-over-UDP messages (both directions)";
    md << set.count() << kind << " (avg "
       << fmt("%.0f", double(set.bytes.size()) / double(set.count())) << " bytes) from "
       << set.sources << ".\n\n";
    md << "| Parser | ns/message | messages/s | Rampart parse speed-up | Rampart parse+rdata "
          "speed-up | accepted / rejected | records |\n";
    md << "|---|---:|---:|---:|---:|---:|---:|\n";
    for (size_t k = 0; k < kNP; ++k) {
      const bool ours = k < 2;
      md << "| " << kParsers[k].name << " | " << fmt("%.1f", res.ns[k]) << " ("
         << fmt("%.1f", res.ns_min[k]) << "-" << fmt("%.1f", res.ns_max[k]) << ") | "
         << thousands(1e9 / res.ns[k]) << " | "
         << (ours ? std::string("-") : fmt("%.1fx", res.ratio[k][0])) << " | "
         << (ours ? std::string("-") : fmt("%.1fx", res.ratio[k][1])) << " | "
         << res.tally[k].ok << " / " << res.tally[k].failed << " | " << res.tally[k].records
         << " |\n";
    }
    // kParsers[2] is libknot with malloc, the configuration the target names.
    md << "\nTarget: Rampart `dns::parse` >= " << fmt("%.0fx", kTargetVsKnot) << " libknot `knot_pkt_parse`: **"
       << (res.ratio[2][0] >= kTargetVsKnot ? "met" : "not met") << "** ("
       << fmt("%.1fx", res.ratio[2][0]) << ").\n\n";
  }
  std::fputs(md.str().c_str(), stdout);
  if (!doc.empty()) {
    std::ostringstream sec;
    sec << md.str();
    sec << "What each row does per message:\n\n";
    for (size_t k = 0; k < kNP; ++k) sec << "- " << kParsers[k].name << ": " << kParsers[k].what << "\n";
    sec << "\nReproduce: `tools/bench/README.md` (DNS parser comparison).\n\n";
    if (!write_doc(doc, sec.str())) {
      std::fprintf(stderr, "dns_parse_compare: cannot write %s\n", doc.c_str());
      return 1;
    }
    std::fprintf(stderr, "dns_parse_compare: updated %s\n", doc.c_str());
  }
  return wire_changed ? 1 : 0;
}

// A deliberately plain DNS message parser: the oracle that dns::parse is compared against.
//
// dns::parse is tuned (a cache of validated suffixes, names learnt late, one loop over three
// sections, errors resolved after the loop); this one walks every name whole with walk_name and
// states each rule once, in RFC order. The two must agree on every input, field by field: the
// differential fuzz target and the unit test over real and mutated messages check that they do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proto/dns/dns.h"

namespace dnstest {

namespace dns = rampart::proto::dns;

struct ReferenceParse {
  dns::ParseResult result;
  std::vector<dns::Record> records;  // the first `capacity`, as dns::Message keeps them
  uint32_t validated = 0;
  bool question_complete = false;
  bool complete = false;
  bool has_opt = false;
  dns::Record opt = {};
  uint16_t rcode = 0;
  uint16_t anomalies = 0;
  uint16_t forward_pointers = 0;
  uint16_t trailing = 0;
};

inline ReferenceParse reference_parse(const uint8_t* msg, size_t len, size_t capacity) {
  ReferenceParse o;
  if (len < 12) {
    o.result = {dns::Error::truncated_header, dns::Section::question, 0};
    return o;
  }
  if (len > 65535) {
    o.result = {dns::Error::message_too_long, dns::Section::question, 0};
    return o;
  }
  auto be16 = [&](size_t at) { return unsigned(msg[at] << 8 | msg[at + 1]); };
  const unsigned qd = be16(4), an = be16(6), ns = be16(8), ar = be16(10);
  const unsigned counts[4] = {qd, an, ns, ar};
  unsigned fwd = 0;
  size_t steps = 0;  // labels + pointer hops of the owner names so far (limits::name_steps)
  bool chain = false;
  size_t p = 12;
  dns::Error err = dns::Error::ok;
  dns::Section at_section = dns::Section::question;
  size_t at = 0;
  uint8_t ext_rcode = 0;
  auto fail = [&](dns::Error e, dns::Section s, size_t where) {
    err = e;
    at_section = s;
    at = where;
  };

  for (unsigned s = 0; s < 4 && err == dns::Error::ok; ++s) {
    const auto sec = dns::Section(s);
    for (unsigned i = 0; i < counts[s]; ++i) {
      const size_t owner = p;
      dns::NameWalk w;
      if (const dns::Error e = dns::walk_name(msg, len, p, len, w); e != dns::Error::ok) {
        fail(e, sec, owner);
        break;
      }
      // The owner that runs the budget out was walked whole: its pointers count as anomalies.
      fwd += w.forward_pointers;
      chain = chain || w.pointers > 1;
      steps += w.labels + w.pointers;
      if (steps > dns::limits::name_steps(len)) {
        fail(dns::Error::compression_bomb, sec, owner);
        break;
      }
      p = w.end;
      dns::Record r{};
      r.owner = uint16_t(owner);
      r.section = sec;
      r.owner_labels = w.labels;
      r.owner_length = w.wire_length;
      if (sec == dns::Section::question) {
        if (p + 4 > len) {
          fail(dns::Error::truncated_question, sec, p);
          break;
        }
        r.type = uint16_t(be16(p));
        r.klass = uint16_t(be16(p + 2));
        p += 4;
        r.rdata = uint16_t(p);
      } else {
        if (p + 10 > len) {
          fail(dns::Error::truncated_rr, sec, p);
          break;
        }
        r.type = uint16_t(be16(p));
        r.klass = uint16_t(be16(p + 2));
        r.ttl = uint32_t(be16(p + 4)) << 16 | be16(p + 6);
        r.rdlength = uint16_t(be16(p + 8));
        if (p + 10 + r.rdlength > len) {
          fail(dns::Error::rdata_overrun, sec, p + 8);
          break;
        }
        p += 10;
        r.rdata = uint16_t(p);
        p += r.rdlength;
        if (r.type == dns::type::OPT) {
          // RFC 6891 6.1.1: one OPT, in the additional section, owned by the root.
          if (sec != dns::Section::additional || w.wire_length != 1 || o.has_opt) {
            fail(dns::Error::bad_opt, sec, owner);
            break;
          }
          o.has_opt = true;
          o.opt = r;
          ext_rcode = uint8_t(r.ttl >> 24);
        }
      }
      if (o.records.size() < capacity) o.records.push_back(r);
      ++o.validated;
    }
    if (err == dns::Error::ok && s == 0) o.question_complete = true;
  }

  o.forward_pointers = uint16_t(fwd);
  o.anomalies = uint16_t((qd > 1 ? dns::anomaly::multi_question : 0) |
                         (fwd ? dns::anomaly::forward_pointer : 0) |
                         (chain ? dns::anomaly::pointer_chain : 0) |
                         (o.validated > capacity ? dns::anomaly::record_overflow : 0));
  o.rcode = uint16_t(ext_rcode << 4 | (msg[3] & 0x0f));
  if (err != dns::Error::ok) {
    // Running out of bytes is reported as the header's fault when its counts could never fit.
    const bool counts_bad = 12ull + 5ull * qd + 11ull * (an + ns + ar) > len;
    if (counts_bad && (err == dns::Error::name_truncated || err == dns::Error::truncated_question ||
                       err == dns::Error::truncated_rr || err == dns::Error::rdata_overrun))
      err = dns::Error::counts_exceed_message;
    o.result = {err, at_section, uint16_t(at)};
    return o;
  }
  o.complete = true;
  if (p < len) {
    o.trailing = uint16_t(len - p);
    o.result = {dns::Error::trailing_garbage, dns::Section::additional, uint16_t(p)};
  }
  return o;
}

inline bool same_record(const dns::Record& a, const dns::Record& b) {
  return a.owner == b.owner && a.type == b.type && a.klass == b.klass &&
         a.rdlength == b.rdlength && a.ttl == b.ttl && a.rdata == b.rdata &&
         a.section == b.section && a.owner_labels == b.owner_labels &&
         a.owner_length == b.owner_length;
}

// The first field in which a parsed message differs from the reference, or "" when none does.
inline std::string first_difference(const dns::ParseResult& r, const dns::Message& m,
                                    const ReferenceParse& ref) {
  if (r.error != ref.result.error)
    return "error " + std::string(dns::to_string(r.error)) + " vs " +
           std::string(dns::to_string(ref.result.error));
  if (r.section != ref.result.section) return "error section";
  if (r.offset != ref.result.offset)
    return "error offset " + std::to_string(r.offset) + " vs " + std::to_string(ref.result.offset);
  if (r.error == dns::Error::truncated_header || r.error == dns::Error::message_too_long) return "";
  if (m.records_validated() != ref.validated) return "records validated";
  if (m.record_count() != ref.records.size()) return "records kept";
  for (size_t i = 0; i < ref.records.size(); ++i)
    if (!same_record(m.record(i), ref.records[i])) return "record " + std::to_string(i);
  if (m.question_complete() != ref.question_complete) return "question_complete";
  if (m.complete() != ref.complete) return "complete";
  if (m.has_opt() != ref.has_opt) return "has_opt";
  if (m.has_opt() && !same_record(*m.opt(), ref.opt)) return "opt record";
  if (m.rcode() != ref.rcode) return "rcode";
  if (m.anomalies() != ref.anomalies)
    return "anomalies " + std::to_string(m.anomalies()) + " vs " + std::to_string(ref.anomalies);
  if (m.forward_pointers() != ref.forward_pointers) return "forward pointers";
  if (m.trailing_bytes() != ref.trailing) return "trailing bytes";
  return "";
}

}  // namespace dnstest

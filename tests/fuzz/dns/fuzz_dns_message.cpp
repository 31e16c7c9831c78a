// libFuzzer target: the DNS message parser and every accessor a consumer may call on its result.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "reference_parse.h"

namespace dns = rampart::proto::dns;

namespace {

volatile uint64_t sink;

void use_name(const dns::Name& n, const dns::Name& q) {
  char buf[dns::limits::max_text + 1];
  const size_t len = n.to_text(buf, sizeof buf);
  if (len >= sizeof buf) __builtin_trap();  // the documented worst case must hold
  if (n.wire_length() > dns::limits::max_name) __builtin_trap();
  uint8_t wire[dns::limits::max_name];
  if (n.to_wire(wire) != n.wire_length()) __builtin_trap();
  sink = sink + n.hash_ci() + n.equals_ci(q) + n.equals_ci("example.com") + n.label_count();
  // Equal names must hash equal.
  if (n.equals_ci(q) && n.hash_ci() != q.hash_ci()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, so that ASan catches any read past the message.
  std::vector<uint8_t> copy(data, data + size);
  const uint8_t* msg = copy.data();
  dns::MessageBuf<32> m;
  const dns::ParseResult r = dns::parse(msg, size, m);
  // The tuned parser must agree with the plain one on every field, whatever the input.
  if (!dnstest::first_difference(r, m, dnstest::reference_parse(msg, size, 32)).empty())
    __builtin_trap();
  // The section accessors must hold whatever the outcome, a refused header included: the
  // recorded ranges stay inside what was recorded.
  for (unsigned s = 0; s < 4; ++s) {
    const auto sec = dns::Section(s);
    if (size_t(m.section_begin(sec)) + m.section_recorded(sec) > m.record_count()) __builtin_trap();
  }
  if (r.error == dns::Error::truncated_header || r.error == dns::Error::message_too_long) return 0;
  sink = sink + m.id() + m.flags() + m.rcode() + m.qtype() + m.edns_udp_size() + m.edns_do();
  const dns::Name q = m.qname();
  for (const dns::Record& rec : m) {
    use_name(m.owner(rec), q);
    if (rec.section == dns::Section::question) continue;
    if (size_t(rec.rdata) + rec.rdlength > size) __builtin_trap();
    sink = sink + uint64_t(dns::validate_rdata(m, rec));
    dns::RdataName nm;
    if (dns::decode_name(m, rec, nm) == dns::Error::ok) use_name(nm.name, q);
    dns::RdataMX mx;
    if (dns::decode_mx(m, rec, mx) == dns::Error::ok) use_name(mx.exchange, q);
    dns::RdataSOA soa;
    if (dns::decode_soa(m, rec, soa) == dns::Error::ok) {
      use_name(soa.mname, q);
      use_name(soa.rname, q);
    }
    dns::RdataSRV srv;
    if (dns::decode_srv(m, rec, srv) == dns::Error::ok) use_name(srv.target, q);
    dns::TxtStrings txt;
    if (dns::decode_txt(m, rec, txt) == dns::Error::ok) {
      std::string_view s;
      while (txt.next(s)) sink = sink + s.size() + (s.empty() ? 0 : uint8_t(s.back()));
    }
    dns::RdataCAA caa;
    if (dns::decode_caa(m, rec, caa) == dns::Error::ok) sink = sink + caa.tag.size() + caa.value.size();
    dns::RdataA a;
    if (dns::decode_a(m, rec, a) == dns::Error::ok) sink = sink + a.addr[3];
    dns::RdataAAAA aaaa;
    if (dns::decode_aaaa(m, rec, aaaa) == dns::Error::ok) sink = sink + aaaa.addr[15];
    dns::RdataOPT opt;
    if (dns::decode_opt(m, rec, opt) == dns::Error::ok) {
      dns::EdnsOption o;
      while (opt.options.next(o)) {
        if (o.length) sink = sink + o.data[o.length - 1];
        dns::EdnsClientSubnet ecs;
        if (dns::decode_client_subnet(o, ecs) == dns::Error::ok && ecs.address_len)
          sink = sink + ecs.address[ecs.address_len - 1];
        dns::EdnsCookie ck;
        if (dns::decode_cookie(o, ck) == dns::Error::ok && ck.server)
          sink = sink + ck.server[ck.server_len - 1];
      }
    }
  }
  // Names at arbitrary offsets, as a consumer holding a stale or hostile offset would ask.
  if (size >= 14) {
    const size_t off = (size_t(msg[size - 2]) << 8 | msg[size - 1]) % size;
    dns::Name n;
    if (dns::Name::at(msg, size, off, n) == dns::Error::ok) use_name(n, q);
  }
  return 0;
}

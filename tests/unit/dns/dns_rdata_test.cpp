#include <gtest/gtest.h>

#include <string>

#include "dns_writer.h"
#include "proto/dns/rdata.h"

using namespace rampart::proto::dns;
using dnstest::Writer;

namespace {

// A response to "example.com" with one answer RR of `type` whose rdata `fill` writes.
template <class F>
Writer answer(uint16_t t, F&& fill) {
  Writer w;
  w.header(1, 0x8180, 1, 1, 0, 0);
  w.question("example.com", t);
  w.ptr(12);
  size_t l = w.rr(t, 1, 3600);
  fill(w);
  w.end_rdata(l);
  return w;
}

struct Parsed {
  MessageBuf<> m;
  explicit Parsed(const Writer& w) {
    auto r = parse(w.data(), w.size(), m);
    EXPECT_TRUE(r.ok()) << to_string(r.error);
  }
  const Record& rr() const { return m.record(1); }
};

}  // namespace

TEST(DnsRdata, A) {
  Writer w = answer(type::A, [](Writer& w) { w.bytes({192, 0, 2, 7}); });
  Parsed p(w);
  RdataA a;
  ASSERT_EQ(decode_a(p.m, p.rr(), a), Error::ok);
  EXPECT_EQ(a.addr[3], 7);
  RdataAAAA x;
  EXPECT_EQ(decode_aaaa(p.m, p.rr(), x), Error::rdata_type_mismatch);
  Writer bad = answer(type::A, [](Writer& w) { w.bytes({1, 2, 3}); });
  Parsed pb(bad);
  EXPECT_EQ(decode_a(pb.m, pb.rr(), a), Error::bad_rdata);
  EXPECT_EQ(validate_rdata(pb.m, pb.rr()), Error::bad_rdata);
}

TEST(DnsRdata, AAAA) {
  Writer w = answer(type::AAAA, [](Writer& w) {
    for (int i = 0; i < 16; ++i) w.u8(uint8_t(i));
  });
  Parsed p(w);
  RdataAAAA a;
  ASSERT_EQ(decode_aaaa(p.m, p.rr(), a), Error::ok);
  EXPECT_EQ(a.addr[15], 15);
  Writer bad = answer(type::AAAA, [](Writer& w) { w.u32(0); });
  Parsed pb(bad);
  EXPECT_EQ(decode_aaaa(pb.m, pb.rr(), a), Error::bad_rdata);
}

TEST(DnsRdata, NsCnamePtrCompressedAndNot) {
  for (uint16_t t : {type::NS, type::CNAME, type::PTR}) {
    Writer w = answer(t, [](Writer& w) { w.labels("ns1"); w.ptr(12); });
    Parsed p(w);
    RdataName n;
    ASSERT_EQ(decode_name(p.m, p.rr(), n), Error::ok);
    EXPECT_EQ(n.name.to_text(), "ns1.example.com.");
    Writer u = answer(t, [](Writer& w) { w.name("host.example.net"); });
    Parsed pu(u);
    ASSERT_EQ(decode_name(pu.m, pu.rr(), n), Error::ok);
    EXPECT_TRUE(n.name.equals_ci("HOST.example.net"));
  }
  // Name longer than rdata, rdata longer than name, broken name.
  {
    Writer w;
    w.header(1, 0x8180, 1, 1, 0, 0);
    w.question("example.com", type::NS);
    w.ptr(12);
    size_t l = w.rr(type::NS, 1, 1);
    w.labels("ns1");
    w.end_rdata(l);  // rdata = "\3ns1" only
    w.name("x");     // trailing bytes after the RR
    MessageBuf<> m;
    EXPECT_EQ(parse(w.data(), w.size(), m).error, Error::trailing_garbage);
    RdataName n;
    EXPECT_EQ(decode_name(m, m.record(1), n), Error::bad_rdata);
  }
  Writer longer = answer(type::CNAME, [](Writer& w) { w.name("a"); w.u8(0); });
  Parsed pl(longer);
  RdataName n;
  EXPECT_EQ(decode_name(pl.m, pl.rr(), n), Error::bad_rdata);
  Writer loop = answer(type::PTR, [](Writer& w) { w.ptr(uint16_t(w.pos())); });
  Parsed plo(loop);
  EXPECT_EQ(decode_name(plo.m, plo.rr(), n), Error::pointer_loop);
  Writer empty = answer(type::NS, [](Writer&) {});
  Parsed pe(empty);
  EXPECT_EQ(decode_name(pe.m, pe.rr(), n), Error::bad_rdata);
}

TEST(DnsRdata, MX) {
  Writer w = answer(type::MX, [](Writer& w) { w.u16(10); w.labels("mail"); w.ptr(12); });
  Parsed p(w);
  RdataMX mx;
  ASSERT_EQ(decode_mx(p.m, p.rr(), mx), Error::ok);
  EXPECT_EQ(mx.preference, 10);
  EXPECT_EQ(mx.exchange.to_text(), "mail.example.com.");
  Writer bad = answer(type::MX, [](Writer& w) { w.u16(10); });
  Parsed pb(bad);
  EXPECT_EQ(decode_mx(pb.m, pb.rr(), mx), Error::bad_rdata);
}

TEST(DnsRdata, TXT) {
  Writer w = answer(type::TXT, [](Writer& w) {
    w.label("v=spf1 -all");
    w.u8(0);
    w.label(std::string(255 - 1, 'z').substr(0, 63));
  });
  Parsed p(w);
  TxtStrings t;
  ASSERT_EQ(decode_txt(p.m, p.rr(), t), Error::ok);
  EXPECT_EQ(t.count(), 3u);
  std::string_view s;
  ASSERT_TRUE(t.next(s));
  EXPECT_EQ(s, "v=spf1 -all");
  ASSERT_TRUE(t.next(s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(t.next(s));
  EXPECT_EQ(s.size(), 63u);
  EXPECT_FALSE(t.next(s));
  Writer bad = answer(type::TXT, [](Writer& w) { w.u8(5); w.bytes("abc"); });
  Parsed pb(bad);
  EXPECT_EQ(decode_txt(pb.m, pb.rr(), t), Error::bad_rdata);
}

TEST(DnsRdata, SOA) {
  Writer w = answer(type::SOA, [](Writer& w) {
    w.labels("ns"); w.ptr(12);
    w.labels("hostmaster"); w.ptr(12);
    w.u32(2024010101); w.u32(7200); w.u32(3600); w.u32(1209600); w.u32(300);
  });
  Parsed p(w);
  RdataSOA soa;
  ASSERT_EQ(decode_soa(p.m, p.rr(), soa), Error::ok);
  EXPECT_EQ(soa.mname.to_text(), "ns.example.com.");
  EXPECT_EQ(soa.rname.to_text(), "hostmaster.example.com.");
  EXPECT_EQ(soa.serial, 2024010101u);
  EXPECT_EQ(soa.refresh, 7200u);
  EXPECT_EQ(soa.retry, 3600u);
  EXPECT_EQ(soa.expire, 1209600u);
  EXPECT_EQ(soa.minimum, 300u);
  Writer bad = answer(type::SOA, [](Writer& w) { w.ptr(12); w.ptr(12); w.u32(1); });
  Parsed pb(bad);
  EXPECT_EQ(decode_soa(pb.m, pb.rr(), soa), Error::bad_rdata);
}

TEST(DnsRdata, SRV) {
  Writer w = answer(type::SRV, [](Writer& w) {
    w.u16(1); w.u16(5); w.u16(5060); w.name("sip.example.com");
  });
  Parsed p(w);
  RdataSRV srv;
  ASSERT_EQ(decode_srv(p.m, p.rr(), srv), Error::ok);
  EXPECT_EQ(srv.priority, 1);
  EXPECT_EQ(srv.weight, 5);
  EXPECT_EQ(srv.port, 5060);
  EXPECT_EQ(srv.target.to_text(), "sip.example.com.");
  Writer bad = answer(type::SRV, [](Writer& w) { w.u16(1); w.u16(5); w.u16(5060); });
  Parsed pb(bad);
  EXPECT_EQ(decode_srv(pb.m, pb.rr(), srv), Error::bad_rdata);
}

TEST(DnsRdata, CAA) {
  Writer w = answer(type::CAA, [](Writer& w) { w.u8(0x80); w.label("issue"); w.bytes("letsencrypt.org"); });
  Parsed p(w);
  RdataCAA caa;
  ASSERT_EQ(decode_caa(p.m, p.rr(), caa), Error::ok);
  EXPECT_TRUE(caa.critical());
  EXPECT_EQ(caa.tag, "issue");
  EXPECT_EQ(caa.value, "letsencrypt.org");
  Writer badtag = answer(type::CAA, [](Writer& w) { w.u8(0); w.label("is-sue"); });
  Parsed pb(badtag);
  EXPECT_EQ(decode_caa(pb.m, pb.rr(), caa), Error::bad_rdata);
  Writer longtag = answer(type::CAA, [](Writer& w) { w.u8(0); w.u8(20); w.bytes("abc"); });
  Parsed pl(longtag);
  EXPECT_EQ(decode_caa(pl.m, pl.rr(), caa), Error::bad_rdata);
}

TEST(DnsRdata, OpaqueUnknownType) {
  Writer w = answer(65280, [](Writer& w) { w.bytes({1, 2, 3, 4, 5}); });
  Parsed p(w);
  EXPECT_EQ(p.rr().type, 65280);
  EXPECT_EQ(p.rr().rdlength, 5);
  EXPECT_EQ(p.m.data()[p.rr().rdata + 4], 5);
  EXPECT_EQ(validate_rdata(p.m, p.rr()), Error::ok);
  RdataA a;
  EXPECT_EQ(decode_a(p.m, p.rr(), a), Error::rdata_type_mismatch);
}

namespace {
std::vector<uint8_t> option(uint16_t code, std::initializer_list<uint8_t> data) {
  std::vector<uint8_t> o{uint8_t(code >> 8), uint8_t(code), uint8_t(data.size() >> 8),
                         uint8_t(data.size())};
  o.insert(o.end(), data.begin(), data.end());
  return o;
}
}  // namespace

TEST(DnsRdata, OptWithClientSubnetAndCookie) {
  std::vector<uint8_t> opts = option(edns_opt::CLIENT_SUBNET, {0, 1, 24, 0, 198, 51, 100});
  auto ck = option(edns_opt::COOKIE, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  opts.insert(opts.end(), ck.begin(), ck.end());
  auto pad = option(edns_opt::PADDING, {0, 0, 0});
  opts.insert(opts.end(), pad.begin(), pad.end());
  Writer w;
  w.header(1, 0x0100, 1, 0, 0, 1);
  w.question("example.com", type::A);
  w.opt(1232, 0, 0, 0x8000, opts);
  MessageBuf<> m;
  ASSERT_TRUE(parse(w.data(), w.size(), m).ok());
  ASSERT_TRUE(m.has_opt());
  EXPECT_EQ(m.edns_udp_size(), 1232);
  EXPECT_EQ(m.edns_version(), 0);
  EXPECT_TRUE(m.edns_do());
  RdataOPT opt;
  ASSERT_EQ(decode_opt(m, *m.opt(), opt), Error::ok);
  EXPECT_EQ(opt.udp_size, 1232);
  EXPECT_TRUE(opt.do_bit);
  EdnsOption o;
  ASSERT_TRUE(opt.options.next(o));
  EdnsClientSubnet ecs;
  ASSERT_EQ(decode_client_subnet(o, ecs), Error::ok);
  EXPECT_EQ(ecs.family, 1);
  EXPECT_EQ(ecs.source_prefix, 24);
  EXPECT_EQ(ecs.scope_prefix, 0);
  ASSERT_EQ(ecs.address_len, 3);
  EXPECT_EQ(ecs.address[2], 100);
  ASSERT_TRUE(opt.options.next(o));
  EdnsCookie c;
  ASSERT_EQ(decode_cookie(o, c), Error::ok);
  EXPECT_EQ(c.client[7], 8);
  ASSERT_NE(c.server, nullptr);
  EXPECT_EQ(c.server_len, 8);
  EXPECT_EQ(c.server[0], 9);
  ASSERT_TRUE(opt.options.next(o));
  EXPECT_EQ(o.code, edns_opt::PADDING);
  EXPECT_FALSE(opt.options.next(o));
  EXPECT_EQ(validate_rdata(m, *m.opt()), Error::ok);
}

TEST(DnsRdata, OptMalformedOptions) {
  EdnsOption o{edns_opt::CLIENT_SUBNET, 0, nullptr};
  EdnsClientSubnet ecs;
  const uint8_t too_many[] = {0, 1, 16, 0, 10, 0, 0};  // /16 needs 2 bytes, has 3
  o = {edns_opt::CLIENT_SUBNET, sizeof too_many, too_many};
  EXPECT_EQ(decode_client_subnet(o, ecs), Error::bad_rdata);
  const uint8_t stray_bits[] = {0, 1, 12, 0, 10, 0xff};
  o = {edns_opt::CLIENT_SUBNET, sizeof stray_bits, stray_bits};
  EXPECT_EQ(decode_client_subnet(o, ecs), Error::bad_rdata);
  const uint8_t bad_family[] = {0, 3, 0, 0};
  o = {edns_opt::CLIENT_SUBNET, sizeof bad_family, bad_family};
  EXPECT_EQ(decode_client_subnet(o, ecs), Error::bad_rdata);
  const uint8_t v6[] = {0, 2, 56, 0, 0x20, 1, 0xd, 0xb8, 0, 0, 0};
  o = {edns_opt::CLIENT_SUBNET, sizeof v6, v6};
  ASSERT_EQ(decode_client_subnet(o, ecs), Error::ok);
  EXPECT_EQ(ecs.address_len, 7);
  EdnsCookie c;
  const uint8_t ck[12] = {};
  o = {edns_opt::COOKIE, 8, ck};
  ASSERT_EQ(decode_cookie(o, c), Error::ok);
  EXPECT_EQ(c.server, nullptr);
  o = {edns_opt::COOKIE, 12, ck};  // server cookie < 8
  EXPECT_EQ(decode_cookie(o, c), Error::bad_rdata);
  // Option length past the rdata.
  Writer w;
  w.header(1, 0, 0, 0, 0, 1);
  w.opt(512, 0, 0, 0, {0, 8, 0, 9, 0, 1});
  MessageBuf<> m;
  ASSERT_TRUE(parse(w.data(), w.size(), m).ok());
  RdataOPT opt;
  EXPECT_EQ(decode_opt(m, *m.opt(), opt), Error::bad_rdata);
}

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dns_writer.h"
#include "proto/dns/dns.h"
#include "reference_parse.h"

using namespace rampart::proto::dns;
using dnstest::Writer;

namespace {

Writer query(std::string_view qname, uint16_t qtype = type::A, uint16_t flags = 0x0100) {
  Writer w;
  w.header(0x1234, flags, 1, 0, 0, 0);
  w.question(qname, qtype);
  return w;
}

ParseResult run(const Writer& w, Message& m) { return parse(w.data(), w.size(), m); }

}  // namespace

TEST(DnsParse, SimpleQueryHeaderAndQuestion) {
  Writer w = query("www.Example.com", type::AAAA, 0x0130);  // RD, AD, CD
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.id(), 0x1234);
  EXPECT_FALSE(m.qr());
  EXPECT_EQ(m.opcode(), 0);
  EXPECT_TRUE(m.rd());
  EXPECT_TRUE(m.ad());
  EXPECT_TRUE(m.cd());
  EXPECT_FALSE(m.ra());
  EXPECT_FALSE(m.tc());
  EXPECT_FALSE(m.aa());
  EXPECT_EQ(m.rcode(), 0);
  EXPECT_EQ(m.qtype(), type::AAAA);
  EXPECT_EQ(m.qclass(), 1);
  EXPECT_TRUE(m.question_complete());
  EXPECT_TRUE(m.complete());
  EXPECT_EQ(m.record_count(), 1);
  EXPECT_EQ(m.qname().to_text(), "www.Example.com.");
  EXPECT_TRUE(m.qname().equals_ci("WWW.example.COM"));
  EXPECT_TRUE(m.qname().equals_ci("www.example.com."));
  EXPECT_FALSE(m.qname().equals_ci("www.example.co"));
  EXPECT_FALSE(m.qname().equals_ci("example.com"));
  EXPECT_EQ(m.qname().label_count(), 3u);
  EXPECT_EQ(m.qname().wire_length(), 17u);
}

TEST(DnsParse, AllHeaderFlags) {
  Writer w;
  // QR, opcode 5 (UPDATE), AA, TC, RD, RA, Z, AD, CD, rcode 3
  w.header(1, 0x8000 | (5 << 11) | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0040 | 0x0020 | 0x0010 | 3,
           0, 0, 0, 0);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_TRUE(m.qr());
  EXPECT_EQ(m.opcode(), 5);
  EXPECT_TRUE(m.aa() && m.tc() && m.rd() && m.ra() && m.z() && m.ad() && m.cd());
  EXPECT_EQ(m.rcode(), 3);
  EXPECT_EQ(m.qtype(), 0);
  EXPECT_TRUE(m.qname().empty());
}

TEST(DnsParse, ResponseWithCompressedOwnersAllSections) {
  Writer w;
  w.header(7, 0x8180, 1, 2, 1, 1);
  w.question("example.com", type::A);
  w.ptr(12); size_t l = w.rr(type::A, 1, 300); w.bytes({192, 0, 2, 1}); w.end_rdata(l);
  w.ptr(12); l = w.rr(type::A, 1, 300); w.bytes({192, 0, 2, 2}); w.end_rdata(l);
  w.ptr(12); l = w.rr(type::NS, 1, 3600); w.labels("ns1"); w.ptr(12); w.end_rdata(l);
  w.labels("ns1"); w.ptr(12); l = w.rr(type::A, 1, 60); w.bytes({192, 0, 2, 53}); w.end_rdata(l);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.record_count(), 5);
  EXPECT_EQ(m.records_validated(), 5u);
  EXPECT_EQ(m.section_recorded(Section::answer), 2);
  EXPECT_EQ(m.section_begin(Section::authority), 3);
  EXPECT_EQ(m.record(4).section, Section::additional);
  EXPECT_EQ(m.record(1).ttl, 300u);
  EXPECT_EQ(m.record(1).rdlength, 4);
  EXPECT_EQ(m.data()[m.record(2).rdata + 3], 2);
  EXPECT_TRUE(m.owner(m.record(1)).equals_ci(m.qname()));
  EXPECT_EQ(m.owner(m.record(4)).to_text(), "ns1.example.com.");
  EXPECT_EQ(m.owner(m.record(4)).label_count(), 3u);
  EXPECT_EQ(m.forward_pointers(), 0);
  EXPECT_EQ(m.anomalies(), 0);
}

TEST(DnsParse, ForwardPointerAcceptedAndCounted) {
  // Question name points forward to a name stored in an answer's rdata-free owner.
  Writer w;
  w.header(1, 0x8180, 1, 1, 0, 0);
  w.labels("www");
  const size_t fwd_ptr_at = w.pos();
  w.ptr(0);  // patched below
  w.u16(type::A); w.u16(1);
  const size_t target = w.name("example.org");
  size_t l = w.rr(type::A, 1, 5); w.bytes({1, 2, 3, 4}); w.end_rdata(l);
  w.b[fwd_ptr_at + 1] = uint8_t(target);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.forward_pointers(), 1);
  EXPECT_TRUE(m.anomalies() & anomaly::forward_pointer);
  EXPECT_EQ(m.qname().to_text(), "www.example.org.");
}

TEST(DnsParse, PointerLoopSelf) {
  Writer w;
  w.header(1, 0, 1, 0, 0, 0);
  w.ptr(12);
  w.u16(1); w.u16(1);
  MessageBuf<> m;
  auto r = run(w, m);
  EXPECT_EQ(r.error, Error::pointer_loop);
  EXPECT_EQ(r.section, Section::question);
  EXPECT_FALSE(m.question_complete());
}

TEST(DnsParse, PointerLoopThroughLabels) {
  Writer w;
  w.header(1, 0, 1, 0, 0, 0);
  w.label("a");
  w.ptr(12);  // back to "a": each pass adds a label, but the repeated target is caught first
  w.u16(1); w.u16(1);
  MessageBuf<> m;
  EXPECT_EQ(run(w, m).error, Error::pointer_loop);
}

TEST(DnsParse, PointerLoopTwoPointers) {
  Writer w;
  w.header(1, 0, 1, 0, 0, 0);
  w.ptr(14);
  w.ptr(12);
  w.u16(1); w.u16(1);
  MessageBuf<> m;
  EXPECT_EQ(run(w, m).error, Error::pointer_loop);
}

TEST(DnsParse, PointerIntoHeaderAndBeyondMessage) {
  for (uint16_t target : {0, 5, 11}) {
    Writer w;
    w.header(1, 0, 1, 0, 0, 0);
    w.ptr(target);
    w.u16(1); w.u16(1);
    MessageBuf<> m;
    EXPECT_EQ(run(w, m).error, Error::bad_pointer) << target;
  }
  Writer w;
  w.header(1, 0, 1, 0, 0, 0);
  w.ptr(200);
  w.u16(1); w.u16(1);
  MessageBuf<> m;
  EXPECT_EQ(run(w, m).error, Error::bad_pointer);
}

TEST(DnsParse, ReservedLabelTypes) {
  for (uint8_t b : {0x40, 0x41, 0x7f}) {
    Writer w;
    w.header(1, 0, 1, 0, 0, 0);
    w.u8(b);
    w.bytes(std::string(130, 'a'));
    w.root();
    w.u16(1); w.u16(1);
    MessageBuf<> m;
    EXPECT_EQ(run(w, m).error, Error::label_too_long) << int(b);
  }
  for (uint8_t b : {0x80, 0xbf}) {
    Writer w;
    w.header(1, 0, 1, 0, 0, 0);
    w.u8(b);
    w.bytes(std::string(200, 'a'));
    w.root();
    w.u16(1); w.u16(1);
    MessageBuf<> m;
    EXPECT_EQ(run(w, m).error, Error::bad_label_type) << int(b);
  }
}

TEST(DnsParse, Label63OkLabel64Rejected) {
  Writer w = query(std::string(63, 'x') + ".com");
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.qname().wire_length(), 1u + 63 + 1 + 3 + 1);
  Writer w2;
  w2.header(1, 0, 1, 0, 0, 0);
  w2.label(std::string(64, 'x'));  // a naive encoder: length octet 0x40
  w2.root();
  w2.u16(1); w2.u16(1);
  EXPECT_EQ(run(w2, m).error, Error::label_too_long);
}

namespace {
// A dotted name whose wire form is exactly `wire` octets (root included).
std::string name_of_wire_length(size_t wire) {
  std::string s;
  size_t left = wire - 1;  // minus root
  while (left) {
    size_t l = left - 1 > 63 ? 63 : left - 1;
    if (left - (l + 1) == 1) --l;  // never leave a 1-octet remainder (a label needs 2)
    if (!s.empty()) s += '.';
    s += std::string(l, 'a');
    left -= l + 1;
  }
  return s;
}
}  // namespace

TEST(DnsParse, Name255OkName256Rejected) {
  const std::string n255 = name_of_wire_length(255);
  Writer w = query(n255);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.qname().wire_length(), 255u);
  EXPECT_EQ(m.qname().to_text().size(), n255.size() + 1);
  Writer w2 = query(name_of_wire_length(256));
  auto r = run(w2, m);
  EXPECT_EQ(r.error, Error::name_too_long);
}

TEST(DnsParse, NameTooLongAcrossCompression) {
  // 200 octets in place, then a pointer to a 100-octet name: 300 decompressed.
  Writer w;
  w.header(1, 0x8000, 1, 1, 0, 0);
  w.question(name_of_wire_length(100), 1);
  w.labels(std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(63, 'd'));
  w.ptr(12);
  size_t l = w.rr(1, 1, 0); w.bytes({1, 2, 3, 4}); w.end_rdata(l);
  MessageBuf<> m;
  auto r = run(w, m);
  EXPECT_EQ(r.error, Error::name_too_long);
  EXPECT_EQ(r.section, Section::answer);
  EXPECT_TRUE(m.question_complete());
}

TEST(DnsParse, TruncatedHeader) {
  MessageBuf<> m;
  for (size_t n = 0; n < 12; ++n) {
    // An exact-size copy of a header claiming records: nothing may be read from it.
    std::vector<uint8_t> b(n, 0xff);
    EXPECT_EQ(parse(b.data(), n, m).error, Error::truncated_header);
    EXPECT_EQ(m.record_count(), 0u);
    for (unsigned s = 0; s < 4; ++s) {
      EXPECT_EQ(m.section_begin(Section(s)), 0u);
      EXPECT_EQ(m.section_recorded(Section(s)), 0u);
    }
  }
}

TEST(DnsParse, TruncatedEverywhere) {
  // Every strict prefix of a valid message fails, never crashes, never reads past the end.
  Writer w;
  w.header(9, 0x8180, 1, 1, 1, 1);
  w.question("a.example", type::MX);
  w.ptr(12); size_t l = w.rr(type::MX, 1, 1); w.u16(10); w.labels("mx"); w.ptr(12); w.end_rdata(l);
  w.ptr(12); l = w.rr(type::SOA, 1, 1); w.name("ns"); w.name("h"); for (int i = 0; i < 5; ++i) w.u32(i); w.end_rdata(l);
  w.opt(1232, 0, 0, 0x8000);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  for (size_t n = 12; n < w.size(); ++n) {
    std::vector<uint8_t> cut(w.b.begin(), w.b.begin() + n);  // exact-size heap copy: ASan sees over-reads
    auto r = parse(cut.data(), cut.size(), m);
    EXPECT_FALSE(r.ok()) << n;
    if (n < 12 + 5 + 3 * 11) {
      EXPECT_EQ(r.error, Error::counts_exceed_message) << n << " " << to_string(r.error);
    } else {
      EXPECT_TRUE(r.error == Error::name_truncated || r.error == Error::truncated_rr ||
                  r.error == Error::rdata_overrun || r.error == Error::truncated_question)
          << n << " " << to_string(r.error);
    }
  }
}

TEST(DnsParse, PreciseTruncationErrorsWhenCountsFit) {
  MessageBuf<> m;
  {  // question type cut, but counts fit (extra bytes can't be: make it fit by qd=1 and 5 bytes)
    Writer w;
    w.header(1, 0, 1, 0, 0, 0);
    w.name("abcdefgh");
    w.u16(1);
    auto r = run(w, m);
    EXPECT_EQ(r.error, Error::truncated_question);
  }
  {
    Writer w;
    w.header(1, 0x8000, 0, 1, 0, 0);
    w.name("abcdefgh");
    w.u16(1); w.u16(1);
    auto r = run(w, m);
    EXPECT_EQ(r.error, Error::truncated_rr);
    EXPECT_EQ(r.section, Section::answer);
  }
  {
    Writer w;
    w.header(1, 0x8000, 0, 1, 0, 0);
    w.root();
    size_t l = w.rr(1, 1, 1);
    w.bytes({1, 2, 3});
    w.b[l + 1] = 4;  // claims 4 bytes, has 3
    auto r = run(w, m);
    EXPECT_EQ(r.error, Error::rdata_overrun);
    EXPECT_EQ(r.offset, l);
  }
  {
    Writer w;
    w.header(1, 0, 1, 0, 0, 0);
    w.bytes({5, 'a', 'b'});  // label runs past the end
    w.bytes(std::string(5, '\0'));
    w.b[12] = 20;
    auto r = run(w, m);
    EXPECT_EQ(r.error, Error::name_truncated);
  }
}

TEST(DnsParse, CountsBeyondMessage) {
  Writer w = query("example.com");
  w.set_count(1, 40000);
  MessageBuf<> m;
  auto r = run(w, m);
  EXPECT_EQ(r.error, Error::counts_exceed_message);
  EXPECT_TRUE(m.question_complete());
  EXPECT_EQ(m.qtype(), type::A);
}

TEST(DnsParse, TrailingGarbage) {
  Writer w = query("example.com");
  w.bytes({0xde, 0xad});
  MessageBuf<> m;
  auto r = run(w, m);
  EXPECT_EQ(r.error, Error::trailing_garbage);
  EXPECT_EQ(r.offset, w.size() - 2);
  EXPECT_TRUE(m.complete());
  EXPECT_EQ(m.trailing_bytes(), 2);
  EXPECT_TRUE(m.qname().equals_ci("example.com"));
}

TEST(DnsParse, TcResponseKeepsHeaderAndQuestion) {
  Writer w;
  w.header(0xabcd, 0x8380, 1, 3, 0, 0);  // QR AA TC RD RA
  w.question("big.example", type::TXT);
  w.bytes({0xc0, 0x0c, 0x00, 0x10, 0x00});  // answer cut mid-way
  MessageBuf<> m;
  auto r = run(w, m);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.section, Section::answer);
  EXPECT_TRUE(m.tc());
  EXPECT_TRUE(m.question_complete());
  EXPECT_FALSE(m.complete());
  EXPECT_EQ(m.id(), 0xabcd);
  EXPECT_EQ(m.qtype(), type::TXT);
  EXPECT_TRUE(m.qname().equals_ci("BIG.example."));
  // Garbage rather than a cut: still keeps the question.
  Writer g;
  g.header(1, 0x8380, 1, 1, 0, 0);
  g.question("x.example", type::A);
  g.bytes({0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  r = run(g, m);
  EXPECT_EQ(r.error, Error::label_too_long);
  EXPECT_TRUE(m.question_complete());
  EXPECT_EQ(m.qname().to_text(), "x.example.");
}

TEST(DnsParse, RecordOverflowCountsAndContinues) {
  Writer w;
  w.header(1, 0x8180, 1, 100, 0, 1);
  w.question("many.example", type::A);
  for (int i = 0; i < 100; ++i) {
    w.ptr(12); size_t l = w.rr(type::A, 1, i); w.u32(i); w.end_rdata(l);
  }
  w.opt(4096, 1, 0, 0x8000);
  MessageBuf<16> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.record_count(), 16);
  EXPECT_EQ(m.records_validated(), 102u);
  EXPECT_TRUE(m.anomalies() & anomaly::record_overflow);
  // The OPT is kept even beyond capacity.
  ASSERT_TRUE(m.has_opt());
  EXPECT_EQ(m.edns_udp_size(), 4096);
  EXPECT_TRUE(m.edns_do());
  EXPECT_EQ(m.rcode(), 16);  // BADVERS/BADSIG: ext rcode 1, header 0
}

TEST(DnsParse, OptRules) {
  MessageBuf<> m;
  {
    Writer w = query("a");
    w.set_count(3, 2);
    w.opt(512, 0, 0, 0);
    w.opt(512, 0, 0, 0);
    auto r = run(w, m);
    EXPECT_EQ(r.error, Error::bad_opt);
    EXPECT_EQ(r.section, Section::additional);
  }
  {
    Writer w = query("a");
    w.set_count(1, 1);
    w.opt(512, 0, 0, 0);
    EXPECT_EQ(run(w, m).error, Error::bad_opt);
  }
  {
    Writer w = query("a");
    w.set_count(3, 1);
    w.label("x"); w.root();
    size_t l = w.rr(type::OPT, 512, 0); w.end_rdata(l);
    EXPECT_EQ(run(w, m).error, Error::bad_opt);
  }
  {
    Writer w = query("a");
    w.set_count(3, 1);
    w.opt(1232, 0xfe, 0, 0);
    ASSERT_TRUE(run(w, m).ok());
    w.b[3] |= 0x05;
    ASSERT_TRUE(run(w, m).ok());
    EXPECT_EQ(m.rcode(), 0xfe5);
    EXPECT_EQ(m.header_rcode(), 5);
  }
}

TEST(DnsParse, MessageTooLong) {
  std::vector<uint8_t> big(70000, 0);
  MessageBuf<> m;
  EXPECT_EQ(parse(big.data(), big.size(), m).error, Error::message_too_long);
}

namespace {

// Answers whose owners chain back to the question: owner k is "x" and a pointer to owner k-1, the
// first points at the question, so owner k takes k+1 pointer hops.
Writer hop_chain(unsigned answers) {
  Writer w;
  w.header(1, 0x8180, 1, uint16_t(answers), 0, 0);
  w.question("a.b", type::A);
  size_t prev = 12;
  for (unsigned k = 0; k < answers; ++k) {
    const size_t at = w.labels("x");
    w.ptr(uint16_t(prev));
    const size_t l = w.rr(type::A, 1, 60);
    w.bytes({192, 0, 2, 1});
    w.end_rdata(l);
    prev = at;
  }
  return w;
}

// "" when dns::parse and the reference parser agree on every field of `b`.
std::string difference_from_reference(const std::vector<uint8_t>& b) {
  MessageBuf<8> m;  // small, so that record overflow is exercised too
  const ParseResult r = parse(b.data(), b.size(), m);
  return dnstest::first_difference(r, m, dnstest::reference_parse(b.data(), b.size(), 8));
}

void expect_agrees_with_reference(const std::vector<uint8_t>& b, const char* what) {
  EXPECT_EQ(difference_from_reference(b), "") << what;
}

}  // namespace

TEST(DnsParse, PointerLoopThatOutgrowsTheNameIsStillALoop) {
  // Each pass adds 64 octets: the 255-octet limit ends the walk after four passes, long before
  // the hop cap. Targets are only compared when a walk fails, and the repeat found then makes it
  // the pointer_loop it is, not name_too_long.
  for (const bool in_rr : {false, true}) {
    SCOPED_TRACE(in_rr ? "an answer's owner (walk_tail)" : "the question (walk_owner)");
    Writer w;
    w.header(1, 0, 1, in_rr ? 1 : 0, 0, 0);
    size_t loop = 12;
    if (in_rr) {
      w.question("example.com", type::A);
      loop = w.pos();
    }
    w.label(std::string(63, 'x'));
    w.ptr(uint16_t(loop));
    if (in_rr) {
      const size_t l = w.rr(type::A, 1, 60);
      w.bytes({192, 0, 2, 1});
      w.end_rdata(l);
    } else {
      w.u16(1); w.u16(1);
    }
    MessageBuf<> m;
    EXPECT_EQ(run(w, m).error, Error::pointer_loop);
    Name n;
    EXPECT_EQ(Name::at(w.b.data(), w.b.size(), loop, n), Error::pointer_loop);
    expect_agrees_with_reference(w.b, "a loop of 63-octet labels");
  }
}

TEST(DnsParse, PointerHopCapCountsTheHopIntoAKnownName) {
  // 32 hops are allowed; the 33rd is refused even though it lands on the question, a name the
  // parser has already validated and would otherwise accept at once.
  MessageBuf<64> m;
  Writer ok = hop_chain(32);
  ASSERT_TRUE(run(ok, m).ok());
  EXPECT_TRUE(m.anomalies() & anomaly::pointer_chain);
  EXPECT_EQ(m.owner(m.record(32)).label_count(), 34u);
  Writer bad = hop_chain(33);
  const ParseResult r = run(bad, m);
  EXPECT_EQ(r.error, Error::pointer_loop);
  EXPECT_EQ(r.section, Section::answer);
  EXPECT_EQ(r.offset, m.record(32).rdata + 4);  // the 33rd owner follows the 32nd's rdata
  expect_agrees_with_reference(ok.b, "32 hops");
  expect_agrees_with_reference(bad.b, "33 hops");
}

TEST(DnsParse, PointerChainSeenThroughANameWithAnInPlacePrefix) {
  // The additional owner points at "ns1" + pointer: two hops, though its target was validated.
  Writer w;
  w.header(7, 0x8180, 1, 1, 0, 1);
  w.question("example.com", type::NS);
  w.ptr(12);
  size_t l = w.rr(type::NS, 1, 3600);
  w.end_rdata(l);
  const size_t glue = w.labels("ns1");
  w.ptr(12);
  l = w.rr(type::A, 1, 60);
  w.bytes({192, 0, 2, 53});
  w.end_rdata(l);
  w.set_count(3, 2);
  w.ptr(uint16_t(glue));
  l = w.rr(type::AAAA, 1, 60);
  w.bytes(std::string(16, '\1'));
  w.end_rdata(l);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.owner(m.record(3)).to_text(), "ns1.example.com.");
  EXPECT_TRUE(m.anomalies() & anomaly::pointer_chain);
  expect_agrees_with_reference(w.b, "glue through an in-place prefix");
}

// Owners built as pointer chains: RR k's owner is "b" + a pointer to RR k-1's owner, 30 deep, and
// every later owner points at the deepest. Legal names, but decompressing them all takes far more
// steps than the message has bytes; refused as compression_bomb where the budget runs out.
Writer chained_owners(unsigned rrs, unsigned depth) {
  Writer w;
  w.header(1, 0x8180, 1, uint16_t(rrs), 0, 0);
  w.question("a", type::A);
  std::vector<size_t> owners;
  size_t prev = 12;
  for (unsigned k = 0; k < rrs; ++k) {
    owners.push_back(w.pos());
    w.label("b");
    w.ptr(uint16_t(k < depth ? prev : owners[depth - 1]));
    const size_t l = w.rr(type::A, 1, 60);
    w.bytes({192, 0, 2, 1});
    w.end_rdata(l);
    prev = owners.back();
  }
  return w;
}

TEST(DnsParse, CompressionBombIsRefusedWhereTheBudgetRunsOut) {
  Writer bomb = chained_owners(80, 30);
  MessageBuf<128> m;
  const ParseResult r = run(bomb, m);
  EXPECT_EQ(r.error, Error::compression_bomb);
  EXPECT_EQ(r.section, Section::answer);
  // The owner whose labels and hops took the running sum past the budget.
  size_t steps = 1, at = 0;  // the question "a": one label
  for (unsigned k = 0; k < 80; ++k) {
    const unsigned hops = k < 30 ? k + 1 : 31;  // RR k's owner: one hop per "b" it passes
    steps += (hops + 1) + hops;                 // a "b" per hop and the final "a", and the hops
    if (steps > limits::name_steps(bomb.b.size())) {
      at = k;
      break;
    }
  }
  ASSERT_GT(at, 0u);
  EXPECT_EQ(m.records_validated(), 1 + at);  // the question and the RRs before it
  EXPECT_EQ(r.offset, 12 + 7 + 18 * at);     // question: "a" 3 + 4; each RR: 2 + 2 + 10 + 4
  expect_agrees_with_reference(bomb.b, "compression bomb");
  // The same shape, shallow, is an ordinary message.
  Writer fine = chained_owners(80, 2);
  EXPECT_TRUE(run(fine, m).ok());
  expect_agrees_with_reference(fine.b, "two hops");
}

TEST(DnsParse, CompressionBombOwnerPointersAreCounted) {
  // The owner that runs the budget out was walked whole, so its forward pointer counts like the
  // ones before it (the fuzzer found the two parsers disagreeing on that). Here every late owner
  // is "b" plus a forward pointer to a name at the end of the message, itself a deep chain.
  Writer w = chained_owners(30, 30);
  constexpr unsigned kForward = 40;
  std::vector<size_t> patch;
  for (unsigned k = 0; k < kForward; ++k) {
    w.label("b");
    patch.push_back(w.pos());
    w.ptr(0);  // patched below
    const size_t l = w.rr(type::A, 1, 60);
    w.bytes({192, 0, 2, 1});
    w.end_rdata(l);
  }
  const size_t target = w.pos();  // after the last RR: the parse stops before it gets here
  w.label("c");
  w.ptr(uint16_t(12 + 7 + 18 * 28));  // RR 28's owner: 29 hops deep
  for (const size_t at : patch) {
    w.b[at] = uint8_t(0xc0 | target >> 8);
    w.b[at + 1] = uint8_t(target);
  }
  w.b[7] = uint8_t(30 + kForward);  // ANCOUNT
  MessageBuf<128> m;
  const ParseResult r = run(w, m);
  ASSERT_EQ(r.error, Error::compression_bomb);
  EXPECT_GT(m.records_validated(), 31u);  // some forward owners passed before the budget ran out
  EXPECT_EQ(m.forward_pointers(), m.records_validated() - 31 + 1);  // one each, the refused one too
  expect_agrees_with_reference(w.b, "a bomb through forward pointers");
}

TEST(DnsParse, CompressionBudgetLeavesLargeRealShapesAlone) {
  // 400 RRs, each owned by a pointer to a 6-label question name (what a big answer or a zone
  // transfer looks like): 7 steps per 18-byte RR.
  Writer w;
  w.header(1, 0x8180, 1, 400, 0, 0);
  w.question("a.b.c.d.example.com", type::A);
  for (int k = 0; k < 400; ++k) {
    w.ptr(12);
    const size_t l = w.rr(type::A, 1, 60);
    w.bytes({192, 0, 2, 1});
    w.end_rdata(l);
  }
  MessageBuf<8> m;
  EXPECT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.records_validated(), 401u);
}

TEST(DnsParse, AgreesWithTheReferenceParserOnMutatedMessages) {
  // Realistic shapes (query, referral with glue, EDNS, compression, chains), then a fixed-seed
  // stream of mutations aimed at what the parser decides on: length octets, pointers, counts,
  // truncation. The fuzz target does the same without bounds; this keeps CI honest about it.
  std::vector<std::vector<uint8_t>> bases;
  bases.push_back(query("www.example.com", type::AAAA).b);
  {
    Writer w;
    w.header(9, 0x8100, 1, 1, 2, 3);
    w.question("host-7.bench.example", type::A);
    w.ptr(12); size_t l = w.rr(type::A, 1, 300); w.bytes({192, 0, 2, 7}); w.end_rdata(l);
    const size_t zone = 12 + 7;
    w.ptr(uint16_t(zone)); l = w.rr(type::NS, 1, 3600);
    const size_t ns1 = w.labels("ns1"); w.ptr(uint16_t(zone)); w.end_rdata(l);
    w.ptr(uint16_t(zone)); l = w.rr(type::NS, 1, 3600);
    const size_t ns2 = w.labels("ns2"); w.ptr(uint16_t(zone)); w.end_rdata(l);
    w.ptr(uint16_t(ns1)); l = w.rr(type::A, 1, 3600); w.bytes({192, 0, 2, 53}); w.end_rdata(l);
    w.ptr(uint16_t(ns2)); l = w.rr(type::AAAA, 1, 3600); w.bytes(std::string(16, '\2')); w.end_rdata(l);
    w.opt(1232, 0, 0, 0x8000, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
    bases.push_back(w.b);
  }
  bases.push_back(hop_chain(5).b);
  {
    Writer w;  // a forward pointer and a multi-question message
    w.header(1, 0x8180, 2, 1, 0, 0);
    w.labels("www"); const size_t fwd = w.pos(); w.ptr(0); w.u16(type::A); w.u16(1);
    w.question("mail.example.org", type::MX);
    const size_t target = w.name("example.org");
    size_t l = w.rr(type::MX, 1, 5); w.u16(10); w.ptr(uint16_t(target)); w.end_rdata(l);
    w.b[fwd + 1] = uint8_t(target);
    bases.push_back(w.b);
  }
  for (size_t i = 0; i < bases.size(); ++i) expect_agrees_with_reference(bases[i], "base");

  std::mt19937 rng(20261203);
  constexpr int kMutations = 200000;
  int failures = 0;
  for (int i = 0; i < kMutations && failures < 5; ++i) {
    std::vector<uint8_t> b = bases[rng() % bases.size()];
    for (unsigned n = 1 + rng() % 3; n-- > 0 && !b.empty();) {
      const size_t at = rng() % b.size();
      switch (rng() % 7) {
        case 0: b[at] = uint8_t(rng()); break;                          // any byte
        case 1: b[at] ^= uint8_t(1u << (rng() % 8)); break;             // one bit
        case 2: b[at] = uint8_t(0xc0 | (rng() % 2)); break;             // a pointer's first octet
        case 3: if (at + 1 < b.size()) b[at + 1] = uint8_t(rng() % b.size()); break;  // its target
        case 4: b.resize(at); break;                                    // truncation
        case 5: if (b.size() >= 12) b[4 + 2 * (rng() % 4) + 1] = uint8_t(rng() % 12); break;  // a count
        case 6: b[at] = uint8_t(rng() % 70); break;                     // a label length
      }
    }
    const std::string diff = difference_from_reference(b);
    if (!diff.empty()) {
      ++failures;
      ADD_FAILURE() << "mutation " << i << ": " << diff;
    }
  }
}

TEST(DnsName, HashAndEqualsIgnoreCaseAndCompression) {
  Writer w;
  w.header(1, 0x8180, 1, 2, 0, 0);
  w.question("WWW.Example.COM", type::CNAME);
  w.ptr(12); size_t l = w.rr(type::CNAME, 1, 1); w.labels("www"); w.ptr(16); w.end_rdata(l);
  w.name("www.example.com"); l = w.rr(type::A, 1, 1); w.u32(0); w.end_rdata(l);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  Name q = m.qname();
  Name a = m.owner(m.record(2));
  Name cn;
  ASSERT_EQ(Name::at(w.data(), w.size(), m.record(1).rdata, cn), Error::ok);
  EXPECT_TRUE(q.equals_ci(a));
  EXPECT_TRUE(q.equals_ci(cn));
  EXPECT_TRUE(cn.equals_ci(a));
  EXPECT_EQ(q.hash_ci(), a.hash_ci());
  EXPECT_EQ(q.hash_ci(), cn.hash_ci());
  EXPECT_NE(q.hash_ci(), q.hash_ci(1));
  EXPECT_EQ(cn.to_text(), "www.Example.COM.");
  uint8_t wire[255];
  EXPECT_EQ(cn.to_wire(wire), 17u);
  // Different names: differ in a byte, in length, in label split.
  Writer o;
  o.header(1, 0, 3, 0, 0, 0);
  o.question("www.example.con", 1);
  o.question("ww.example.com", 1);
  o.question("wwwe.xample.com", 1);
  ASSERT_TRUE(run(o, m).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(m.owner(m.record(i)).equals_ci(q)) << i;
    EXPECT_NE(m.owner(m.record(i)).hash_ci(), q.hash_ci()) << i;
  }
}

TEST(DnsName, TextEscapesAndRoot) {
  Writer w;
  w.header(1, 0, 2, 0, 0, 0);
  w.u8(5); w.bytes({'a', '.', 'b', '\\', 0x07}); w.root(); w.u16(1); w.u16(1);
  w.root(); w.u16(2); w.u16(1);
  MessageBuf<> m;
  ASSERT_TRUE(run(w, m).ok());
  EXPECT_EQ(m.owner(m.record(0)).to_text(), "a\\.b\\\\\\007.");
  EXPECT_EQ(m.owner(m.record(1)).to_text(), ".");
  EXPECT_TRUE(m.owner(m.record(1)).is_root());
  EXPECT_TRUE(m.owner(m.record(1)).equals_ci("."));
  char small[4];
  EXPECT_EQ(m.owner(m.record(0)).to_text(small, sizeof small), 11u);
  EXPECT_STREQ(small, "a\\.");
}

// The names become counter names in telemetry, whose dictionary keys allow only [A-Za-z0-9_/].
TEST(DnsName, ErrorNamesAreSnakeCase) {
  for (unsigned i = 0; i < unsigned(Error::count_); ++i) {
    auto s = to_string(Error(i));
    EXPECT_NE(s, "unknown");
    for (char c : s) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << s;
  }
  EXPECT_EQ(to_string(Error::truncated_header), "truncated_header");
  EXPECT_EQ(to_string(Error::pointer_loop), "pointer_loop");
}

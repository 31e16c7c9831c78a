#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dns_writer.h"
#include "reference_tcp_stream.h"
#include "proto/dns/dns.h"
#include "proto/dns/tcp_stream.h"

using namespace rampart::proto::dns;
using dnstest::framed;
using dnstest::Writer;

namespace {

std::vector<uint8_t> msg(uint16_t id, std::string_view name = "example.com") {
  Writer w;
  w.header(id, 0x0100, 1, 0, 0, 0);
  w.question(name, type::A);
  return w.b;
}

struct Collector {
  std::vector<uint16_t> ids;
  void operator()(const uint8_t* m, size_t n) {
    MessageBuf<> mb;
    ASSERT_TRUE(parse(m, n, mb).ok());
    ids.push_back(mb.id());
  }
};

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Stream {
  std::unique_ptr<TcpStreamReassembler> r = std::make_unique<TcpStreamReassembler>();
  Collector c;
  uint32_t seq = 1000;
  void syn() { r->on_syn(seq - 1); }
  void send(const std::vector<uint8_t>& b, size_t from, size_t n) {
    r->feed(seq + uint32_t(from), b.data() + from, n, c);
  }
};

}  // namespace

TEST(DnsTcp, SeveralMessagesInOneSegment) {
  Stream s;
  s.syn();
  auto b = cat({framed(msg(1)), framed(msg(2)), framed(msg(3))});
  s.send(b, 0, b.size());
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2, 3}));
  EXPECT_EQ(s.r->stats().messages, 3u);
  EXPECT_EQ(s.r->buffered(), 0u);
}

TEST(DnsTcp, OneMessageSplitAcrossSegmentsAtEveryByte) {
  auto b = cat({framed(msg(7)), framed(msg(8))});
  for (size_t cut = 1; cut < b.size(); ++cut) {
    Stream s;
    s.syn();
    s.send(b, 0, cut);
    s.send(b, cut, b.size() - cut);
    EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{7, 8})) << cut;
    EXPECT_EQ(s.r->stats().bytes_given_up, 0u);
  }
}

TEST(DnsTcp, ByteAtATime) {
  Stream s;
  s.syn();
  auto b = cat({framed(msg(1)), framed(msg(2))});
  for (size_t i = 0; i < b.size(); ++i) s.send(b, i, 1);
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2}));
}

TEST(DnsTcp, RetransmissionIgnored) {
  Stream s;
  s.syn();
  auto b = cat({framed(msg(1)), framed(msg(2))});
  s.send(b, 0, 20);
  s.send(b, 0, 20);   // full retransmit
  s.send(b, 10, 30);  // overlap
  s.send(b, 40, b.size() - 40);
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(s.r->stats().duplicate_bytes, 30u);
}

TEST(DnsTcp, MissingSegmentResynchronises) {
  Stream s;
  s.syn();
  auto m1 = framed(msg(1)), m2 = framed(msg(2)), m3 = framed(msg(3)), m4 = framed(msg(4));
  auto b = cat({m1, m2, m3, m4});
  // Segment A: m1 + half of m2. Segment B (lost): rest of m2 + 5 bytes of m3.
  // Segment C: rest of m3 + m4.
  const size_t a_end = m1.size() + m2.size() / 2;
  const size_t c_start = m1.size() + m2.size() + 5;
  s.send(b, 0, a_end);
  s.send(b, c_start, b.size() - c_start);
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 4}));
  EXPECT_EQ(s.r->stats().gaps, 1u);
  EXPECT_EQ(s.r->stats().partial_messages, 1u);
  EXPECT_EQ(s.r->stats().resyncs, 1u);
  EXPECT_EQ(s.r->stats().bytes_given_up, (a_end - m1.size()) + (m3.size() - 5));
  EXPECT_TRUE(s.r->synced());
}

TEST(DnsTcp, JoinedWithoutSynOnBoundary) {
  Stream s;  // no syn()
  auto b = cat({framed(msg(5)), framed(msg(6))});
  s.send(b, 0, b.size());
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{5, 6}));
  EXPECT_EQ(s.r->stats().resyncs, 1u);
  EXPECT_EQ(s.r->stats().bytes_given_up, 0u);
}

TEST(DnsTcp, JoinedWithoutSynMidMessage) {
  Stream s;
  auto m1 = framed(msg(1, "first.example.org")), m2 = framed(msg(2)), m3 = framed(msg(3));
  auto b = cat({m1, m2, m3});
  s.send(b, 9, b.size() - 9);  // stream picked up 9 bytes into m1
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{2, 3}));
  EXPECT_EQ(s.r->stats().bytes_given_up, m1.size() - 9);
}

TEST(DnsTcp, JoinedWithoutSynMessageSplit) {
  Stream s;
  auto m1 = framed(msg(1)), m2 = framed(msg(2));
  auto b = cat({m1, m2});
  s.send(b, 0, 10);  // first segment: a length prefix and a partial header
  s.send(b, 10, b.size() - 10);
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2}));
}

TEST(DnsTcp, BadLengthResyncs) {
  Stream s;
  s.syn();
  auto b = cat({framed(msg(1)), std::vector<uint8_t>{0, 3, 'x', 'y', 'z'}, framed(msg(2))});
  s.send(b, 0, b.size());
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(s.r->stats().bad_length, 1u);
  EXPECT_EQ(s.r->stats().bytes_given_up, 5u);
}

TEST(DnsTcp, CloseCountsPartial) {
  Stream s;
  s.syn();
  auto b = framed(msg(1));
  s.send(b, 0, 8);
  s.r->close();
  EXPECT_TRUE(s.c.ids.empty());
  EXPECT_EQ(s.r->stats().partial_messages, 1u);
  EXPECT_EQ(s.r->stats().bytes_given_up, 8u);
}

TEST(DnsTcp, LargestMessageFits) {
  Writer w;
  w.header(9, 0x8180, 1, 1, 0, 0);
  w.question("big.example", type::TXT);
  w.ptr(12);
  size_t l = w.rr(type::TXT, 1, 1);
  while (w.size() + 256 <= 65535) w.label(std::string(255, 't'));
  w.end_rdata(l);
  auto b = framed(w.b);
  Stream s;
  s.syn();
  for (size_t i = 0; i < b.size(); i += 1460) s.send(b, i, std::min<size_t>(1460, b.size() - i));
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{9}));
}

TEST(DnsTcp, SequenceWraparound) {
  Stream s;
  s.seq = 0xfffffff0u;
  s.syn();
  auto b = cat({framed(msg(1)), framed(msg(2))});
  s.send(b, 0, 7);
  s.send(b, 7, b.size() - 7);
  EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(s.r->stats().gaps, 0u);
}

// Joined mid-stream in front of more plausible-but-incomplete candidates than the search keeps
// track of (each a length prefix and a header promising 3000 bytes that never come), fed a byte
// at a time, then whole messages: the resumable search must find the first real message exactly
// as a full rescan would, and account for every byte.
TEST(DnsTcp, ResyncPastManyIncompleteCandidatesByteAtATime) {
  std::vector<uint8_t> junk;
  for (int k = 0; k < 12; ++k) {
    std::vector<uint8_t> fake = msg(uint16_t(100 + k));
    fake.resize(14);  // a header (12) and two stray bytes
    const std::vector<uint8_t> prefix = {0x0b, 0xb8};  // 3000
    junk.insert(junk.end(), prefix.begin(), prefix.end());
    junk.insert(junk.end(), fake.begin(), fake.end());
  }
  const auto m1 = framed(msg(1, "first.example.org")), m2 = framed(msg(2)), m3 = framed(msg(3));
  const auto b = cat({junk, m1, m2, m3});
  for (size_t seg : {size_t{1}, size_t{7}, b.size()}) {
    Stream s;
    for (size_t i = 0; i < b.size(); i += seg) s.send(b, i, std::min(seg, b.size() - i));
    EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2, 3})) << "segments of " << seg;
    EXPECT_EQ(s.r->stats().resyncs, 1u) << seg;
    EXPECT_EQ(s.r->stats().bytes_given_up, junk.size()) << seg;
    EXPECT_EQ(s.r->buffered(), 0u) << seg;
  }
}

namespace {

// `copies` times a length prefix of `len` and a plausible header (opcode 0, one question, no
// records) padded to `period` bytes: from every period-th offset the stream looks like the start
// of a message of `len` bytes, and none of them parses.
std::vector<uint8_t> lookalikes(size_t copies, uint16_t len, size_t period) {
  std::vector<uint8_t> b;
  for (size_t k = 0; k < copies; ++k) {
    std::vector<uint8_t> c(period, 0xaa);
    const uint8_t head[14] = {uint8_t(len >> 8), uint8_t(len), 0x12, 0x34, 0x01, 0x00, 0, 1,
                              0, 0, 0, 0, 0, 0};
    std::copy(head, head + 14, c.begin());
    b.insert(b.end(), c.begin(), c.end());
  }
  return b;
}

void feed_in_segments(Stream& s, const std::vector<uint8_t>& b, size_t seg) {
  for (size_t i = 0; i < b.size(); i += seg) s.send(b, i, std::min(seg, b.size() - i));
}

}  // namespace

// Joined mid-stream into a megabyte in which every 16th offset frames a 65535-byte message that
// never completes: the search must cost the same per byte whatever the segment size (a rescan of
// every candidate beyond the few it tracks once cost 5.6 ms per 1460-byte segment, quadratic in
// the buffer), give the lookalikes up, and still find the real messages that follow.
TEST(DnsTcp, ThousandsOfIncompleteLookalikesCostLinearWork) {
  const auto junk = lookalikes(65536, 0xffff, 16);
  const auto b = cat({junk, framed(msg(1)), framed(msg(2)), framed(msg(3))});
  for (size_t seg : {size_t{1460}, size_t{100}, size_t{7}}) {
    Stream s;
    feed_in_segments(s, b, seg);
    const auto& st = s.r->stats();
    EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2, 3})) << "segments of " << seg;
    EXPECT_EQ(st.bytes_given_up, junk.size()) << seg;
    EXPECT_GT(st.search_limited, 0u) << seg;
    // Each offset examined about once (the tracked few again when complete), plus the parse
    // budget of 4 bytes per byte (the rescan made this about 2,000 per byte).
    EXPECT_LE(st.search_steps, 5 * b.size()) << seg;
    EXPECT_EQ(s.r->buffered(), 0u) << seg;
  }
}

// Lookalikes that are complete and fail to parse, each claiming 2000 bytes, 16 bytes apart:
// confirming all of them would parse 125 bytes per byte of stream. The search parses at most
// kCreditPerByte (4) bytes per byte taken in, drops the rest, and finds the real messages once
// they come.
TEST(DnsTcp, CompleteLookalikesSpendABoundedParseBudget) {
  const auto junk = lookalikes(4096, 2000, 16);
  const auto m1 = framed(msg(1)), m2 = framed(msg(2)), m3 = framed(msg(3));
  for (size_t seg : {size_t{1460}, size_t{65536}}) {
    Stream s;
    feed_in_segments(s, junk, seg);
    const uint64_t after_junk = s.r->stats().search_steps;
    EXPECT_LE(after_junk, 5 * junk.size() + 2 * 65537) << seg;
    EXPECT_GT(s.r->stats().search_limited, 0u) << seg;
    EXPECT_TRUE(s.c.ids.empty()) << seg;
    for (const auto* m : {&m1, &m2, &m3}) {
      s.r->feed(s.seq + uint32_t(junk.size()), m->data(), m->size(), s.c);
      s.seq += uint32_t(m->size());
    }
    EXPECT_EQ(s.c.ids, (std::vector<uint16_t>{1, 2, 3})) << seg;
    EXPECT_EQ(s.r->buffered(), 0u) << seg;
  }
}

// Joined mid-stream behind random bytes sprinkled with lookalike headers at every alignment (the
// search tests 32 offsets at a time where it can): the messages found are the plain rule's
// (reference_tcp_stream.h), whatever the segment sizes.
TEST(DnsTcp, ResyncAgreesWithThePlainRuleAtEveryAlignment) {
  std::mt19937 rng(20261203);
  int checked = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<uint8_t> junk(rng() % 300);
    for (auto& c : junk) c = uint8_t(rng());
    for (int k = int(rng() % 4); k > 0 && junk.size() >= 16; --k) {  // lookalikes that never complete
      const size_t at = rng() % (junk.size() - 15);
      const uint8_t head[14] = {0x7f, 0xff, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
      std::copy(head, head + 14, junk.begin() + long(at));
    }
    // (TxIDs without a 00 01 in them, which would look like a question count to the search)
    const auto b = cat({junk, framed(msg(0x4141)), framed(msg(0x4242, "second.example.net")),
                        framed(msg(0x4343))});
    for (size_t seg : {b.size(), size_t{1 + rng() % 40}}) {
      Stream s;
      dnstest::ReferenceTcpStream ref;
      for (size_t i = 0; i < b.size(); i += seg) {
        const size_t n = std::min(seg, b.size() - i);
        s.send(b, i, n);
        ref.feed(s.seq + uint32_t(i), b.data() + i, n);
      }
      ASSERT_EQ(s.r->stats().search_limited, 0u) << round;
      ASSERT_FALSE(ref.messages.empty()) << round;
      std::vector<uint16_t> want;
      for (const auto& m : ref.messages) want.push_back(uint16_t(m[0] << 8 | m[1]));
      EXPECT_EQ(s.c.ids, want) << "round " << round << " segments of " << seg;
      if (want.size() == 3 && want[0] == 0x4141) {
        ++checked;  // the junk held no message of its own: the real ones are found exactly
        EXPECT_EQ(s.r->stats().bytes_given_up, junk.size()) << round << " " << seg;
      }
    }
  }
  EXPECT_GT(checked, 700);
}

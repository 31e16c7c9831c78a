#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dns_writer.h"
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

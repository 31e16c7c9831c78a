#include "proto/checksum.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace rampart::proto {
namespace {

// Straight RFC 1071 over big-endian words: the oracle the fast version must match.
uint16_t naive_checksum(const uint8_t* p, size_t n, uint32_t initial = 0) {
  uint64_t s = initial;
  for (size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i]) << 8 | p[i + 1];
  if (n & 1) s += static_cast<uint32_t>(p[n - 1]) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 section 3: these bytes sum to ddf2 (one's complement).
  const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_finish(checksum_partial(b, sizeof b)), static_cast<uint16_t>(~0xddf2));
}

TEST(Checksum, KnownIpv4Header) {
  uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(checksum_finish(checksum_partial(h, sizeof h)), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  EXPECT_EQ(checksum_finish(checksum_partial(h, sizeof h)), 0);
}

TEST(Checksum, EmptyAndSingleByte) {
  EXPECT_EQ(checksum_finish(checksum_partial(nullptr, 0)), 0xffff);
  const uint8_t one = 0xab;
  EXPECT_EQ(checksum_finish(checksum_partial(&one, 1)), static_cast<uint16_t>(~0xab00));
}

TEST(Checksum, MatchesNaiveForEveryLengthAndAlignment) {
  std::mt19937 rng(12345);
  std::vector<uint8_t> buf(1600);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t n = 0; n <= 300; ++n) {
      ASSERT_EQ(checksum_finish(checksum_partial(buf.data() + align, n)),
                naive_checksum(buf.data() + align, n))
          << "len " << n << " align " << align;
    }
  }
  EXPECT_EQ(checksum_finish(checksum_partial(buf.data() + 3, 1597)),
            naive_checksum(buf.data() + 3, 1597));
}

TEST(Checksum, ChainsAtEvenSplits) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(501);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint16_t whole = checksum_finish(checksum_partial(buf.data(), buf.size()));
  for (size_t split = 0; split <= buf.size(); split += 2) {
    uint32_t s = checksum_partial(buf.data(), split);
    s = checksum_partial(buf.data() + split, buf.size() - split, s);
    ASSERT_EQ(checksum_finish(s), whole) << split;
  }
}

TEST(Checksum, InitialSumIsAdded) {
  const uint8_t b[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(checksum_finish(checksum_partial(b, 3, 0xfffff)), naive_checksum(b, 3, 0xfffff));
  EXPECT_EQ(checksum_finish(checksum_partial(b, 3, 0xffffffffu)),
            naive_checksum(b, 3, 0xffffffffu));
}

TEST(Checksum, AllOnesLargeBufferDoesNotOverflow) {
  std::vector<uint8_t> buf(65535, 0xff);
  EXPECT_EQ(checksum_finish(checksum_partial(buf.data(), buf.size())),
            naive_checksum(buf.data(), buf.size()));
  std::vector<uint8_t> big(1 << 20, 0xff);
  EXPECT_EQ(checksum_finish(checksum_partial(big.data(), big.size())),
            naive_checksum(big.data(), big.size()));
}

TEST(Checksum, PseudoHeaders) {
  const uint8_t s4[] = {192, 168, 0, 1}, d4[] = {10, 0, 0, 200};
  uint8_t ph4[12] = {192, 168, 0, 1, 10, 0, 0, 200, 0, 17, 0x01, 0x2c};
  EXPECT_EQ(checksum_finish(pseudo_header_ipv4(s4, d4, 17, 300)), naive_checksum(ph4, 12));

  uint8_t s6[16], d6[16];
  for (int i = 0; i < 16; ++i) {
    s6[i] = static_cast<uint8_t>(0x20 + i * 7);
    d6[i] = static_cast<uint8_t>(0xf0 - i * 3);
  }
  uint8_t ph6[40] = {};
  std::memcpy(ph6, s6, 16);
  std::memcpy(ph6 + 16, d6, 16);
  const uint32_t len = 0x12345;  // jumbo-sized: the high half must count too
  ph6[32] = 0;
  ph6[33] = 0x01;
  ph6[34] = 0x23;
  ph6[35] = 0x45;
  ph6[39] = 58;
  EXPECT_EQ(checksum_finish(pseudo_header_ipv6(s6, d6, 58, len)), naive_checksum(ph6, 40));
}

}  // namespace
}  // namespace rampart::proto

#include "proto/checksum.h"

#include <bit>
#include <cstring>

namespace rampart::proto {

namespace {

inline uint32_t fold64(uint64_t acc) noexcept {
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

inline uint16_t fold16(uint32_t s) noexcept {
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(s);
}

inline uint32_t add_fold(uint32_t a, uint32_t b) noexcept {
  return fold64(static_cast<uint64_t>(a) + b);
}

}  // namespace

uint32_t checksum_partial(const uint8_t* data, size_t len, uint32_t sum) noexcept {
  // The one's-complement sum is byte-order independent (RFC 1071 2.B): sum native words and swap
  // the folded result once. Splitting each 64-bit load into halves lets the accumulators absorb
  // carries without an add-with-carry chain (2^32 iterations before they could overflow).
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  while (len >= 16) {
    uint64_t v, w;
    std::memcpy(&v, data, 8);
    std::memcpy(&w, data + 8, 8);
    a0 += v & 0xffffffffu;
    a1 += v >> 32;
    a2 += w & 0xffffffffu;
    a3 += w >> 32;
    data += 16;
    len -= 16;
  }
  uint64_t acc = a0 + a1 + a2 + a3;  // each < 2^60 for any realistic length
  if (len >= 8) {
    uint64_t v;
    std::memcpy(&v, data, 8);
    acc += (v & 0xffffffffu) + (v >> 32);
    data += 8;
    len -= 8;
  }
  if (len >= 4) {
    uint32_t v;
    std::memcpy(&v, data, 4);
    acc += v;
    data += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t v;
    std::memcpy(&v, data, 2);
    acc += v;
    data += 2;
    len -= 2;
  }
  if (len) {
    // The odd byte is the high-order byte of a zero-padded network word.
    uint8_t pad[2] = {data[0], 0};
    uint16_t v;
    std::memcpy(&v, pad, 2);
    acc += v;
  }
  uint16_t s = fold16(fold64(acc));
  if constexpr (std::endian::native == std::endian::little) s = __builtin_bswap16(s);
  return add_fold(sum, s);
}

uint16_t checksum_finish(uint32_t sum) noexcept { return static_cast<uint16_t>(~fold16(sum)); }

uint32_t pseudo_header_ipv4(const uint8_t* src4, const uint8_t* dst4, uint8_t proto,
                            uint16_t l4_len) noexcept {
  uint64_t s = (static_cast<uint32_t>(src4[0]) << 8 | src4[1]) +
               (static_cast<uint32_t>(src4[2]) << 8 | src4[3]) +
               (static_cast<uint32_t>(dst4[0]) << 8 | dst4[1]) +
               (static_cast<uint32_t>(dst4[2]) << 8 | dst4[3]) + proto + l4_len;
  return fold64(s);
}

uint32_t pseudo_header_ipv6(const uint8_t* src16, const uint8_t* dst16, uint8_t proto,
                            uint32_t l4_len) noexcept {
  uint32_t s = checksum_partial(src16, 16, 0);
  s = checksum_partial(dst16, 16, s);
  return fold64(static_cast<uint64_t>(s) + (l4_len >> 16) + (l4_len & 0xffffu) + proto);
}

}  // namespace rampart::proto

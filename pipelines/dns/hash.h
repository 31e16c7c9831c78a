// A small, fast, non-cryptographic hash for fixed keys of the DNS stage's tables. The tables are
// per lcore and bounded, so hash flooding can at worst fill a table (counted), never grow one.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace rampart::dns {

inline uint64_t mix64(uint64_t x) noexcept {
  // splitmix64's finaliser.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The last n (1..7) bytes of a key of `total` bytes ending at `end`, as one word (equal bytes,
// equal word). For keys of 8 bytes or more it reads the 8 bytes that end the key, already-hashed
// ones included, and drops those: copying the tail into a local word byte by byte made the hash's
// next load wait for a store-to-load forward that fails (perf: 2-3 times per DNS message).
inline uint64_t tail_word(const uint8_t* end, size_t n, size_t total) noexcept {
  uint64_t w = 0;
  if (total >= 8) {
    std::memcpy(&w, end - 8, 8);
    if constexpr (std::endian::native == std::endian::little) return w >> (8 * (8 - n));
    else return w & ((uint64_t{1} << (8 * n)) - 1);
  }
  std::memcpy(&w, end - n, n);  // a key shorter than a word: nothing to read around
  return w;
}

// 64 bits over n bytes. With SSE4.2 (every x86 DPDK runs on): two CRC32C lanes, one over the
// words, one over the words multiplied by an odd constant (so the lanes are not linear functions
// of each other), joined into 64 bits. Why: the hash runs 4-5 times per DNS message (QNAME,
// domain, client, transaction key) and a CRC32 step has 3 cycles of latency where the mix64 round
// per word it replaces has about 10 (two dependent multiplies); the profile of the DNS stage showed
// the hashes as a tenth of its time. It is the instruction rte_hash_crc uses, called directly
// because these tables are DPDK-free (unit tested without EAL). Elsewhere: the mix64 chain.
inline uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0) noexcept {
  const auto* b = static_cast<const uint8_t*>(p);
  const size_t total = n;
#if defined(__SSE4_2__)
  constexpr uint64_t kOdd = 0x9e3779b97f4a7c15ULL;
  uint64_t lo = static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(n);
  uint64_t hi = static_cast<uint32_t>(seed >> 32) ^ 0x5bd1e995u;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, b, 8);
    lo = __builtin_ia32_crc32di(lo, w);
    hi = __builtin_ia32_crc32di(hi, w * kOdd);
    b += 8;
    n -= 8;
  }
  if (n) {
    const uint64_t w = tail_word(b + n, n, total) ^ (uint64_t{n} << 56);
    lo = __builtin_ia32_crc32di(lo, w);
    hi = __builtin_ia32_crc32di(hi, w * kOdd);
  }
  return hi << 32 | lo;
#else
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, b, 8);
    h = mix64(h ^ w);
    b += 8;
    n -= 8;
  }
  if (n) {
    h = mix64(h ^ tail_word(b + n, n, total) ^ (uint64_t{n} << 56));
  }
  return h;
#endif
}

// Equality of two table keys of n bytes, inline for the short keys the DNS stage compares on
// every message (names, registered domains, clients: nearly all up to 32 bytes): words, the last
// one overlapping the one before, or-ed together, since the keys compared almost always match
// (their hashes did). glibc's memcmp is a call and a length dispatch per compare (perf: 3.5% of
// the DNS stage's worker). Longer keys go to memcmp.
inline bool keys_equal(const uint8_t* a, const uint8_t* b, size_t n) noexcept {
  const auto word = [](const uint8_t* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  const auto half = [](const uint8_t* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  };
  if (n > 32) return std::memcmp(a, b, n) == 0;
  if (n >= 8) {
    uint64_t diff = word(a + n - 8) ^ word(b + n - 8);
    for (size_t i = 0; i + 8 < n; i += 8) diff |= word(a + i) ^ word(b + i);
    return diff == 0;
  }
  if (n >= 4) return ((half(a) ^ half(b)) | (half(a + n - 4) ^ half(b + n - 4))) == 0;
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace rampart::dns

// A small, fast, non-cryptographic hash for fixed keys of the DNS stage's tables. The tables are
// per lcore and bounded, so hash flooding can at worst fill a table (counted), never grow one.
#pragma once

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

inline uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0) noexcept {
  const auto* b = static_cast<const uint8_t*>(p);
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, b, 8);
    h = mix64(h ^ w);
    b += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, b, n);
    h = mix64(h ^ w ^ (uint64_t{n} << 56));
  }
  return h;
}

}  // namespace rampart::dns

// A scattered visiting order over [0, n): position i of a pass maps to host index f(i), where f
// is a keyed bijection on [0, 2^k) (2^k >= n) built from steps that are each invertible mod 2^k
// (xor with a key, multiply by an odd number, xor-shift right). Walking i over the whole domain
// and skipping f(i) >= n visits every host exactly once, at most twice as many steps as hosts,
// with O(1) state. Neighbouring addresses land far apart, so no device sees a burst.
#pragma once

#include <cstdint>

namespace rampart::arp {

class ScanPermutation {
 public:
  ScanPermutation() = default;
  ScanPermutation(uint64_t n, uint64_t key) : key_(key) {
    while ((uint64_t{1} << bits_) < n) ++bits_;
    mask_ = (uint64_t{1} << bits_) - 1;
    shift_ = bits_ / 2 + 1;
  }
  uint64_t domain() const { return mask_ + 1; }
  uint64_t operator()(uint64_t i) const {
    uint64_t x = (i ^ key_) & mask_;
    x = (x * 0x9e3779b97f4a7c15ull) & mask_;
    x ^= x >> shift_;
    x = (x * (0xbf58476d1ce4e5b9ull | 1) + (key_ >> 32)) & mask_;
    x ^= x >> shift_;
    x = (x * 0x94d049bb133111ebull) & mask_;
    return x;
  }

 private:
  uint64_t key_ = 0;
  unsigned bits_ = 0;
  uint64_t mask_ = 0;
  unsigned shift_ = 1;
};

}  // namespace rampart::arp

// Distinct values in a stream, estimated in fixed memory: HyperLogLog (Flajolet, Fusy, Gandouet,
// Meunier 2007) with 2^P one-byte registers, read with Ertl's improved estimator ("New cardinality
// estimation algorithms for HyperLogLog sketches", 2017). Why this one: the random-subdomain
// detector compares distinct names with the query count of a domain at any rate from a few hundred
// to millions per window. The linear-counting bitmap it replaced saturates (1024 bits stop near
// 7,000 distinct values, so a heavy attack looked like repeated names); HyperLogLog's relative
// error stays 1.04 / sqrt(2^P) at every count, and Ertl's estimator needs no bias tables or
// switch-over between a small-range and a large-range formula.
//
// add() is the data-plane side: one shift, one count-leading-zeros and a byte max on one register
// (a single cache line). estimate() walks every register (control windows, not per message).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace rampart::dns {

template <unsigned P>
class HyperLogLog {
  static_assert(P >= 4 && P <= 16, "2^4 .. 2^16 registers");

 public:
  static constexpr uint32_t kRegisters = 1u << P;
  static constexpr unsigned kQ = 64 - P;  // hash bits left for the rank

  void clear() noexcept { std::memset(reg_, 0, sizeof reg_); }

  // `h`: a well-mixed 64-bit hash of the value (equal values, equal hashes).
  void add(uint64_t h) noexcept {
    const uint32_t idx = static_cast<uint32_t>(h >> kQ);
    // The guard bit bounds the rank at kQ + 1 when the remaining bits are all zero.
    const uint64_t w = (h << P) | (uint64_t{1} << (P - 1));
    const auto rank = static_cast<uint8_t>(__builtin_clzll(w) + 1);
    if (rank > reg_[idx]) reg_[idx] = rank;
  }

  uint64_t estimate() const noexcept {
    uint32_t c[kQ + 2] = {};
    for (uint32_t i = 0; i < kRegisters; ++i) ++c[reg_[i]];
    const double m = kRegisters;
    double z = m * tau(1.0 - c[kQ + 1] / m);
    for (unsigned k = kQ; k >= 1; --k) z = 0.5 * (z + c[k]);
    z += m * sigma(c[0] / m);
    if (!std::isfinite(z) || z <= 0) return 0;
    constexpr double kAlphaInf = 0.7213475204444817;  // 1 / (2 ln 2)
    return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
  }

 private:
  static double sigma(double x) noexcept {
    if (x >= 1.0) return INFINITY;  // every register empty: nothing seen
    double y = 1, z = x;
    for (;;) {
      x *= x;
      const double prev = z;
      z += x * y;
      y += y;
      if (prev == z) return z;
    }
  }
  static double tau(double x) noexcept {
    if (x <= 0.0 || x >= 1.0) return 0;
    double y = 1, z = 1 - x;
    for (;;) {
      x = std::sqrt(x);
      const double prev = z;
      y *= 0.5;
      z -= (1 - x) * (1 - x) * y;
      if (prev == z) return z / 3;
    }
  }

  uint8_t reg_[kRegisters];
};

}  // namespace rampart::dns

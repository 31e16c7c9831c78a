// Splitting a burst by destination without touching the packets: given a byte of verdict per
// packet, copy the pointers whose verdict is d, in order, to an output array. After a stage that
// sends packets many ways (classify), the runner loads the burst's verdicts once (VerdictLanes),
// takes each destination's bits and copies that destination's pointers (select_bits), instead of
// reading every packet's metadata and appending it to its destination one at a time. The
// per-packet route formed a chain of dependent loads and a read-modify-write of the destination's
// count per packet; this is one compare per destination per 64 packets and one compress per group
// of eight that holds a packet for it (docs/benchmarks.md).
// DPDK-free so that it is unit-tested without EAL.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define RAMPART_SPLIT_AVX512 1
#endif

namespace rampart::core {

// Output arrays given to select_bits / select_verdict must have this many slots beyond what is
// selected: the vector path stores whole groups of eight.
inline constexpr uint16_t kSplitSlack = 8;

// Which of up to kMaxSplit verdicts equal a destination, one bit per packet: the runner loads a
// stage's verdicts once and asks for every destination's bits, one vector compare per 64 packets,
// so a destination that no packet of the burst goes to costs almost nothing (most bursts go to
// two or three of the seven).
inline constexpr uint16_t kMaxSplit = 128;

struct VerdictBits {
  static_assert(kMaxSplit == 128, "any() and the counts read two words");
  uint64_t word[kMaxSplit / 64] = {};
  bool any() const { return (word[0] | word[1]) != 0; }
};

class VerdictLanes {
 public:
  VerdictLanes(const uint8_t* verdict, uint16_t n) {
#ifdef RAMPART_SPLIT_AVX512
    for (uint16_t c = 0; c < kChunks; ++c) {
      const uint32_t left = n > c * 64 ? n - c * 64 : 0;
      lanes_[c] = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
      v_[c] = left ? _mm512_maskz_loadu_epi8(lanes_[c], verdict + c * 64) : _mm512_setzero_si512();
    }
#else
    verdict_ = verdict;
    n_ = n;
#endif
  }
  // How many verdicts equal d.
  uint16_t count(uint8_t d) const {
#ifdef RAMPART_SPLIT_AVX512
    const VerdictBits b = bits(d);
    return static_cast<uint16_t>(__builtin_popcountll(b.word[0]) + __builtin_popcountll(b.word[1]));
#else
    uint16_t k = 0;
    for (uint16_t i = 0; i < n_; ++i) k = static_cast<uint16_t>(k + (verdict_[i] == d));
    return k;
#endif
  }

  VerdictBits bits(uint8_t d) const {
    VerdictBits b;
#ifdef RAMPART_SPLIT_AVX512
    const __m512i want = _mm512_set1_epi8(static_cast<char>(d));
    for (uint16_t c = 0; c < kChunks; ++c) b.word[c] = _mm512_mask_cmpeq_epi8_mask(lanes_[c], v_[c], want);
#else
    for (uint16_t i = 0; i < n_; ++i) b.word[i / 64] |= uint64_t{verdict_[i] == d} << (i % 64);
#endif
    return b;
  }

 private:
  static constexpr uint16_t kChunks = kMaxSplit / 64;
#ifdef RAMPART_SPLIT_AVX512
  __mmask64 lanes_[kChunks];
  __m512i v_[kChunks];
#else
  const uint8_t* verdict_;
  uint16_t n_;
#endif
};

// Appends to out every in[i] whose bit is set, in order; returns how many. Reads only the in[i]
// whose bit is set; writes out[0..returned + kSplitSlack).
template <typename T>
inline uint16_t select_bits(const VerdictBits& b, T* const* in, T** out) {
  static_assert(sizeof(T*) == 8);
  uint16_t k = 0;
  for (uint16_t c = 0; c < kMaxSplit / 64; ++c) {
    uint64_t m = b.word[c];
    while (m) {
      const unsigned g = static_cast<unsigned>(__builtin_ctzll(m)) & ~7u;  // first bit of its group
      const auto hit = static_cast<uint8_t>(m >> g);
      m &= ~(uint64_t{0xff} << g);
      T* const* group = in + c * 64 + g;
#ifdef RAMPART_SPLIT_AVX512
      const __m512i p = _mm512_maskz_loadu_epi64(hit, group);
      // Compress in a register and store all eight lanes: a compressing store to memory is
      // microcoded and slow on some CPUs (AMD Zen 4).
      _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi64(hit, p));
      k = static_cast<uint16_t>(k + __builtin_popcount(hit));
#else
      for (unsigned h = hit; h; h &= h - 1) out[k++] = group[__builtin_ctz(h)];
#endif
    }
  }
  return k;
}

// Appends to out every in[i] (i < n <= kMaxSplit) with verdict[i] == d, in order; returns how
// many. Writes out[0..returned + kSplitSlack).
template <typename T>
inline uint16_t select_verdict(const uint8_t* verdict, T* const* in, uint16_t n, uint8_t d, T** out) {
  return select_bits(VerdictLanes(verdict, n).bits(d), in, out);
}

}  // namespace rampart::core

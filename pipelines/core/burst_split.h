// Splitting a burst by destination without touching the packets: given a byte of verdict per
// packet, copy the pointers whose verdict is d, in order, to an output array. The runner calls it
// once per destination after a stage that sends packets many ways (classify), instead of reading
// every packet's metadata and appending it to its destination one at a time. The per-packet
// route formed a chain of dependent loads and a read-modify-write of the destination's count per
// packet; this is a few independent vector operations per eight packets (docs/benchmarks.md).
// DPDK-free so that it is unit-tested without EAL.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define RAMPART_SPLIT_AVX512 1
#endif

namespace rampart::core {

// Output arrays given to select_verdict must have this many slots beyond what is selected: the
// vector path stores whole groups of eight.
inline constexpr uint16_t kSplitSlack = 8;

// Appends to out every in[i] (i < n) with verdict[i] == d, in order; returns how many. Reads
// verdict[0..n) and in[0..n) only; writes out[0..returned + kSplitSlack).
template <typename T>
inline uint16_t select_verdict(const uint8_t* verdict, T* const* in, uint16_t n, uint8_t d, T** out) {
  static_assert(sizeof(T*) == 8);
  uint16_t k = 0;
#ifdef RAMPART_SPLIT_AVX512
  const __m128i want = _mm_set1_epi8(static_cast<char>(d));
  for (uint16_t i = 0; i < n; i += 8) {
    const uint32_t left = n - i;
    const __mmask8 lanes = left >= 8 ? __mmask8{0xff} : static_cast<__mmask8>((1u << left) - 1);
    const __m128i v = _mm_maskz_loadu_epi8(lanes, verdict + i);
    const __mmask8 hit = static_cast<__mmask8>(_mm_mask_cmpeq_epi8_mask(lanes, v, want));
    if (!hit) continue;
    const __m512i p = _mm512_maskz_loadu_epi64(hit, in + i);
    // Compress in a register and store all eight lanes: a compressing store to memory is
    // microcoded and slow on some CPUs (AMD Zen 4).
    _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi64(hit, p));
    k = static_cast<uint16_t>(k + __builtin_popcount(hit));
  }
#else
  for (uint16_t i = 0; i < n; ++i) {
    out[k] = in[i];  // kept only when the verdict matches: no branch to mispredict
    k = static_cast<uint16_t>(k + (verdict[i] == d));
  }
#endif
  return k;
}

}  // namespace rampart::core

// Hostile traffic for the pipeline tests: real frames, mutated where classify and the stages make
// their decisions. Deterministic for a seed, so a failure reproduces.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <vector>

#include "pipeline_util.h"

namespace rampart::pipetest {

struct TimedFrame {
  Bytes data;
  uint64_t ts_us = 0;
};

// The seed of a suite run, or RAMPART_MUTATION_SEED to soak a test by hand with others.
inline uint64_t mutation_seed() {
  const char* e = std::getenv("RAMPART_MUTATION_SEED");
  return e && *e ? std::strtoull(e, nullptr, 0) * 0x9e3779b97f4a7c15ull + 1 : 0x9e3779b97f4a7c15ull;
}

// `suite` frames, or RAMPART_MUTATION_FRAMES.
inline size_t mutation_frames(size_t suite) {
  const char* e = std::getenv("RAMPART_MUTATION_FRAMES");
  return e && *e ? std::strtoull(e, nullptr, 0) : suite;
}

// At least `count` frames: runs of 1-64 consecutive `seeds` (so that transactions, TCP streams and
// fragment trains stay in order often enough for matching and reassembly to be reached), a
// quarter as they are, the rest with one to three edits: a bit flipped anywhere; a header byte
// (of an untagged IPv4 frame: version/IHL, total length, flags and fragment offset, protocol,
// ports, UDP length, TCP sequence, data offset, flags) or a byte of the UDP payload (a DNS
// message's length octets and pointers) set to an edge value; the frame truncated or extended;
// the frame sent twice. Timestamps advance 1-50 us per frame, with a jump of 3 s about every 500
// frames (past the DNS query and IP fragment timeouts).
inline std::vector<TimedFrame> mutate_runs(const std::vector<Bytes>& seeds, size_t count, uint64_t seed) {
  XorShift64 next{seed | 1};
  static constexpr size_t kFields[] = {14, 16, 17, 20, 21, 23, 34, 35, 36, 37, 38, 39, 40, 41, 46, 47};
  static constexpr uint8_t kValues[] = {0x00, 0x01, 0x20, 0x3f, 0x40, 0x80, 0xc0, 0xc0, 0xff};
  constexpr size_t kUdpPayload = 14 + 20 + 8;
  std::vector<TimedFrame> out;
  if (seeds.empty()) return out;
  out.reserve(count + count / 8);
  uint64_t ts = 0;
  size_t at = 0, run_left = 0;
  while (out.size() < count) {
    if (run_left == 0) {
      at = next() % seeds.size();
      run_left = 1 + next() % 64;
    }
    --run_left;
    TimedFrame f{seeds[at++ % seeds.size()], 0};
    ts += 1 + next() % 50;
    if (next() % 500 == 0) ts += 3000000;
    f.ts_us = ts;
    Bytes& b = f.data;
    const unsigned edits = next() % 4;
    for (unsigned k = 0; k < edits && !b.empty(); ++k) {
      const uint64_t r = next();
      const uint8_t value = (r >> 8) % 3 ? kValues[(r >> 16) % std::size(kValues)] : static_cast<uint8_t>(r >> 24);
      switch (r % 6) {
        case 0: b[(r >> 32) % b.size()] ^= static_cast<uint8_t>(1u << ((r >> 40) % 8)); break;
        case 1: {
          const size_t field = kFields[(r >> 32) % std::size(kFields)];
          if (field < b.size()) b[field] = value;
          break;
        }
        case 2: b.resize(1 + (r >> 32) % b.size()); break;
        case 3:
          if (b.size() > kUdpPayload) b[kUdpPayload + (r >> 32) % (b.size() - kUdpPayload)] = value;
          break;
        case 4: b.insert(b.end(), 1 + (r >> 32) % 64, value); break;
        case 5: out.push_back(f); break;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace rampart::pipetest

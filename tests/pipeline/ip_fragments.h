// Cuts a frame into IP fragments as a router would: for tests that need fragmented datagrams.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "proto/checksum.h"

namespace rampart::pipetest {

// An untagged IPv4 or IPv6 frame (no IPv4 options, no IPv6 extension headers) cut into fragments
// of `piece` payload bytes (a multiple of 8) with identification `id`.
inline std::vector<std::vector<uint8_t>> fragment(const std::vector<uint8_t>& whole, size_t piece, uint32_t id) {
  constexpr size_t kEth = 14;
  const bool v6 = whole[12] == 0x86;
  const size_t hl = v6 ? 40 : 20;
  const uint8_t* ip = whole.data() + kEth;
  const size_t payload = whole.size() - kEth - hl;
  std::vector<std::vector<uint8_t>> out;
  for (size_t off = 0; off < payload; off += piece) {
    const size_t n = std::min(piece, payload - off);
    const bool more = off + n < payload;
    std::vector<uint8_t> f(whole.begin(), whole.begin() + static_cast<long>(kEth + hl));
    uint8_t* h = f.data() + kEth;
    if (v6) {
      const uint16_t fo = static_cast<uint16_t>(off | (more ? 1 : 0));
      const uint8_t fh[8] = {ip[6], 0, uint8_t(fo >> 8), uint8_t(fo), uint8_t(id >> 24), uint8_t(id >> 16),
                             uint8_t(id >> 8), uint8_t(id)};
      h[6] = 44;
      f.insert(f.end(), fh, fh + 8);
      const size_t plen = 8 + n;
      f[kEth + 4] = static_cast<uint8_t>(plen >> 8);
      f[kEth + 5] = static_cast<uint8_t>(plen);
    } else {
      const size_t tot = hl + n;
      const uint16_t fo = static_cast<uint16_t>((off / 8) | (more ? 0x2000 : 0));
      h[2] = static_cast<uint8_t>(tot >> 8);
      h[3] = static_cast<uint8_t>(tot);
      h[4] = static_cast<uint8_t>(id >> 8);
      h[5] = static_cast<uint8_t>(id);
      h[6] = static_cast<uint8_t>(fo >> 8);
      h[7] = static_cast<uint8_t>(fo);
      h[10] = h[11] = 0;
      const uint16_t ck = proto::checksum_finish(proto::checksum_partial(h, hl));
      h[10] = static_cast<uint8_t>(ck >> 8);
      h[11] = static_cast<uint8_t>(ck);
    }
    f.insert(f.end(), ip + hl + off, ip + hl + off + n);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace rampart::pipetest

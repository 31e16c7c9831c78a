// The DNS-over-TCP reassembler's rules written out plainly, for differential tests: the same
// sequence handling as proto::dns::TcpStreamReassembler (retransmitted bytes trimmed, a hole
// gives up what is buffered and loses the boundary, a SYN gives it back), and a boundary search
// that rescans every offset of what it holds on every segment: the first offset whose length
// prefix (>= 12) frames a complete message with a plausible header that parses. Quadratic and
// unbounded: small inputs only. The real search gives the same messages whenever it did not have
// to limit itself (its Stats::search_limited is 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "proto/dns/dns.h"

namespace dnstest {

class ReferenceTcpStream {
 public:
  std::vector<std::vector<uint8_t>> messages;

  void on_syn(uint32_t isn) {
    buf_.clear();
    seq_known_ = true;
    synced_ = true;
    next_ = isn + 1;
  }

  void feed(uint32_t seq, const uint8_t* data, size_t len) {
    if (len == 0) return;
    if (!seq_known_) {
      seq_known_ = true;
      next_ = seq;
    }
    const int32_t d = int32_t(seq - next_);
    if (d < 0) {
      const size_t dup = size_t(-int64_t(d)) < len ? size_t(-int64_t(d)) : len;
      data += dup;
      len -= dup;
      if (len == 0) return;
    } else if (d > 0) {
      buf_.clear();
      synced_ = false;
      next_ = seq;
    }
    next_ += uint32_t(len);
    buf_.insert(buf_.end(), data, data + len);
    size_t pos = 0;
    for (;;) {
      if (!synced_) {
        const size_t b = first_boundary(pos);
        if (b == kNone) break;  // everything is kept: a boundary may complete later
        pos = b;
        synced_ = true;
      }
      if (buf_.size() - pos < 2) break;
      const unsigned l = rd16(pos);
      if (l < 12) {
        synced_ = false;
        continue;
      }
      if (buf_.size() - pos < 2 + l) break;
      messages.emplace_back(buf_.begin() + long(pos + 2), buf_.begin() + long(pos + 2 + l));
      pos += 2 + l;
    }
    buf_.erase(buf_.begin(), buf_.begin() + long(pos));
  }

 private:
  unsigned rd16(size_t i) const { return unsigned(buf_[i]) << 8 | buf_[i + 1]; }

  size_t first_boundary(size_t from) const {
    for (size_t i = from; i + 14 <= buf_.size(); ++i) {
      const unsigned l = rd16(i), opcode = (buf_[i + 4] >> 3) & 0x0f;
      if (l < 12 || opcode == 3 || opcode > 6 || (buf_[i + 5] & 0x40) || rd16(i + 6) != 1) continue;
      if (17ul + 11ul * (rd16(i + 8) + rd16(i + 10) + rd16(i + 12)) > l) continue;
      if (i + 2 + l > buf_.size()) continue;
      rampart::proto::dns::MessageBuf<8> m;
      if (rampart::proto::dns::parse(buf_.data() + i + 2, l, m).ok()) return i;
    }
    return kNone;
  }

  static constexpr size_t kNone = ~size_t(0);

  std::vector<uint8_t> buf_;
  uint32_t next_ = 0;
  bool seq_known_ = false;
  bool synced_ = false;
};

}  // namespace dnstest

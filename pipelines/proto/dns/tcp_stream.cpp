#include "proto/dns/tcp_stream.h"

#include <cstring>

#include "proto/dns/dns.h"

namespace rampart::proto::dns {

namespace {

inline unsigned rd16(const uint8_t* p) noexcept { return unsigned(p[0]) << 8 | p[1]; }

// Cheap filter before a full parse when hunting for a boundary: a real message starts with a
// header whose opcode is assigned, Z clear, one question, and counts that fit the length.
inline bool plausible_header(const uint8_t* h, unsigned len) noexcept {
  const unsigned opcode = (h[2] >> 3) & 0x0f;
  if (opcode == 3 || opcode > 6) return false;
  if (h[3] & 0x40) return false;
  if (rd16(h + 4) != 1) return false;
  const unsigned long need =
      12ul + 5ul + 11ul * (rd16(h + 6) + rd16(h + 8) + rd16(h + 10));
  return need <= len;
}

}  // namespace

void TcpStreamReassembler::reset() noexcept {
  next_seq_ = 0;
  have_ = 0;
  seq_known_ = false;
  synced_ = false;
}

void TcpStreamReassembler::on_syn(uint32_t isn) noexcept {
  if (have_) give_up_buffer();
  seq_known_ = true;
  next_seq_ = isn + 1;
  synced_ = true;
}

void TcpStreamReassembler::close() noexcept {
  if (have_) give_up_buffer();
  reset();
}

void TcpStreamReassembler::give_up_buffer() noexcept {
  if (synced_) ++st_.partial_messages;
  st_.bytes_given_up += have_;
  have_ = 0;
}

void TcpStreamReassembler::feed(uint32_t seq, const uint8_t* data, size_t len, Sink sink,
                                void* ctx) noexcept {
  ++st_.segments;
  if (len == 0) return;
  if (!seq_known_) {
    // Joined mid-stream: whether this segment starts a message is unknown until searched.
    seq_known_ = true;
    synced_ = false;
    next_seq_ = seq;
  }
  const int32_t d = int32_t(seq - next_seq_);
  if (d < 0) {
    const size_t dup = size_t(-int64_t(d)) < len ? size_t(-int64_t(d)) : len;
    st_.duplicate_bytes += dup;
    data += dup;
    len -= dup;
    if (len == 0) return;
  } else if (d > 0) {
    ++st_.gaps;
    give_up_buffer();
    synced_ = false;
    next_seq_ = seq;
  }
  next_seq_ += uint32_t(len);

  // Zero copy when the segment starts on a boundary: whole messages go straight to the sink.
  if (synced_ && have_ == 0) {
    while (len >= 2) {
      const unsigned l = rd16(data);
      if (l < 12) break;  // drain() counts it and resynchronises
      if (2u + l > len) break;
      ++st_.messages;
      sink(ctx, data + 2, l);
      data += 2 + l;
      len -= 2 + l;
    }
  }
  while (len) {
    size_t n = kCapacity - have_;
    if (n > len) n = len;
    std::memcpy(buf_ + have_, data, n);
    have_ += uint32_t(n);
    data += n;
    len -= n;
    drain(sink, ctx);
    if (have_ == kCapacity) {
      // Only reachable while hunting for a boundary over bytes that never validate.
      st_.bytes_given_up += have_;
      have_ = 0;
    }
  }
}

size_t TcpStreamReassembler::find_boundary(size_t from, size_t& keep) const noexcept {
  // The earliest offset whose length prefix frames a message that parses cleanly wins. If none
  // does yet, keep from the first candidate that could still complete.
  size_t first_incomplete = kNeedMore;
  size_t i = from;
  for (; i + 2 + 12 <= have_; ++i) {
    const unsigned l = rd16(buf_ + i);
    if (l < 12 || !plausible_header(buf_ + i + 2, l)) continue;
    if (i + 2 + l > have_) {
      if (first_incomplete == kNeedMore) first_incomplete = i;
      continue;
    }
    MessageBuf<8> m;
    if (parse(buf_ + i + 2, l, m).ok()) return i;
  }
  keep = first_incomplete != kNeedMore ? first_incomplete : i;
  return kNeedMore;
}

void TcpStreamReassembler::drain(Sink sink, void* ctx) noexcept {
  size_t pos = 0;
  for (;;) {
    if (!synced_) {
      size_t keep = 0;
      const size_t b = find_boundary(pos, keep);
      if (b == kNeedMore) {
        st_.bytes_given_up += keep - pos;
        pos = keep;
        break;
      }
      st_.bytes_given_up += b - pos;
      ++st_.resyncs;
      pos = b;
      synced_ = true;
    }
    if (have_ - pos < 2) break;
    const unsigned l = rd16(buf_ + pos);
    if (l < 12) {
      ++st_.bad_length;
      synced_ = false;
      continue;
    }
    if (have_ - pos < 2 + l) break;
    ++st_.messages;
    sink(ctx, buf_ + pos + 2, l);
    pos += 2 + l;
  }
  if (pos) {
    std::memmove(buf_, buf_ + pos, have_ - pos);
    have_ -= uint32_t(pos);
  }
}

}  // namespace rampart::proto::dns

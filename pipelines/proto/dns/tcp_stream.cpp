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
  forget_search();
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
  forget_search();
}

void TcpStreamReassembler::feed(uint32_t seq, const uint8_t* data, size_t len, Sink sink,
                                void* ctx) noexcept {
  ++st_.segments;
  if (len == 0) return;
  if (!seq_known_) {
    // Joined mid-stream: whether this segment starts a message is unknown until searched. The
    // stream is already unsynchronised with no search state (construction and reset() leave it so).
    seq_known_ = true;
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
    // Only reachable while hunting for a boundary over bytes that never validate (unsynchronised:
    // no partial message is counted).
    if (have_ == kCapacity) give_up_buffer();
  }
}

size_t TcpStreamReassembler::find_boundary(size_t from, size_t& keep) noexcept {
  // The earliest offset whose length prefix frames a message that parses cleanly wins; an offset
  // whose message is not complete yet is skipped (and kept for later). What an earlier call
  // decided about a complete candidate cannot change (its bytes are the same), so only the
  // incomplete ones are looked at again, then the positions not examined yet.
  const auto frames_message = [this](size_t i, bool& incomplete) {
    incomplete = false;
    const unsigned l = rd16(buf_ + i);
    if (l < 12 || !plausible_header(buf_ + i + 2, l)) return false;
    if (i + 2 + l > have_) {
      incomplete = true;
      return false;
    }
    MessageBuf<8> m;
    return parse(buf_ + i + 2, l, m).ok();
  };
  size_t start = scan_from_ > from ? scan_from_ : from;
  if (rescan_from_ != kNone && rescan_from_ < start) start = rescan_from_ > from ? rescan_from_ : from;
  // Rechecked candidates all lie below `start`, so they come first in stream order.
  uint32_t kept = 0;
  size_t found = kNeedMore;
  for (uint32_t k = 0; k < n_pending_; ++k) {
    const uint32_t c = pending_[k];
    if (c < from || c >= start) continue;
    bool incomplete;
    if (found == kNeedMore && frames_message(c, incomplete)) found = c;
    else if (incomplete) pending_[kept++] = c;
  }
  n_pending_ = kept;
  if (found != kNeedMore) {
    forget_search();
    return found;
  }
  rescan_from_ = kNone;
  size_t i = start;
  for (; i + 2 + 12 <= have_; ++i) {
    bool incomplete;
    if (frames_message(i, incomplete)) {
      forget_search();
      return i;
    }
    if (!incomplete) continue;
    if (n_pending_ < kMaxPending) pending_[n_pending_++] = uint32_t(i);
    else if (rescan_from_ == kNone) rescan_from_ = uint32_t(i);
  }
  scan_from_ = uint32_t(i);
  const size_t first = n_pending_ ? pending_[0] : rescan_from_ != kNone ? rescan_from_ : i;
  keep = rescan_from_ != kNone && rescan_from_ < first ? rescan_from_ : first;
  return kNeedMore;
}

void TcpStreamReassembler::shift_search(uint32_t by) noexcept {
  scan_from_ = scan_from_ > by ? scan_from_ - by : 0;
  if (rescan_from_ != kNone) rescan_from_ = rescan_from_ > by ? rescan_from_ - by : 0;
  uint32_t kept = 0;
  for (uint32_t k = 0; k < n_pending_; ++k)
    if (pending_[k] >= by) pending_[kept++] = pending_[k] - by;
  n_pending_ = kept;
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
    shift_search(uint32_t(pos));
  }
}

}  // namespace rampart::proto::dns

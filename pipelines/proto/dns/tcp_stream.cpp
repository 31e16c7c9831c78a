#include "proto/dns/tcp_stream.h"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "proto/dns/dns.h"

namespace rampart::proto::dns {

namespace {

inline unsigned rd16(const uint8_t* p) noexcept { return unsigned(p[0]) << 8 | p[1]; }

// Cheap filter before a full parse when hunting for a boundary: a real message starts with a
// header whose opcode is assigned, Z clear, one question, and counts that fit the length. The
// question count goes first: it is the test that almost every offset of arbitrary bytes fails
// (the search screens offsets for it 32 at a time, next_one_question), where the opcode and Z
// tests pass about half the time.
inline bool plausible_header(const uint8_t* h, unsigned len) noexcept {
  if (rd16(h + 4) != 1) return false;
  const unsigned opcode = (h[2] >> 3) & 0x0f;
  if (opcode == 3 || opcode > 6) return false;
  if (h[3] & 0x40) return false;
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
  credit_ = 0;
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
    const uint32_t earned = credit_ + kCreditPerByte * uint32_t(n);
    credit_ = earned < kCreditCap ? earned : kCreditCap;
    data += n;
    len -= n;
    drain(sink, ctx);
    // Only reachable while hunting for a boundary over bytes that never validate (unsynchronised:
    // no partial message is counted).
    if (have_ == kCapacity) give_up_buffer();
  }
}

TcpStreamReassembler::Verdict TcpStreamReassembler::examine(size_t at, uint32_t& end) noexcept {
  const unsigned l = rd16(buf_ + at);
  // (A plausible header needs at least 17 bytes: no length below 12 passes.)
  if (!plausible_header(buf_ + at + 2, l)) return Verdict::no;
  end = uint32_t(at + 2 + l);
  if (end > have_) return Verdict::incomplete;
  if (credit_ < l) {
    ++st_.search_limited;
    return Verdict::no;
  }
  credit_ -= l;
  st_.search_steps += l;
  MessageBuf<8> m;
  return parse(buf_ + at + 2, l, m).ok() ? Verdict::yes : Verdict::no;
}

uint32_t TcpStreamReassembler::farthest_end() const noexcept {
  uint32_t e = 0;
  for (uint32_t k = 0; k < n_pending_; ++k) e = pending_[k].end > e ? pending_[k].end : e;
  return e;
}

void TcpStreamReassembler::track(Candidate c, uint32_t& far_end) noexcept {
  if (n_pending_ < kMaxPending) {
    pending_[n_pending_++] = c;
    far_end = c.end > far_end ? c.end : far_end;
    return;
  }
  ++st_.search_limited;
  if (c.end >= far_end) return;  // what a hostile stream mostly sends: decided in one compare
  unsigned far = 0;
  while (pending_[far].end != far_end) ++far;
  // c lies after every tracked candidate: dropping `far` and appending keeps the offset order.
  for (unsigned k = far; k + 1 < kMaxPending; ++k) pending_[k] = pending_[k + 1];
  pending_[kMaxPending - 1] = c;
  far_end = farthest_end();
}

namespace {

// The first offset j >= i with j + 14 <= have whose bytes j+6, j+7 are 00 01 (a length prefix
// followed by a header with one question), else the first offset past the last such j. Almost no
// offset of arbitrary bytes passes, so with AVX2 32 offsets are tested at once: on random bytes
// this is what the search costs.
inline size_t next_one_question(const uint8_t* buf, size_t i, size_t have) noexcept {
#if defined(__AVX2__)
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi8(1);
  for (; i + 7 + 32 <= have; i += 32) {
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf + i + 6));
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf + i + 7));
    const __m256i both = _mm256_and_si256(_mm256_cmpeq_epi8(hi, zero), _mm256_cmpeq_epi8(lo, one));
    const auto m = static_cast<uint32_t>(_mm256_movemask_epi8(both));
    if (m) {
      i += static_cast<size_t>(__builtin_ctz(m));
      return i + 14 <= have ? i : have < 13 ? 0 : have - 13;
    }
  }
#endif
  for (; i + 14 <= have; ++i)
    if (buf[i + 6] == 0 && buf[i + 7] == 1) return i;
  return i;
}

}  // namespace

size_t TcpStreamReassembler::find_boundary(size_t from, size_t& keep) noexcept {
  // The earliest candidate whose message is complete and parses wins. A candidate found complete
  // and failing earlier cannot change its mind (its bytes stay the same), so only the tracked
  // incomplete ones are looked at again, then the offsets not examined yet.
  uint32_t kept = 0;
  for (uint32_t k = 0; k < n_pending_; ++k) {
    const Candidate c = pending_[k];
    if (c.at < from) continue;
    if (c.end > have_) {
      pending_[kept++] = c;
      continue;
    }
    uint32_t end;
    ++st_.search_steps;
    if (examine(c.at, end) == Verdict::yes) {
      forget_search();
      return c.at;
    }
  }
  n_pending_ = kept;
  const size_t first = scan_from_ > from ? scan_from_ : from;
  uint32_t far_end = farthest_end();
  size_t i = first;
  for (; (i = next_one_question(buf_, i, have_)) + 2 + 12 <= have_; ++i) {
    uint32_t end;
    const Verdict v = examine(i, end);
    if (v == Verdict::yes) {
      st_.search_steps += i + 1 - first;
      forget_search();
      return i;
    }
    if (v == Verdict::incomplete) track({uint32_t(i), end}, far_end);
  }
  st_.search_steps += i - first;
  scan_from_ = uint32_t(i);
  keep = n_pending_ ? pending_[0].at : i;
  return kNeedMore;
}

void TcpStreamReassembler::shift_search(uint32_t by) noexcept {
  scan_from_ = scan_from_ > by ? scan_from_ - by : 0;
  uint32_t kept = 0;
  for (uint32_t k = 0; k < n_pending_; ++k)
    if (pending_[k].at >= by) pending_[kept++] = {pending_[k].at - by, pending_[k].end - by};
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

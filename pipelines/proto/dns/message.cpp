// Single-pass message validation and the Name view.
#include "proto/dns/dns.h"

#include <cstring>

namespace rampart::proto::dns {

std::string_view to_string(Error e) noexcept {
  switch (e) {
    case Error::ok: return "ok";
    case Error::truncated_header: return "truncated_header";
    case Error::counts_exceed_message: return "counts_exceed_message";
    case Error::truncated_question: return "truncated_question";
    case Error::truncated_rr: return "truncated_rr";
    case Error::rdata_overrun: return "rdata_overrun";
    case Error::name_truncated: return "name_truncated";
    case Error::bad_pointer: return "bad_pointer";
    case Error::pointer_loop: return "pointer_loop";
    case Error::label_too_long: return "label_too_long";
    case Error::bad_label_type: return "bad_label_type";
    case Error::name_too_long: return "name_too_long";
    case Error::trailing_garbage: return "trailing_garbage";
    case Error::bad_rdata: return "bad_rdata";
    case Error::rdata_type_mismatch: return "rdata_type_mismatch";
    case Error::bad_opt: return "bad_opt";
    case Error::message_too_long: return "message_too_long";
    case Error::compression_bomb: return "compression_bomb";
    case Error::count_: break;
  }
  return "unknown";
}

std::string_view to_string(Section s) noexcept {
  switch (s) {
    case Section::question: return "question";
    case Section::answer: return "answer";
    case Section::authority: return "authority";
    case Section::additional: return "additional";
  }
  return "unknown";
}

namespace {

// Suffixes of names parse() already validated and found wholly in place (no pointer), keyed by
// offset: a pointer to one of them ends the walk at once, after exactly the hops walk_name would
// count (the suffix terminates with this length and has no hop of its own). Direct-mapped and
// tiny. An empty slot is zero, which no lookup can match (pointer targets are >= 12): clearing it
// for every message is two or four vector stores, and a lookup is one load and one compare, with
// no valid-bit mask to test and update.
struct SuffixCache {
  static constexpr unsigned kSize = 32;
  uint32_t e[kSize];  // off << 16 | labels << 8 | wire length; 0 = empty
  void clear() noexcept { std::memset(e, 0, sizeof e); }
  static unsigned slot(unsigned off) noexcept { return (off ^ (off >> 5)) & (kSize - 1); }
  bool find(unsigned off, unsigned& wire, unsigned& labels) const noexcept {
    const uint32_t v = e[slot(off)];
    if ((v >> 16) != off) return false;
    wire = v & 0xff;
    labels = (v >> 8) & 0xff;
    return true;
  }
  void put(unsigned off, unsigned wire, unsigned labels) noexcept {
    e[slot(off)] = uint32_t(off) << 16 | labels << 8 | wire;
  }
  // Records every in-place suffix of a validated name at `off` (wire octets, labels).
  void learn(const uint8_t* msg, size_t off, unsigned wire, unsigned labels) noexcept {
    for (size_t q = off;;) {
      const unsigned b = msg[q];
      if (b == 0 || b > limits::max_label) return;
      put(unsigned(q), wire, labels);
      wire -= 1 + b;
      --labels;
      q += 1 + b;
    }
  }
};

// Loops. Any loop revisits some pointer target. Checking each new target against the earlier
// ones made every hop cost as many compares as hops before it, which a chain of 30 hops per name
// turns into most of a message's parse time. A loop cannot go on undetected without a check: it
// repeats the same labels and pointers forever, so it ends on the hop cap or on the 255-octet
// limit, and no other error can come after its first revisit (the first pass through the cycle
// met every byte of it). So the targets are only recorded, and looked at for a repeat when the
// length limit ends the walk: a repeat turns name_too_long into the pointer_loop it would have
// been reported as at once.
inline bool has_repeat(const uint16_t* visited, unsigned n) noexcept {
  for (unsigned i = 1; i < n; ++i)
    for (unsigned k = 0; k < i; ++k)
      if (visited[k] == visited[i]) return true;
  return false;
}

[[gnu::always_inline]] inline Error walk(const uint8_t* msg, size_t len, size_t off, size_t limit,
                                         NameWalk& out) noexcept {
  if (limit > len) limit = len;
  size_t p = off;
  size_t lim = limit;  // in-place bytes end at `limit`; once a pointer is taken, anywhere in msg
  size_t end = 0;
  unsigned total = 1;  // the root label
  unsigned labels = 0, ptrs = 0, fwd = 0;
  uint16_t visited[limits::max_pointer_hops];
  for (;;) {
    if (p >= lim) return Error::name_truncated;
    const unsigned b = msg[p];
    if (b == 0) {
      if (ptrs == 0) end = p + 1;
      break;
    }
    if (b <= limits::max_label) {
      total += 1 + b;
      if (total > limits::max_name)
        return has_repeat(visited, ptrs) ? Error::pointer_loop : Error::name_too_long;
      if (p + b >= lim) return Error::name_truncated;
      ++labels;
      p += 1 + b;
      continue;
    }
    if (b >= 0xc0) {
      if (p + 1 >= lim) return Error::name_truncated;
      const size_t t = (b & 0x3fu) << 8 | msg[p + 1];
      if (t < 12 || t >= len) return Error::bad_pointer;
      if (ptrs == 0) {
        end = p + 2;
        lim = len;
      }
      if (t >= p) ++fwd;
      if (ptrs == limits::max_pointer_hops) return Error::pointer_loop;
      visited[ptrs++] = uint16_t(t);
      p = t;
      continue;
    }
    return b < 0x80 ? Error::label_too_long : Error::bad_label_type;
  }
  out.end = uint16_t(end);
  out.wire_length = uint8_t(total);
  out.labels = uint8_t(labels);
  out.pointers = uint8_t(ptrs);
  out.forward_pointers = uint8_t(fwd);
  return Error::ok;
}

}  // namespace

Error walk_name(const uint8_t* msg, size_t len, size_t off, size_t limit, NameWalk& out) noexcept {
  return walk(msg, len, off, limit, out);
}

// ---- Name ----

Error Name::at(const uint8_t* msg, size_t len, size_t off, Name& out) noexcept {
  return at(msg, len, off, len, out, nullptr);
}

Error Name::at(const uint8_t* msg, size_t len, size_t off, size_t limit, Name& out,
               NameWalk* walk) noexcept {
  out = Name();
  if (len > 65535) return Error::message_too_long;
  NameWalk w;
  const Error e = walk_name(msg, len, off, limit, w);
  if (e != Error::ok) return e;
  out.msg_ = msg;
  out.len_ = uint16_t(len);
  out.off_ = uint16_t(off);
  out.wire_length_ = w.wire_length;
  out.labels_ = w.labels;
  if (walk) *walk = w;
  return Error::ok;
}

namespace {

inline uint8_t lower(uint8_t c) noexcept { return uint8_t(c | (uint8_t(c - 'A') < 26u ? 0x20 : 0)); }

// Label-at-a-time walk over a name that parse() or Name::at already validated; the bounds checks
// stay so that a misuse cannot read outside the message.
struct LabelCursor {
  const uint8_t* msg;
  size_t len;
  size_t p;
  unsigned hops = 0;
  // Returns false at the root (or on anything unexpected).
  bool next(const uint8_t*& label, unsigned& n) noexcept {
    while (p < len) {
      const unsigned b = msg[p];
      if (b == 0) return false;
      if (b >= 0xc0) {
        if (p + 1 >= len || ++hops > limits::max_pointer_hops) return false;
        p = (b & 0x3fu) << 8 | msg[p + 1];
        continue;
      }
      if (b > limits::max_label || p + 1 + b > len) return false;
      label = msg + p + 1;
      n = b;
      p += 1 + b;
      return true;
    }
    return false;
  }
};

}  // namespace

bool Name::equals_ci(const Name& other) const noexcept {
  if (empty() || other.empty()) return empty() && other.empty();
  if (wire_length_ != other.wire_length_ || labels_ != other.labels_) return false;
  if (msg_ == other.msg_ && off_ == other.off_) return true;
  LabelCursor a{msg_, len_, off_}, b{other.msg_, other.len_, other.off_};
  const uint8_t *la = nullptr, *lb = nullptr;
  unsigned na = 0, nb = 0;
  for (;;) {
    const bool ga = a.next(la, na), gb = b.next(lb, nb);
    if (ga != gb) return false;
    if (!ga) return true;
    if (na != nb) return false;
    for (unsigned i = 0; i < na; ++i)
      if (lower(la[i]) != lower(lb[i])) return false;
  }
}

bool Name::equals_ci(std::string_view dotted) const noexcept {
  if (empty()) return false;
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  LabelCursor c{msg_, len_, off_};
  const uint8_t* l;
  unsigned n;
  size_t pos = 0;
  while (c.next(l, n)) {
    if (pos > dotted.size()) return false;
    size_t dot = dotted.find('.', pos);
    if (dot == std::string_view::npos) dot = dotted.size();
    if (dot - pos != n) return false;
    for (unsigned i = 0; i < n; ++i)
      if (lower(l[i]) != lower(uint8_t(dotted[pos + i]))) return false;
    pos = dot + 1;
  }
  return pos >= dotted.size() + (dotted.empty() ? 0 : 1);
}

uint64_t Name::hash_ci(uint64_t seed) const noexcept {
  // FNV-1a over the lower-cased decompressed wire form: good spread for hash tables, and the same
  // for every compression layout of a name.
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  constexpr uint64_t prime = 0x100000001b3ull;
  LabelCursor c{msg_, len_, off_};
  const uint8_t* l;
  unsigned n;
  if (!empty()) {
    while (c.next(l, n)) {
      h = (h ^ n) * prime;
      for (unsigned i = 0; i < n; ++i) h = (h ^ lower(l[i])) * prime;
    }
  }
  h = (h ^ 0) * prime;
  return h ^ (h >> 29);
}

size_t Name::to_wire(uint8_t* out) const noexcept {
  if (empty()) return 0;
  size_t o = 0;
  LabelCursor c{msg_, len_, off_};
  const uint8_t* l;
  unsigned n;
  while (c.next(l, n)) {
    if (o + 1 + n >= limits::max_name) break;
    out[o++] = uint8_t(n);
    std::memcpy(out + o, l, n);
    o += n;
  }
  out[o++] = 0;
  return o;
}

size_t Name::to_text(char* buf, size_t cap) const noexcept {
  size_t o = 0;
  auto put = [&](char ch) {
    if (o + 1 < cap) buf[o] = ch;
    ++o;
  };
  if (!empty()) {
    LabelCursor c{msg_, len_, off_};
    const uint8_t* l;
    unsigned n;
    while (c.next(l, n)) {
      for (unsigned i = 0; i < n; ++i) {
        const uint8_t ch = l[i];
        if (ch == '.' || ch == '\\' || ch == '"' || ch == '(' || ch == ')' || ch == ';' ||
            ch == '@' || ch == '$') {
          put('\\');
          put(char(ch));
        } else if (ch > 0x20 && ch < 0x7f) {
          put(char(ch));
        } else {
          put('\\');
          put(char('0' + ch / 100));
          put(char('0' + ch / 10 % 10));
          put(char('0' + ch % 10));
        }
      }
      put('.');
    }
    if (labels_ == 0) put('.');
  }
  if (cap) buf[o < cap ? o : cap - 1] = '\0';
  return o;
}

std::string Name::to_text() const {
  char buf[limits::max_text + 1];
  const size_t n = to_text(buf, sizeof buf);
  return std::string(buf, n < sizeof buf ? n : sizeof buf - 1);
}

// ---- Message ----

Name Message::owner(const Record& r) const noexcept {
  Name n;
  n.msg_ = msg_;
  n.len_ = len_;
  n.off_ = r.owner;
  n.wire_length_ = r.owner_length;
  n.labels_ = r.owner_labels;
  return n;
}

Name Message::qname() const noexcept { return nq() ? owner(recs_[0]) : Name(); }

namespace {

inline uint16_t rd16(const uint8_t* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t rd32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t rd64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// Names parse() walked in place and has not put into the SuffixCache yet. They are learnt (in
// order, so the cache ends up exactly as if each had been learnt at once) only when a later name
// follows a pointer: messages without compression, most queries, never pay for the cache.
struct PendingLearn {
  static constexpr unsigned kSize = 8;
  struct Entry {
    uint16_t off;
    uint8_t wire, labels;
  } e[kSize];
  unsigned n = 0;
  [[gnu::always_inline]] void flush(const uint8_t* msg, SuffixCache& c) noexcept {
    for (unsigned i = 0; i < n; ++i) c.learn(msg, e[i].off, e[i].wire, e[i].labels);
    n = 0;
  }
};

// walk() for the owner names parse() meets: the limit is the message, pointers go through the
// SuffixCache. Same checks, in the same order, hence the same error for every input, as the
// original single walk. The decompressed length and the label count travel as one word,
// `acc` = wire octets << 8 | labels (labels < 256 whenever the length is <= 510, so the sum never
// carries into the length).
constexpr unsigned kAccTooLong = (limits::max_name + 1) << 8;

// After a first pointer that missed the cache: the rest of the chain (labels and further pointers),
// with loop detection (has_repeat).
[[gnu::always_inline]] inline Error walk_tail(const uint8_t* __restrict msg, size_t len, size_t t,
                                              SuffixCache& cache, PendingLearn& pending,
                                              unsigned& acc, unsigned& ptrs,
                                              unsigned& fwd) noexcept {
  uint16_t visited[limits::max_pointer_hops];
  unsigned n = 1;
  visited[0] = uint16_t(t);
  unsigned a = acc;
  size_t p = t;
  for (;;) {
    if (p >= len) return Error::name_truncated;
    const unsigned b = msg[p];
    if (b == 0) break;
    if (b <= limits::max_label) {
      a += ((1 + b) << 8) + 1;
      if (a >= kAccTooLong) return has_repeat(visited, n) ? Error::pointer_loop : Error::name_too_long;
      if (p + b >= len) return Error::name_truncated;
      p += 1 + b;
      continue;
    }
    if (b < 0xc0) return b < 0x80 ? Error::label_too_long : Error::bad_label_type;
    if (p + 1 >= len) return Error::name_truncated;
    t = (b & 0x3fu) << 8 | msg[p + 1];
    if (t < 12 || t >= len) return Error::bad_pointer;
    if (t >= p) ++fwd;
    if (pending.n) pending.flush(msg, cache);
    // The hop cap counts the hop into a cached suffix too (the suffix itself has none).
    if (n == limits::max_pointer_hops) return Error::pointer_loop;
    unsigned sw, sl;
    if (cache.find(unsigned(t), sw, sl)) {
      // No loop reaches a cached suffix (it ends), so none came before it.
      a += ((sw - 1) << 8) + sl;
      if (a >= kAccTooLong) return Error::name_too_long;
      ++n;
      break;
    }
    visited[n++] = uint16_t(t);
    p = t;
  }
  acc = a;
  ptrs = n;
  return Error::ok;
}

// The owner name at `p`: in-place labels, then either the root or a first pointer, which usually
// hits the cache. `end` is where the name ends in place.
[[gnu::always_inline]] inline Error walk_owner(const uint8_t* __restrict msg, size_t len, size_t p,
                                               SuffixCache& cache, PendingLearn& pending,
                                               size_t& end, unsigned& acc, unsigned& ptrs,
                                               unsigned& fwd) noexcept {
  unsigned a = 1u << 8;  // the root label
  unsigned b;
  for (;;) {
    if (p >= len) [[unlikely]] return Error::name_truncated;
    b = msg[p];
    if (b - 1u >= limits::max_label) break;  // the root, a pointer or a bad length octet
    a += ((1 + b) << 8) + 1;
    if (a >= kAccTooLong) [[unlikely]] return Error::name_too_long;
    if (p + b >= len) [[unlikely]] return Error::name_truncated;
    p += 1 + b;
  }
  if (b == 0) {
    end = p + 1;
    acc = a;
    ptrs = 0;
    fwd = 0;
    return Error::ok;
  }
  if (b < 0xc0) [[unlikely]] return b < 0x80 ? Error::label_too_long : Error::bad_label_type;
  if (p + 1 >= len) [[unlikely]] return Error::name_truncated;
  const size_t t = (b & 0x3fu) << 8 | msg[p + 1];
  if (t < 12 || t >= len) [[unlikely]] return Error::bad_pointer;
  end = p + 2;
  fwd = t >= p;
  if (pending.n) pending.flush(msg, cache);
  unsigned sw, sl;
  if (cache.find(unsigned(t), sw, sl)) [[likely]] {
    a += ((sw - 1) << 8) + sl;
    if (a >= kAccTooLong) [[unlikely]] return Error::name_too_long;
    acc = a;
    ptrs = 1;
    return Error::ok;
  }
  acc = a;
  return walk_tail(msg, len, t, cache, pending, acc, ptrs, fwd);
}

}  // namespace

// The single pass over a message: the questions, then the RRs of the three other sections as one
// run (a record's section follows from its index), so the only data-dependent loop exits are one
// per name and one per run. The loop keeps the fewest live values it can: the count of validated
// records doubles as the record index and the section cursor, the anomaly bits are derived after
// the loop, and everything is written back to the Message once, on whichever exit (errors leave
// through one `goto fail`).
ParseResult parse(const uint8_t* msg_in, size_t len, Message& m) noexcept {
  const uint8_t* __restrict msg = msg_in;
  // Only what every exit relies on is reset here; the counts and the stop section are written
  // once on the way out (the section accessors derive the rest from them and the header).
  m.msg_ = msg;
  m.len_ = uint16_t(len > 65535 ? 65535 : len);
  m.has_opt_ = false;
  m.trailing_ = 0;
  m.ext_rcode_hi_ = 0;
  m.question_done_ = false;
  m.complete_ = false;

  if (len < 12 || len > 65535) [[unlikely]] {
    m.nrec_ = 0;
    m.validated_ = 0;
    m.anomalies_ = 0;
    m.fwd_ptrs_ = 0;
    m.stop_ = Message::kNoSections;
    return {len < 12 ? Error::truncated_header : Error::message_too_long, Section::question, 0};
  }
  const uint64_t hdr = rd64(msg + 4);  // QDCOUNT ANCOUNT NSCOUNT ARCOUNT
  const unsigned qd = unsigned(hdr >> 48), an = unsigned(hdr >> 32) & 0xffff,
                 ns = unsigned(hdr >> 16) & 0xffff, ar = unsigned(hdr) & 0xffff;

  Record* const recs = m.recs_;
  const unsigned cap = m.cap_;
  unsigned v = 0;          // records validated == index of the next one
  unsigned chain = 0;      // some name took more than one pointer hop
  unsigned fwd_total = 0;  // forward pointers
  unsigned sec = 0;        // the section being parsed
  // Labels and pointer hops the owner names may still take, decompressed (limits::name_steps):
  // counted down, so that the loop keeps one value for it, not two.
  ptrdiff_t steps_left = ptrdiff_t(limits::name_steps(len));
  Error err;
  size_t err_at;
  SuffixCache cache;
  cache.clear();
  PendingLearn pending;
  size_t p = 12;

  // After an owner name: forward pointers, pointer chains, the name queued for the cache when it
  // lies wholly in place, and its labels and hops charged to the compression budget (the owner
  // that runs it out is refused, its anomalies counted). A name that takes a pointer is not
  // learnt: a later hop into it would skip its pointers, and with them the hop cap and the
  // pointer-chain anomaly.
#define RAMPART_NOTE_OWNER(owner)                                                             \
  do {                                                                                        \
    if (ptrs == 0) {                                                                          \
      if (msg[owner] != 0) { /* not the root */                                               \
        if (pending.n == PendingLearn::kSize) pending.flush(msg, cache);                      \
        pending.e[pending.n++] = {uint16_t(owner), uint8_t(acc >> 8), uint8_t(acc)};          \
      }                                                                                       \
    } else {                                                                                  \
      fwd_total += fwd;                                                                       \
      chain |= ptrs > 1;                                                                      \
    }                                                                                         \
    steps_left -= ptrdiff_t((acc & 0xff) + ptrs);                                             \
    if (steps_left < 0) [[unlikely]] {                                                        \
      err = Error::compression_bomb;                                                          \
      err_at = owner;                                                                         \
      goto fail;                                                                              \
    }                                                                                         \
  } while (0)

  for (; v < qd; ++v) {
    const size_t owner = p;
    size_t end;
    unsigned acc, ptrs, fwd;
    err = walk_owner(msg, len, p, cache, pending, end, acc, ptrs, fwd);
    if (err != Error::ok) [[unlikely]] {
      err_at = owner;
      goto fail;
    }
    RAMPART_NOTE_OWNER(owner);
    p = end;
    if (p + 4 > len) [[unlikely]] {
      err = Error::truncated_question;
      err_at = p;
      goto fail;
    }
    const uint32_t f = rd32(msg + p);
    p += 4;
    if (v < cap) [[likely]] {
      Record& r = recs[v];
      r.owner = uint16_t(owner);
      r.type = uint16_t(f >> 16);
      r.klass = uint16_t(f);
      r.rdlength = 0;
      r.ttl = 0;
      r.rdata = uint16_t(p);
      r.section = Section::question;
      r.owner_labels = uint8_t(acc);
      r.owner_length = uint8_t(acc >> 8);
    }
  }
  m.question_done_ = true;

  for (const unsigned b2 = qd + an, b3 = b2 + ns, total = b3 + ar; v < total; ++v) {
    const size_t owner = p;
    sec = 1u + (v >= b2) + (v >= b3);  // the section of this RR, without a branch
    size_t end;
    unsigned acc, ptrs, fwd;
    err = walk_owner(msg, len, p, cache, pending, end, acc, ptrs, fwd);
    if (err != Error::ok) [[unlikely]] {
      err_at = owner;
      goto fail;
    }
    RAMPART_NOTE_OWNER(owner);
    p = end;
    if (p + 10 > len) [[unlikely]] {
      err = Error::truncated_rr;
      err_at = p;
      goto fail;
    }
    const uint64_t f = rd64(msg + p);  // TYPE CLASS TTL
    const uint16_t rtype = uint16_t(f >> 48), klass = uint16_t(f >> 32);
    const uint32_t ttl = uint32_t(f);
    const uint16_t rdlength = rd16(msg + p + 8);
    if (p + 10 + rdlength > len) [[unlikely]] {
      err = Error::rdata_overrun;
      err_at = p + 8;
      goto fail;
    }
    p += 10;
    const uint16_t rdata = uint16_t(p);
    p += rdlength;
    if (rtype == type::OPT) [[unlikely]] {
      if (sec != unsigned(Section::additional) || (acc >> 8) != 1 || m.has_opt_) {
        err = Error::bad_opt;
        err_at = owner;
        goto fail;
      }
      m.has_opt_ = true;
      m.opt_ = Record{uint16_t(owner), rtype,        klass,          rdlength,            ttl,
                      rdata,           Section(sec), uint8_t(acc), uint8_t(acc >> 8)};
      m.ext_rcode_hi_ = uint8_t(ttl >> 24);
    }
    if (v < cap) [[likely]] {
      Record& r = recs[v];
      r.owner = uint16_t(owner);
      r.type = rtype;
      r.klass = klass;
      r.rdlength = rdlength;
      r.ttl = ttl;
      r.rdata = rdata;
      r.section = Section(sec);
      r.owner_labels = uint8_t(acc);
      r.owner_length = uint8_t(acc >> 8);
    }
  }
#undef RAMPART_NOTE_OWNER
  sec = 3;
  err = Error::ok;

fail:
  {
    m.nrec_ = uint16_t(v < cap ? v : cap);
    m.stop_ = uint8_t(sec);
    m.validated_ = v;
    m.fwd_ptrs_ = uint16_t(fwd_total);
    m.anomalies_ = uint16_t((qd > 1 ? anomaly::multi_question : 0) |
                            (fwd_total ? anomaly::forward_pointer : 0) |
                            (chain ? anomaly::pointer_chain : 0) |
                            (v > cap ? anomaly::record_overflow : 0));
  }
  if (err != Error::ok) [[unlikely]] {
    // Not fatal by itself: the question is still read (a TC=1 response keeps it), but when the
    // bytes run out the error says why.
    const bool counts_bad = 12ull + 5ull * qd + 11ull * (an + ns + ar) > len;
    if (counts_bad && (err == Error::name_truncated || err == Error::truncated_question ||
                       err == Error::truncated_rr || err == Error::rdata_overrun))
      err = Error::counts_exceed_message;
    return {err, Section(sec), uint16_t(err_at)};
  }
  m.complete_ = true;
  if (p < len) {
    m.trailing_ = uint16_t(len - p);
    return {Error::trailing_garbage, Section::additional, uint16_t(p)};
  }
  return {};
}

}  // namespace rampart::proto::dns

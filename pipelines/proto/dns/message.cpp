// Single-pass message validation and the Name view.
#include "proto/dns/dns.h"

#include <cstring>

namespace rampart::proto::dns {

std::string_view to_string(Error e) noexcept {
  switch (e) {
    case Error::ok: return "ok";
    case Error::truncated_header: return "truncated-header";
    case Error::counts_exceed_message: return "counts-exceed-message";
    case Error::truncated_question: return "truncated-question";
    case Error::truncated_rr: return "truncated-rr";
    case Error::rdata_overrun: return "rdata-overrun";
    case Error::name_truncated: return "name-truncated";
    case Error::bad_pointer: return "bad-pointer";
    case Error::pointer_loop: return "pointer-loop";
    case Error::label_too_long: return "label-too-long";
    case Error::bad_label_type: return "bad-label-type";
    case Error::name_too_long: return "name-too-long";
    case Error::trailing_garbage: return "trailing-garbage";
    case Error::bad_rdata: return "bad-rdata";
    case Error::rdata_type_mismatch: return "rdata-type-mismatch";
    case Error::bad_opt: return "bad-opt";
    case Error::message_too_long: return "message-too-long";
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

// Suffixes of names parse() already validated, keyed by offset: a pointer to one of them ends the
// walk at once (the suffix is known to terminate, loop-free, with this length). Direct-mapped and
// tiny, because it is cleared for every message.
struct SuffixCache {
  static constexpr unsigned kSize = 32;
  uint32_t e[kSize];  // off << 16 | labels << 8 | wire length; 0 = empty (offset 0 is never a target)
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
  // Records every in-place suffix of the validated name at `off`.
  void learn(const uint8_t* msg, size_t off, const NameWalk& w) noexcept {
    unsigned c = 0, l = 0;
    for (size_t q = off;;) {
      const unsigned b = msg[q];
      if (b == 0 || b > limits::max_label) return;
      put(unsigned(q), w.wire_length - c, w.labels - l);
      c += 1 + b;
      ++l;
      q += 1 + b;
    }
  }
};

inline Error walk(const uint8_t* msg, size_t len, size_t off, size_t limit, NameWalk& out,
                  const SuffixCache* cache) noexcept {
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
      if (total > limits::max_name) return Error::name_too_long;
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
      unsigned sw, sl;
      if (cache && cache->find(unsigned(t), sw, sl)) {
        total += sw - 1;
        if (total > limits::max_name) return Error::name_too_long;
        labels += sl;
        ++ptrs;
        break;
      }
      // Any loop revisits some pointer, hence some target: a repeated target is a loop.
      for (unsigned i = 0; i < ptrs; ++i)
        if (visited[i] == t) return Error::pointer_loop;
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
  return walk(msg, len, off, limit, out, nullptr);
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
inline uint16_t rd16(const uint8_t* p) noexcept { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
}  // namespace

ParseResult parse(const uint8_t* msg, size_t len, Message& m) noexcept {
  m.msg_ = msg;
  m.len_ = uint16_t(len > 65535 ? 65535 : len);
  m.nrec_ = 0;
  m.has_opt_ = false;
  m.validated_ = 0;
  m.anomalies_ = 0;
  m.fwd_ptrs_ = 0;
  m.trailing_ = 0;
  m.ext_rcode_hi_ = 0;
  m.question_done_ = false;
  m.complete_ = false;
  for (unsigned s = 0; s < 4; ++s) m.sec_begin_[s] = m.sec_n_[s] = 0;

  if (len < 12) return {Error::truncated_header, Section::question, 0};
  if (len > 65535) return {Error::message_too_long, Section::question, 0};

  const unsigned counts[4] = {rd16(msg + 4), rd16(msg + 6), rd16(msg + 8), rd16(msg + 10)};
  // Not fatal by itself: the question is still read (a TC=1 response keeps it), but when the
  // bytes run out the error says why.
  const bool counts_bad =
      12ull + 5ull * counts[0] + 11ull * (counts[1] + counts[2] + counts[3]) > len;
  if (counts[0] > 1) m.anomalies_ |= anomaly::multi_question;

  auto fail = [&](Error e, Section s, size_t at) -> ParseResult {
    if (counts_bad && (e == Error::name_truncated || e == Error::truncated_question ||
                       e == Error::truncated_rr || e == Error::rdata_overrun))
      e = Error::counts_exceed_message;
    return {e, s, uint16_t(at)};
  };

  SuffixCache cache;
  cache.clear();
  size_t p = 12;
  for (unsigned s = 0; s < 4; ++s) {
    const Section sec = Section(s);
    m.sec_begin_[s] = m.nrec_;
    for (unsigned i = 0; i < counts[s]; ++i) {
      const size_t owner = p;
      NameWalk w;
      const Error e = walk(msg, len, p, len, w, &cache);
      if (e != Error::ok) return fail(e, sec, p);
      if (w.forward_pointers) {
        m.anomalies_ |= anomaly::forward_pointer;
        m.fwd_ptrs_ = uint16_t(m.fwd_ptrs_ + w.forward_pointers);
      }
      else if (msg[p] != 0 && msg[p] <= limits::max_label) cache.learn(msg, p, w);
      if (w.pointers > 1) m.anomalies_ |= anomaly::pointer_chain;
      p = w.end;
      Record r;
      r.owner = uint16_t(owner);
      r.section = sec;
      r.owner_labels = w.labels;
      r.owner_length = w.wire_length;
      if (s == 0) {
        if (p + 4 > len) return fail(Error::truncated_question, sec, p);
        r.type = rd16(msg + p);
        r.klass = rd16(msg + p + 2);
        r.ttl = 0;
        r.rdlength = 0;
        p += 4;
        r.rdata = uint16_t(p);
      } else {
        if (p + 10 > len) return fail(Error::truncated_rr, sec, p);
        r.type = rd16(msg + p);
        r.klass = rd16(msg + p + 2);
        r.ttl = rd32(msg + p + 4);
        r.rdlength = rd16(msg + p + 8);
        if (p + 10 + r.rdlength > len) return fail(Error::rdata_overrun, sec, p + 8);
        p += 10;
        r.rdata = uint16_t(p);
        p += r.rdlength;
        if (r.type == type::OPT) {
          if (sec != Section::additional || w.wire_length != 1 || m.has_opt_)
            return fail(Error::bad_opt, sec, owner);
          m.has_opt_ = true;
          m.opt_ = r;
          m.ext_rcode_hi_ = uint8_t(r.ttl >> 24);
        }
      }
      ++m.validated_;
      if (m.nrec_ < m.cap_) {
        m.recs_[m.nrec_++] = r;
        ++m.sec_n_[s];
      } else {
        m.anomalies_ |= anomaly::record_overflow;
      }
    }
    if (s == 0) m.question_done_ = true;
  }
  m.complete_ = true;
  if (p < len) {
    m.trailing_ = uint16_t(len - p);
    return {Error::trailing_garbage, Section::additional, uint16_t(p)};
  }
  return {};
}

}  // namespace rampart::proto::dns

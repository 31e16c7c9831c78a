// DNS wire format (RFC 1035, 3596, 2782, 6891, 7871, 7873, 8659), zero-copy.
//
// parse() walks a message once, validates every name and every RR frame, and records offsets
// into a caller-provided Record array; rdata is decoded on demand (rdata.h). Nothing here
// allocates, throws or reads outside [msg, msg + len) except Name::to_text(std::string).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::proto::dns {

// Every way a message (or one rdata) can be malformed. Each becomes a named counter in the dns
// stage, so the order and the names (to_string: snake_case, valid telemetry keys) are stable.
enum class Error : uint8_t {
  ok = 0,
  truncated_header,        // fewer than 12 bytes
  counts_exceed_message,   // qd*5 + (an+ns+ar)*11 bytes cannot fit in what follows the header
  truncated_question,      // QTYPE/QCLASS cut off
  truncated_rr,            // TYPE/CLASS/TTL/RDLENGTH cut off
  rdata_overrun,           // RDLENGTH goes past the end of the message
  name_truncated,          // a label or pointer runs past the end of the message (or rdata)
  bad_pointer,             // pointer into the header or past the end of the message
  pointer_loop,            // a pointer target visited twice, or too many hops
  label_too_long,          // length octet 0x40-0x7f: a label > 63 (also RFC 6891's extended-label space)
  bad_label_type,          // length octet 0x80-0xbf: reserved label type
  name_too_long,           // decompressed name > 255 octets
  trailing_garbage,        // bytes after the last counted RR (all sections are still valid)
  bad_rdata,               // rdata of a known type does not match its format (on-demand decoders)
  rdata_type_mismatch,     // a typed decoder was called on an RR of another type
  bad_opt,                 // OPT with a non-root owner, outside additional, or a second OPT
  message_too_long,        // more than 65535 bytes: impossible on either transport
  compression_bomb,        // the owner names' labels and pointer hops, decompressed, exceed
                           // limits::name_steps(length): a message built to be slow to parse
  count_
};

std::string_view to_string(Error e) noexcept;

enum class Section : uint8_t { question = 0, answer = 1, authority = 2, additional = 3 };
std::string_view to_string(Section s) noexcept;

namespace type {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16,
                          AAAA = 28, SRV = 33, OPT = 41, CAA = 257;
}

namespace limits {
inline constexpr size_t max_label = 63;
inline constexpr size_t max_name = 255;          // wire octets, root label included
inline constexpr unsigned max_pointer_hops = 32; // real names use 1-2; a longer chain is hostile
inline constexpr size_t max_text = 4 * 255 + 1;  // worst case of Name::to_text with \DDD escapes
// The most labels plus pointer hops all owner names of a message may take together, decompressed.
// Every owner costs at least 2 bytes in place and 10 more of fixed fields, and real ones have a
// few labels and at most two hops, so real messages stay well under one step per byte. Without a
// bound, owners built as chains of pointers (each name 30 hops deep, or a pointer to a long name
// in rdata) cost every parser quadratic time: 20 us for one 1.5 KB message, where an nsd answer
// takes 0.07 us (libknot and ldns on the same bytes: 24-33 us; docs/benchmarks.md).
inline constexpr size_t name_steps(size_t message_length) { return 2 * message_length + 64; }
}

// What walking one name found. Offsets are from the start of the message.
struct NameWalk {
  uint16_t end = 0;         // first byte after the name where it is written (after its first pointer)
  uint8_t wire_length = 0;  // decompressed octets incl. the root label (1..255)
  uint8_t labels = 0;       // labels excluding the root
  uint8_t pointers = 0;
  uint8_t forward_pointers = 0;  // pointers to an offset >= the pointer's own offset
};

// Validates the name at `off`. Its in-place bytes must end at or before `limit` (<= len: used for
// names inside rdata); pointer targets may be anywhere in [12, len).
Error walk_name(const uint8_t* msg, size_t len, size_t off, size_t limit, NameWalk& out) noexcept;

// A validated name inside a message: a view, never a copy.
class Name {
 public:
  friend class Message;
  Name() = default;
  // Validates; on failure returns the error and leaves `out` empty.
  static Error at(const uint8_t* msg, size_t len, size_t off, Name& out) noexcept;
  static Error at(const uint8_t* msg, size_t len, size_t off, size_t limit, Name& out,
                  NameWalk* walk = nullptr) noexcept;

  bool empty() const noexcept { return msg_ == nullptr; }
  bool is_root() const noexcept { return wire_length_ == 1; }
  uint16_t offset() const noexcept { return off_; }
  size_t wire_length() const noexcept { return wire_length_; }
  size_t label_count() const noexcept { return labels_; }

  // ASCII case-insensitive (RFC 4343), label by label, no copy. Works across messages.
  bool equals_ci(const Name& other) const noexcept;
  // Same with a presentation-format name ("www.example.com", trailing dot optional, "." = root;
  // no escapes). For control-plane lookups and tests.
  bool equals_ci(std::string_view dotted) const noexcept;
  // Case-insensitive hash over the decompressed wire form: equal names hash equal.
  uint64_t hash_ci(uint64_t seed = 0) const noexcept;

  // Presentation format, fully qualified ("www.example.com.", root "."), RFC 1035 escapes
  // (\. \\ \" \DDD). Writes at most cap-1 chars plus NUL; returns the full length it needed.
  size_t to_text(char* buf, size_t cap) const noexcept;
  std::string to_text() const;  // control plane only: allocates

  // Visits the labels in order: fn(const uint8_t* label, uint8_t len). No root call.
  template <class F>
  void for_each_label(F&& fn) const noexcept;

  // Copies the decompressed wire form (<= 255 bytes) into `out`; returns its length.
  size_t to_wire(uint8_t* out /*[255]*/) const noexcept;

 private:
  const uint8_t* msg_ = nullptr;
  uint16_t len_ = 0;
  uint16_t off_ = 0;
  uint8_t wire_length_ = 0;
  uint8_t labels_ = 0;
};

// One question or RR, as offsets (20 bytes).
struct Record {
  uint16_t owner;      // offset of the owner name (QNAME for questions)
  uint16_t type;
  uint16_t klass;
  uint16_t rdlength;   // 0 for questions
  uint32_t ttl;        // 0 for questions; raw 32 bits (OPT packs ext-rcode/version/flags here)
  uint16_t rdata;      // offset of rdata (== end of the fixed fields)
  Section section;
  uint8_t owner_labels;
  uint8_t owner_length;  // decompressed wire octets of the owner
};

// Why a message was noteworthy without being malformed; bits of Message::anomalies().
namespace anomaly {
inline constexpr uint16_t forward_pointer = 1u << 0;   // some name used a forward pointer
inline constexpr uint16_t record_overflow = 1u << 1;   // more RRs than the Record array holds
inline constexpr uint16_t multi_question = 1u << 2;    // QDCOUNT > 1
inline constexpr uint16_t pointer_chain = 1u << 3;     // a name needed more than one pointer hop
}

struct ParseResult {
  Error error = Error::ok;
  Section section = Section::question;  // where the error was found
  uint16_t offset = 0;                  // byte offset of the offending field
  bool ok() const noexcept { return error == Error::ok; }
};

class Message;
// Stops at the first structural error; what was parsed before it stays readable (a TC=1 response
// keeps its header and question when a later section is cut). trailing_garbage is reported after
// every section validated, so complete() is still true.
ParseResult parse(const uint8_t* msg, size_t len, Message& out) noexcept;

class Message {
 public:
  Message(Record* storage, uint16_t capacity) noexcept : recs_(storage), cap_(capacity) {}

  const uint8_t* data() const noexcept { return msg_; }
  size_t size() const noexcept { return len_; }

  // Header (valid once parse() got past truncated_header).
  uint16_t id() const noexcept { return be16(0); }
  uint16_t flags() const noexcept { return be16(2); }
  bool qr() const noexcept { return msg_[2] & 0x80; }
  uint8_t opcode() const noexcept { return (msg_[2] >> 3) & 0x0f; }
  bool aa() const noexcept { return msg_[2] & 0x04; }
  bool tc() const noexcept { return msg_[2] & 0x02; }
  bool rd() const noexcept { return msg_[2] & 0x01; }
  bool ra() const noexcept { return msg_[3] & 0x80; }
  bool z() const noexcept { return msg_[3] & 0x40; }
  bool ad() const noexcept { return msg_[3] & 0x20; }
  bool cd() const noexcept { return msg_[3] & 0x10; }
  uint8_t header_rcode() const noexcept { return msg_[3] & 0x0f; }
  // 12-bit rcode: the OPT's upper 8 bits joined to the header's 4 (RFC 6891 6.1.3).
  uint16_t rcode() const noexcept { return uint16_t(ext_rcode_hi_ << 4) | header_rcode(); }
  uint16_t count(Section s) const noexcept { return be16(4 + 2 * unsigned(s)); }

  // EDNS (valid when has_opt()).
  bool has_opt() const noexcept { return has_opt_; }
  const Record* opt() const noexcept { return has_opt() ? &opt_ : nullptr; }
  uint16_t edns_udp_size() const noexcept { return has_opt() ? opt()->klass : 0; }
  uint8_t edns_version() const noexcept { return has_opt() ? uint8_t(opt()->ttl >> 16) : 0; }
  bool edns_do() const noexcept { return has_opt() && (opt()->ttl & 0x8000); }
  uint16_t edns_flags() const noexcept { return has_opt() ? uint16_t(opt()->ttl) : 0; }

  // Records, in wire order: questions first. Only the first capacity are kept.
  uint16_t record_count() const noexcept { return nrec_; }
  const Record& record(size_t i) const noexcept { return recs_[i]; }
  const Record* begin() const noexcept { return recs_; }
  const Record* end() const noexcept { return recs_ + nrec_; }
  // First recorded index of a section and how many of its records were recorded (derived from
  // the header's counts and where the parse stopped: parse() itself does not pay for them).
  // (Nothing before the header was accepted: stop_ is kNoSections and the header is not read.)
  uint16_t section_begin(Section s) const noexcept {
    return stop_ != kNoSections && unsigned(s) <= stop_ ? clamp_cap(records_before(unsigned(s))) : 0;
  }
  uint16_t section_recorded(Section s) const noexcept {
    const unsigned k = unsigned(s);
    if (stop_ == kNoSections || k > stop_) return 0;
    const unsigned end = k < stop_ ? clamp_cap(records_before(k + 1)) : nrec_;
    return uint16_t(end - section_begin(s));
  }
  // Records validated (recorded or not) across all sections.
  uint32_t records_validated() const noexcept { return validated_; }
  // True when every question was parsed: kept even when a later section fails (TC=1 responses).
  bool question_complete() const noexcept { return question_done_; }
  bool complete() const noexcept { return complete_; }  // every section validated
  uint16_t anomalies() const noexcept { return anomalies_; }
  uint16_t forward_pointers() const noexcept { return fwd_ptrs_; }
  uint16_t trailing_bytes() const noexcept { return trailing_; }

  Name owner(const Record& r) const noexcept;       // names were validated by parse()
  Name qname() const noexcept;                      // first question's name, empty if none
  uint16_t qtype() const noexcept { return nq() ? recs_[0].type : 0; }
  uint16_t qclass() const noexcept { return nq() ? recs_[0].klass : 0; }

 private:
  friend ParseResult parse(const uint8_t*, size_t, Message&) noexcept;
  bool nq() const noexcept { return question_done_ && nrec_ > 0 && count(Section::question) > 0; }
  uint16_t be16(size_t o) const noexcept { return uint16_t(msg_[o] << 8 | msg_[o + 1]); }
  // Records in the sections before section k (k = 4: all), from the header's counts.
  unsigned records_before(unsigned k) const noexcept {
    unsigned n = 0;
    for (unsigned i = 0; i < k; ++i) n += be16(4 + 2 * i);
    return n;
  }
  uint16_t clamp_cap(unsigned n) const noexcept { return uint16_t(n < cap_ ? n : cap_); }

  const uint8_t* msg_ = nullptr;
  Record* recs_;
  uint16_t cap_;
  uint16_t len_ = 0;
  uint16_t nrec_ = 0;
  Record opt_ = {};
  uint32_t validated_ = 0;
  uint16_t anomalies_ = 0;
  uint16_t fwd_ptrs_ = 0;
  uint16_t trailing_ = 0;
  uint8_t ext_rcode_hi_ = 0;
  bool has_opt_ = false;
  bool question_done_ = false;
  bool complete_ = false;
  // The section parse() stopped in (3 when complete); kNoSections when the header was refused.
  static constexpr uint8_t kNoSections = 0xff;
  uint8_t stop_ = kNoSections;
};

// A Message with its own storage, for tests, tools and stack use.
template <uint16_t N = 64>
class MessageBuf : public Message {
 public:
  MessageBuf() noexcept : Message(storage_, N) {}
  MessageBuf(const MessageBuf&) = delete;
  MessageBuf& operator=(const MessageBuf&) = delete;

 private:
  Record storage_[N];
};


// ---- inline ----

template <class F>
void Name::for_each_label(F&& fn) const noexcept {
  if (!msg_) return;
  size_t p = off_;
  unsigned hops = 0;
  while (p < len_) {
    uint8_t b = msg_[p];
    if (b == 0) return;
    if ((b & 0xc0) == 0xc0) {
      if (p + 1 >= len_ || ++hops > limits::max_pointer_hops) return;
      p = size_t(b & 0x3f) << 8 | msg_[p + 1];
      continue;
    }
    if (b > limits::max_label || p + 1 + b > len_) return;
    fn(msg_ + p + 1, b);
    p += 1 + b;
  }
}

}  // namespace rampart::proto::dns

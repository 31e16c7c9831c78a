#include "common/json.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

namespace rampart::json {

// ---------------------------------------------------------------------------------------------
// Value

double Value::as_double() const {
  if (auto p = std::get_if<int64_t>(&v_)) return static_cast<double>(*p);
  if (auto p = std::get_if<uint64_t>(&v_)) return static_cast<double>(*p);
  if (auto p = std::get_if<double>(&v_)) return *p;
  return 0.0;
}

// Doubles are clamped rather than cast directly: an out-of-range float-to-int cast is UB.
int64_t Value::as_int() const {
  if (auto p = std::get_if<int64_t>(&v_)) return *p;
  if (auto p = std::get_if<uint64_t>(&v_)) {
    return *p > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(*p);
  }
  if (auto p = std::get_if<double>(&v_)) {
    if (std::isnan(*p)) return 0;
    if (*p >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
    if (*p < -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(*p);
  }
  return 0;
}

uint64_t Value::as_uint() const {
  if (auto p = std::get_if<uint64_t>(&v_)) return *p;
  if (auto p = std::get_if<int64_t>(&v_)) return *p < 0 ? 0 : static_cast<uint64_t>(*p);
  if (auto p = std::get_if<double>(&v_)) {
    if (std::isnan(*p) || *p <= 0) return 0;
    if (*p >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
    return static_cast<uint64_t>(*p);
  }
  return 0;
}

// A default-constructed (null) Value becomes an object/array on first use so builders can start
// from `Value v;`. Any other type is a programming error and throws bad_variant_access.
Value& Value::set(std::string key, Value v) {
  if (is_null()) v_ = Object{};
  auto& obj = std::get<Object>(v_);
  for (auto& [k, existing] : obj) {
    if (k == key) {
      existing = std::move(v);
      return existing;
    }
  }
  obj.emplace_back(std::move(key), std::move(v));
  return obj.back().second;
}

const Value* Value::find(std::string_view key) const {
  auto obj = std::get_if<Object>(&v_);
  if (!obj) return nullptr;
  for (const auto& [k, v] : *obj) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::push(Value v) {
  if (is_null()) v_ = Array{};
  auto& arr = std::get<Array>(v_);
  arr.push_back(std::move(v));
  return arr.back();
}

// ---------------------------------------------------------------------------------------------
// Writer

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned cp) {
  out += "\\u";
  out += kHex[(cp >> 12) & 0xf];
  out += kHex[(cp >> 8) & 0xf];
  out += kHex[(cp >> 4) & 0xf];
  out += kHex[cp & 0xf];
}

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 if it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

void write_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      append_u_escape(out, c);
      ++i;
      continue;
    }
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      // Strings from the wire (DNS names, SNI) may hold arbitrary bytes. Writing them raw would
      // make the document invalid JSON; escaping the byte as U+00XX keeps its value visible.
      append_u_escape(out, c);
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out += '"';
}

template <typename T>
void write_integer(std::string& out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  // Shortest representation that reads back to the same double; in plain decimal notation within
  // [1e-4, 1e15), where people read the numbers (a Unix time as 1700000000.0, not 1.7e+09).
  char buf[64];
  const double mag = std::fabs(d);
  auto [end, ec] = mag == 0 || (mag >= 1e-4 && mag < 1e15)
                       ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed)
                       : std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  // Keep integral doubles recognisably floating so a parse gives back a double, not an int.
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void newline(std::string& out, int indent, int level) {
  out += '\n';
  out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

void write_value(std::string& out, const Value& v, int indent, int level) {
  const bool pretty = indent >= 0;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          write_integer(out, x);
        } else if constexpr (std::is_same_v<T, double>) {
          write_double(out, x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          write_string(out, x);
        } else if constexpr (std::is_same_v<T, Array>) {
          if (x.empty()) {
            out += "[]";
            return;
          }
          out += '[';
          for (size_t i = 0; i < x.size(); ++i) {
            if (i) out += ',';
            if (pretty) newline(out, indent, level + 1);
            write_value(out, x[i], indent, level + 1);
          }
          if (pretty) newline(out, indent, level);
          out += ']';
        } else {
          static_assert(std::is_same_v<T, Object>);
          if (x.empty()) {
            out += "{}";
            return;
          }
          out += '{';
          for (size_t i = 0; i < x.size(); ++i) {
            if (i) out += ',';
            if (pretty) newline(out, indent, level + 1);
            write_string(out, x[i].first);
            out += pretty ? ": " : ":";
            write_value(out, x[i].second, indent, level + 1);
          }
          if (pretty) newline(out, indent, level);
          out += '}';
        }
      },
      v.storage());
}

}  // namespace

std::string write(const Value& v, int indent) {
  std::string out;
  write_value(out, v, indent, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser

namespace {

constexpr int kMaxDepth = 64;

// Thrown only inside the parser and caught in parse(); the public API never throws.
struct ParseError {
  size_t pos;
  std::string reason;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (i_ != s_.size()) fail("unexpected content after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(std::string reason) { fail_at(i_, std::move(reason)); }
  [[noreturn]] void fail_at(size_t pos, std::string reason) {
    throw ParseError{pos, std::move(reason)};
  }

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_;
  }

  void expect_literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) fail("invalid literal");
    i_ += lit.size();
  }

  static std::string describe(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
    std::string r = "byte 0x";
    r += kHex[u >> 4];
    r += kHex[u & 0xf];
    return r;
  }

  Value value(int depth) {
    if (at_end()) fail("unexpected end of input, expected a value");
    char c = peek();
    switch (c) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return Value(string());
      case 't': expect_literal("true"); return Value(true);
      case 'f': expect_literal("false"); return Value(false);
      case 'n': expect_literal("null"); return Value(nullptr);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail("unexpected " + describe(c) + ", expected a value");
    }
  }

  Value object(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++i_;  // '{'
    Object obj;
    // Duplicate keys: the last one wins, as in most parsers. The index avoids quadratic work on
    // large objects and is only built once an object is big enough to matter.
    std::unordered_map<std::string, size_t> index;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++i_;
      return Value(std::move(obj));
    }
    for (;;) {
      skip_ws();
      if (at_end()) fail("unexpected end of input in object");
      if (peek() != '"') fail("unexpected " + describe(peek()) + ", expected a string key");
      std::string key = string();
      skip_ws();
      if (at_end()) fail("unexpected end of input in object");
      if (peek() != ':') fail("unexpected " + describe(peek()) + ", expected ':'");
      ++i_;
      skip_ws();
      Value v = value(depth);
      insert_member(obj, index, std::move(key), std::move(v));
      skip_ws();
      if (at_end()) fail("unexpected end of input in object");
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == '}') {
        ++i_;
        return Value(std::move(obj));
      }
      fail("unexpected " + describe(peek()) + ", expected ',' or '}'");
    }
  }

  static void insert_member(Object& obj, std::unordered_map<std::string, size_t>& index,
                            std::string key, Value v) {
    constexpr size_t kIndexFrom = 16;
    if (obj.size() < kIndexFrom) {
      for (auto& [k, existing] : obj) {
        if (k == key) {
          existing = std::move(v);
          return;
        }
      }
      obj.emplace_back(std::move(key), std::move(v));
      if (obj.size() == kIndexFrom) {
        for (size_t i = 0; i < obj.size(); ++i) index.emplace(obj[i].first, i);
      }
      return;
    }
    auto [it, inserted] = index.emplace(key, obj.size());
    if (!inserted) {
      obj[it->second].second = std::move(v);
      return;
    }
    obj.emplace_back(std::move(key), std::move(v));
  }

  Value array(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++i_;  // '['
    Array arr;
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++i_;
      return Value(std::move(arr));
    }
    for (;;) {
      skip_ws();
      arr.push_back(value(depth));
      skip_ws();
      if (at_end()) fail("unexpected end of input in array");
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ']') {
        ++i_;
        return Value(std::move(arr));
      }
      fail("unexpected " + describe(peek()) + ", expected ',' or ']'");
    }
  }

  unsigned hex4() {
    if (s_.size() - i_ < 4) fail_at(s_.size(), "unexpected end of input in \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_];
      unsigned d;
      if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
      else fail("invalid hex digit " + describe(c) + " in \\u escape");
      v = (v << 4) | d;
      ++i_;
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Called with i_ just past the 'u'.
  unsigned unicode_escape(size_t escape_start) {
    unsigned cp = hex4();
    if (cp >= 0xdc00 && cp <= 0xdfff) fail_at(escape_start, "unpaired low surrogate in \\u escape");
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (s_.substr(i_, 2) != "\\u") fail_at(escape_start, "unpaired high surrogate in \\u escape");
      size_t low_start = i_;
      i_ += 2;
      unsigned lo = hex4();
      if (lo < 0xdc00 || lo > 0xdfff) {
        fail_at(low_start, "high surrogate not followed by a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    return cp;
  }

  std::string string() {
    size_t start = i_;
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) fail("unescaped control character " + describe(static_cast<char>(c)) + " in string");
      if (c == '\\') {
        size_t esc = i_;
        ++i_;
        if (at_end()) fail_at(start, "unterminated string");
        char e = peek();
        ++i_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': append_utf8(out, unicode_escape(esc)); break;
          default: fail_at(esc, "invalid escape \\" + std::string(1, e));
        }
        continue;
      }
      size_t n = utf8_sequence_length(s_, i_);
      if (n == 0) fail("invalid UTF-8 in string");
      out.append(s_.substr(i_, n));
      i_ += n;
    }
  }

  Value number() {
    size_t start = i_;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++i_;
    }
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    if (!digit()) fail("invalid number: expected a digit");
    if (peek() == '0') {
      ++i_;
      if (digit()) fail_at(start, "invalid number: leading zero");
    } else {
      while (digit()) ++i_;
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      integral = false;
      ++i_;
      if (!digit()) fail("invalid number: expected a digit after '.'");
      while (digit()) ++i_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++i_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++i_;
      if (!digit()) fail("invalid number: expected a digit in the exponent");
      while (digit()) ++i_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral) {
      int64_t v;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && p == last) return Value(v);
      if (!negative) {
        uint64_t u;
        auto [pu, ecu] = std::from_chars(first, last, u);
        if (ecu == std::errc() && pu == last) return Value(u);
      }
      // Too big for 64 bits: fall through to double.
    }
    double d;
    auto [p, ec] = std::from_chars(first, last, d);
    if (ec == std::errc() && p == last) return Value(d);
    if (ec == std::errc::result_out_of_range) {
      // from_chars reports underflow and overflow alike. Underflow is a value too small to
      // represent, which reads as zero; overflow has no JSON-writable double and is an error.
      if (decimal_magnitude(std::string_view(first, static_cast<size_t>(last - first))) < 0) {
        return Value(negative ? -0.0 : 0.0);
      }
      fail_at(start, "number out of range");
    }
    fail_at(start, "invalid number");
  }

  // Rough base-10 exponent of an already validated number, saturating; only its sign matters.
  static int64_t decimal_magnitude(std::string_view t) {
    size_t i = 0;
    if (t[i] == '-') ++i;
    int64_t int_digits = 0, first_nonzero = -1, pos = 0;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++pos, ++int_digits) {
      if (first_nonzero < 0 && t[i] != '0') first_nonzero = pos;
    }
    if (i < t.size() && t[i] == '.') {
      for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++pos) {
        if (first_nonzero < 0 && t[i] != '0') first_nonzero = pos;
      }
    }
    if (first_nonzero < 0) return -1;  // all zeros
    int64_t exp = 0;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      bool neg = false;
      if (t[i] == '+' || t[i] == '-') neg = t[i++] == '-';
      for (; i < t.size(); ++i) {
        if (exp < 1'000'000'000) exp = exp * 10 + (t[i] - '0');
      }
      if (neg) exp = -exp;
    }
    return exp + int_digits - 1 - first_nonzero;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string position(std::string_view text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + " col " + std::to_string(col);
}

}  // namespace

ParseResult parse(std::string_view text) {
  ParseResult r;
  try {
    r.value = Parser(text).document();
  } catch (const ParseError& e) {
    r.error = position(text, e.pos) + ": " + e.reason;
  } catch (const std::bad_alloc&) {
    r.error = position(text, 0) + ": out of memory";
  }
  return r;
}

}  // namespace rampart::json

// A small JSON value: the one model behind telemetry answers (turned into rte_tel_data for the
// socket), the JSON report, and rampartctl's parsing of socket replies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rampart::json {

class Value;
using Array = std::vector<Value>;
// Objects keep insertion order: operators read tables in the order we emit them.
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  using Storage = std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string,
                               Array, Object>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(long i) : v_(int64_t{i}) {}
  Value(long long i) : v_(int64_t{i}) {}
  Value(unsigned u) : v_(uint64_t{u}) {}
  Value(unsigned long u) : v_(uint64_t{u}) {}
  Value(unsigned long long u) : v_(uint64_t{u}) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  static Value object() { return Value(Object{}); }
  static Value array() { return Value(Array{}); }

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_uint() const { return std::holds_alternative<uint64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_number() const { return is_int() || is_uint() || is_double(); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }
  // Any numeric alternative converted; 0 for non-numbers.
  double as_double() const;
  int64_t as_int() const;
  uint64_t as_uint() const;

  // Object access. set() replaces an existing key or appends; find() returns nullptr when absent
  // or when this is not an object.
  Value& set(std::string key, Value v);
  const Value* find(std::string_view key) const;
  // Array append.
  Value& push(Value v);

  const Storage& storage() const { return v_; }
  bool operator==(const Value& o) const { return v_ == o.v_; }

 private:
  Storage v_;
};

// Compact when indent < 0, else pretty-printed with `indent` spaces per level.
std::string write(const Value& v, int indent = -1);

struct ParseResult {
  std::optional<Value> value;
  std::string error;  // "line L col C: reason" when value is empty
};
// Strict RFC 8259 parse of a whole document (trailing whitespace allowed); nesting capped at 64.
ParseResult parse(std::string_view text);

}  // namespace rampart::json

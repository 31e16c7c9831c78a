#include "app/rampart/telemetry.h"

#include <rte_telemetry.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace rampart::app {

namespace {

// DPDK 22.11's telemetry accepts dict keys of [A-Za-z0-9_/] only (others are silently dropped),
// nests at most one container inside the top-level dict or array, carries only integers and
// strings (each cut at 127 characters), and never a dict inside an array. normalize() shapes
// every answer to those rules once, so the socket and the report always say the same thing.
std::string safe_key(const std::string& k) {
  std::string out = k.substr(0, RTE_TEL_MAX_STRING_LEN - 1);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '/';
    if (!ok) c = '_';
  }
  return out.empty() ? "_" : out;
}

// DPDK 22.11 writes a string's bytes as they are except that it escapes '"', '\\' and \n \r \t and
// drops other control characters; it reads every byte >= 0x80 as a negative index into its table
// of control characters, so UTF-8 comes out as dropped bytes or as a backslash followed by
// whatever that out-of-bounds read found: invalid JSON for every client. Rampart's strings do
// carry such bytes: vendor names from ieee-data's lists ("ESPA\u00d1A", fullwidth commas) and
// operator input echoed in errors. So every string is made ASCII first: Latin-1 letters lose
// their accents, fullwidth forms and typographic quotes and dashes become their ASCII originals,
// any other character (or an invalid UTF-8 byte, or a control character DPDK would drop)
// becomes '?', so the reader still sees that something was there.
constexpr const char* kLatin1Letters[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",   // U+00C0
    "D", "N", "O", "O", "O", "O", "O",  "x", "O", "U", "U", "U", "U", "Y", "TH", "ss",  // U+00D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",   // U+00E0
    "d", "n", "o", "o", "o", "o", "o",  "/", "o", "u", "u", "u", "u", "y", "th", "y"}; // U+00F0

void append_ascii_for(uint32_t cp, std::string& out) {
  if (cp >= 0xc0 && cp <= 0xff) {
    out += kLatin1Letters[cp - 0xc0];
  } else if (cp >= 0xff01 && cp <= 0xff5e) {  // fullwidth ASCII forms
    out += static_cast<char>(cp - 0xfee0);
  } else if (cp == 0xa0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200a)) {
    out += ' ';
  } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2032) {
    out += '\'';
  } else if (cp == 0x201c || cp == 0x201d) {
    out += '"';
  } else if (cp >= 0x2010 && cp <= 0x2015) {
    out += '-';
  } else {
    out += '?';
  }
}

// The bytes DPDK carries as they are (or escapes properly).
bool dpdk_safe(unsigned char c) { return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t'; }

std::string telemetry_text(const std::string& s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return dpdk_safe(static_cast<unsigned char>(c)); })) return s;
  std::string out;
  out.reserve(s.size());
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = b[i];
    if (c < 0x80) {
      out += dpdk_safe(static_cast<unsigned char>(c)) ? static_cast<char>(c) : '?';
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then continuation bytes only, no overlong
    // forms, no surrogates, nothing past U+10FFFF. Anything else costs one '?' per byte.
    const size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (b[i + k] & 0xc0) == 0x80;
      cp = cp << 6 | (b[i + k] & 0x3f);
    }
    ok = ok && !(len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
         !(len == 4 && (cp < 0x10000 || cp > 0x10ffff));
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    append_ascii_for(cp, out);
    i += len;
  }
  return out;
}

json::Value scalar(const json::Value& v) {
  if (v.is_string()) return json::Value(telemetry_text(v.as_string()));
  if (v.is_uint()) return v;
  if (v.is_int()) {
    // DPDK's signed integers are C ints (32 bits): a wider value would arrive wrapped.
    const int64_t i = v.as_int();
    if (i >= 0) return json::Value(static_cast<uint64_t>(i));
    if (i >= std::numeric_limits<int>::min()) return v;
    return json::Value(std::to_string(i));
  }
  if (v.is_bool()) return json::Value(static_cast<uint64_t>(v.as_bool() ? 1 : 0));
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3f", v.as_double());
    return json::Value(std::string(buf));
  }
  if (v.is_null()) return json::Value("null");
  return json::Value(telemetry_text(json::write(v)));  // too deep for DPDK: carried as compact JSON text
}

bool is_record_list(const json::Value& v) {
  if (!v.is_array() || v.as_array().empty()) return false;
  for (const auto& e : v.as_array())
    if (!e.is_object()) return false;
  return true;
}

json::Value normalize_level(const json::Value& v, int depth) {
  if (depth < 2 && v.is_object()) {
    json::Value out = json::Value::object();
    for (const auto& [k, c] : v.as_object()) {
      // A list of records (alerts, neighbours, events) in the top-level object: DPDK cannot nest
      // a dict in an array, and a record as JSON text would be cut at 127 characters. Each
      // record becomes a member "<name>/<i>" of its own, a dict of scalars.
      if (depth == 0 && is_record_list(c)) {
        const auto& records = c.as_array();
        const std::string prefix = safe_key(k);
        for (size_t i = 0; i < records.size(); ++i) {
          std::string key = prefix;
          key += '/';
          key += std::to_string(i);
          out.set(key, normalize_level(records[i], 1));
        }
        continue;
      }
      out.set(safe_key(k), normalize_level(c, depth + 1));
    }
    return out;
  }
  if (depth < 2 && v.is_array()) {
    json::Value out = json::Value::array();
    for (const auto& e : v.as_array()) out.push(normalize_level(e, 2));
    // DPDK arrays are typed: all u64, all (32-bit) int, or all strings. Anything else (strings
    // among integers, or negative integers beside ones too wide for an int) becomes strings.
    bool all_uint = true, all_int = true;
    for (const auto& e : out.as_array()) {
      all_uint = all_uint && e.is_uint();
      all_int = all_int && (e.is_int() || (e.is_uint() && e.as_uint() <= std::numeric_limits<int>::max()));
    }
    if (!all_uint && !all_int)
      for (auto& e : out.as_array())
        if (!e.is_string()) e = json::Value(json::write(e));
    return out;
  }
  return scalar(v);
}

void add_to_dict(rte_tel_data* d, const std::string& key, const json::Value& v) {
  const char* k = key.c_str();
  if (v.is_uint()) rte_tel_data_add_dict_u64(d, k, v.as_uint());
  else if (v.is_int()) rte_tel_data_add_dict_int(d, k, static_cast<int>(v.as_int()));
  else rte_tel_data_add_dict_string(d, k, v.as_string().c_str());
}

void fill_array(rte_tel_data* d, const json::Array& a) {
  bool all_uint = true, all_int = true;
  for (const auto& e : a) {
    all_uint = all_uint && e.is_uint();
    all_int = all_int && (e.is_int() || e.is_uint());
  }
  const rte_tel_value_type t = all_uint ? RTE_TEL_U64_VAL : all_int ? RTE_TEL_INT_VAL : RTE_TEL_STRING_VAL;
  rte_tel_data_start_array(d, t);
  for (const auto& e : a) {
    if (t == RTE_TEL_U64_VAL) rte_tel_data_add_array_u64(d, e.as_uint());
    else if (t == RTE_TEL_INT_VAL) rte_tel_data_add_array_int(d, static_cast<int>(e.as_int()));
    else rte_tel_data_add_array_string(d, e.as_string().c_str());
  }
}

// `v` is already normalized.
void to_tel(const json::Value& v, rte_tel_data* d) {
  if (v.is_object()) {
    rte_tel_data_start_dict(d);
    for (const auto& [k, child] : v.as_object()) {
      if (child.is_object() || child.is_array()) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (!c) continue;
        if (child.is_object()) {
          rte_tel_data_start_dict(c);
          for (const auto& [ck, cv] : child.as_object()) add_to_dict(c, ck, cv);
        } else {
          fill_array(c, child.as_array());
        }
        rte_tel_data_add_dict_container(d, k.c_str(), c, 0);
      } else {
        add_to_dict(d, k, child);
      }
    }
  } else if (v.is_array()) {
    fill_array(d, v.as_array());
  } else {
    rte_tel_data_string(d, (v.is_string() ? v.as_string() : json::write(v)).c_str());
  }
}

int dpdk_callback(const char* cmd, const char* params, rte_tel_data* d) {
  const TelemetryCommand* c = TelemetryRegistry::instance().find(cmd);
  if (!c) return -EINVAL;
  const std::string_view p = params ? std::string_view(params) : std::string_view();
  to_tel(TelemetryRegistry::instance().answer(*c, p), d);
  return 0;
}

}  // namespace

json::Value normalize_for_telemetry(const json::Value& v) { return normalize_level(v, 0); }

json::Value TelemetryRegistry::answer(const TelemetryCommand& c, std::string_view params) const {
  if (!c.takes_params && !params.empty())
    return error_answer(c.name + " takes no parameters");
  try {
    return normalize_for_telemetry(c.handler(params));
  } catch (const std::exception& e) {
    return error_answer(e.what());
  }
}

std::string quoted_input(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "'";
}

json::Value error_answer(std::string msg) {
  json::Value v = json::Value::object();
  v.set("error", std::move(msg));
  return v;
}

TelemetryRegistry& TelemetryRegistry::instance() {
  static TelemetryRegistry registry;
  return registry;
}

void TelemetryRegistry::add(TelemetryCommand cmd) {
  // rte_telemetry_register_cmd refuses (-EINVAL) names of 56+ and help texts of 128+ characters;
  // refusing here makes a too-long text fail every start-up test instead of a warning at run time.
  if (cmd.name.size() >= 56 || cmd.help.size() >= 128)
    throw std::logic_error("telemetry command " + cmd.name + ": name or help text too long for DPDK");
  commands_.push_back(std::move(cmd));
}

const TelemetryCommand* TelemetryRegistry::find(std::string_view name) const {
  for (const auto& c : commands_)
    if (c.name == name) return &c;
  return nullptr;
}

void TelemetryRegistry::register_with_dpdk() const {
  for (const auto& c : commands_) {
    const int rc = rte_telemetry_register_cmd(c.name.c_str(), dpdk_callback, c.help.c_str());
    if (rc != 0) spdlog::warn("telemetry: cannot register {}: {}", c.name, rc);
  }
}

json::Value TelemetryRegistry::snapshot() const {
  json::Value out = json::Value::object();
  for (const auto& c : commands_)
    if (!c.takes_params || c.in_report) out.set(c.name, answer(c, {}));
  return out;
}

}  // namespace rampart::app

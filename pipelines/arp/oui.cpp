#include "arp/oui.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace rampart::arp {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

uint64_t key(uint64_t prefix, unsigned digits) { return (uint64_t{digits} << 48) | prefix; }

uint64_t mac_value(const MacBytes& mac) {
  uint64_t v = 0;
  for (uint8_t b : mac) v = (v << 8) | b;
  return v;
}

}  // namespace

std::string format_mac(const MacBytes& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

void OuiTable::add(uint64_t prefix, unsigned digits, std::string_view vendor) {
  entries_.emplace(key(prefix, digits), std::string(vendor));
  if (std::find(lengths_.begin(), lengths_.end(), digits) == lengths_.end()) {
    lengths_.push_back(digits);
    std::sort(lengths_.rbegin(), lengths_.rend());
  }
}

size_t OuiTable::parse(std::string_view text) {
  size_t taken = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    // Indented lines are ieee-data's address lines ("\t\t\t\t2181 Buchanan Loop").
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    // The prefix: hex digits, optionally separated by '-' (ieee-data) or ':'.
    uint64_t prefix = 0;
    unsigned digits = 0;
    size_t i = 0;
    for (; i < line.size(); ++i) {
      const int h = hex_value(line[i]);
      if (h >= 0 && digits < 12) {
        prefix = (prefix << 4) | static_cast<unsigned>(h);
        ++digits;
      } else if (line[i] != '-' && line[i] != ':') {
        break;
      }
    }
    if (digits < 2 || i == line.size()) continue;
    if (line[i] != ' ' && line[i] != '\t') continue;  // e.g. "00-22-72-00" or a word
    std::string_view rest = trim(line.substr(i));
    if (rest.substr(0, 5) == "(hex)") rest = trim(rest.substr(5));
    else if (rest.substr(0, 9) == "(base 16)") continue;  // ieee-data's second line per entry
    if (rest.empty()) continue;
    add(prefix << (4 * (12 - digits)), digits, rest);
    ++taken;
  }
  return taken;
}

bool OuiTable::load_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  if (parse(text) == 0) {
    *error = "no OUI entries in " + path;
    return false;
  }
  return true;
}

bool OuiTable::load_default(std::string* loaded_path, std::string* error) {
  std::string errors;
  for (const char* p : kOuiPaths) {
    std::string e;
    if (load_file(p, &e)) {
      *loaded_path = p;
      std::string ignored;
      if (load_file(kMacVendorPath, &ignored)) *loaded_path += std::string(" and ") + kMacVendorPath;
      return true;
    }
    errors += (errors.empty() ? "" : "; ") + e;
  }
  *error = errors;
  return false;
}

std::string_view OuiTable::lookup(const MacBytes& mac) const {
  const uint64_t v = mac_value(mac);
  for (unsigned digits : lengths_) {
    const uint64_t prefix = v & ~((uint64_t{1} << (4 * (12 - digits))) - 1);
    if (auto it = entries_.find(key(prefix, digits)); it != entries_.end()) return it->second;
  }
  return {};
}

std::string_view OuiTable::vendor(const MacBytes& mac) const {
  std::string_view v = lookup(mac);
  if (!v.empty()) return v;
  return (mac[0] & 0x02) ? kLocalVendor : kUnknownVendor;
}

}  // namespace rampart::arp

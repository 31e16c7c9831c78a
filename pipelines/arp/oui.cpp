#include "arp/oui.h"

#include <algorithm>
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

// The block a "(base 16)" range line of ieee-data's MA-M/MA-S/IAB lists adds to its "(hex)"
// OUI: "900000-9FFFFF" -> 1 digit "9", "F2F000-F2FFFF" -> 3 digits "F2F". False when the token is
// not such a range (MA-L lists have a single value there).
bool range_block(std::string_view token, uint64_t* value, unsigned* digits) {
  const size_t dash = token.find('-');
  if (dash != 6 || token.size() != 13) return false;
  const std::string_view lo = token.substr(0, dash), hi = token.substr(dash + 1);
  unsigned k = static_cast<unsigned>(lo.size());
  while (k > 0 && lo[k - 1] == '0' && (hi[k - 1] == 'F' || hi[k - 1] == 'f')) --k;
  uint64_t v = 0;
  for (unsigned i = 0; i < lo.size(); ++i) {
    const int a = hex_value(lo[i]), b = hex_value(hi[i]);
    if (a < 0 || b < 0 || (i < k && a != b)) return false;
    if (i < k) v = (v << 4) | static_cast<unsigned>(a);
  }
  *value = v;
  *digits = k;
  return true;
}

}  // namespace

void OuiTable::add(uint64_t prefix, unsigned digits, std::string_view vendor) {
  entries_.emplace(key(prefix, digits), std::string(vendor));
  if (std::find(lengths_.begin(), lengths_.end(), digits) == lengths_.end()) {
    lengths_.push_back(digits);
    std::sort(lengths_.rbegin(), lengths_.rend());
  }
}

size_t OuiTable::parse(std::string_view text) {
  size_t taken = 0;
  // ieee-data lists give each entry as a "(hex)" line (the 24-bit OUI) and a "(base 16)" line;
  // in the MA-M, MA-S and IAB lists the latter holds the block inside that OUI, which many
  // organisations share, so the "(hex)" line waits for it before anything is added.
  struct Pending {
    bool set = false;
    uint64_t oui = 0;
    std::string vendor;
  } pending;
  const auto flush = [&] {
    if (!pending.set) return;
    add(pending.oui << 24, 6, pending.vendor);
    ++taken;
    pending.set = false;
  };
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    // Indented lines are ieee-data's address lines ("\t\t\t\t2181 Buchanan Loop").
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t space = line.find_first_of(" \t");
    if (space != std::string_view::npos && trim(line.substr(space)).substr(0, 9) == "(base 16)") {
      uint64_t block = 0;
      unsigned digits = 0;
      if (pending.set && range_block(line.substr(0, space), &block, &digits)) {
        add(((pending.oui << (4 * digits)) | block) << (4 * (6 - digits)), 6 + digits, pending.vendor);
        ++taken;
        pending.set = false;
      }
      flush();  // an MA-L entry: the "(hex)" line was the whole prefix
      continue;
    }
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
    flush();
    if (rest.substr(0, 5) == "(hex)") {
      rest = trim(rest.substr(5));
      if (digits == 6 && !rest.empty()) pending = Pending{true, prefix, std::string(rest)};
      continue;
    }
    if (rest.empty()) continue;
    add(prefix << (4 * (12 - digits)), digits, rest);
    ++taken;
  }
  flush();
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

bool OuiTable::load_lists(const std::vector<std::string>& primary,
                          const std::vector<std::string>& extra, std::string* loaded,
                          std::string* error) {
  std::string errors;
  for (const std::string& p : primary) {
    std::string e;
    if (!load_file(p, &e)) {
      errors += (errors.empty() ? "" : "; ") + e;
      continue;
    }
    *loaded = p;
    for (const std::string& x : extra) {
      std::string ignored;
      if (load_file(x, &ignored)) *loaded += ", " + x;
    }
    return true;
  }
  *error = errors;
  return false;
}

bool OuiTable::load_default(std::string* loaded_path, std::string* error) {
  return load_lists({std::begin(kOuiPaths), std::end(kOuiPaths)},
                    {std::begin(kOuiExtraPaths), std::end(kOuiExtraPaths)}, loaded_path, error);
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

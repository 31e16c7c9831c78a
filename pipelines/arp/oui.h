// MAC vendor lookup from the IEEE registry as Debian ships it: arp-scan's ieee-oui.txt
// ("<hex prefix><TAB><vendor>", prefixes of 2 to 12 hex digits, so MA-M/MA-S blocks too) or
// ieee-data's lists: oui.txt (MA-L, "00-22-72   (hex)<TABs><vendor>") and mam.txt, oui36.txt and
// iab.txt (MA-M, MA-S, IAB: the "(hex)" line names a shared OUI, the "(base 16)" line after it
// the block inside it, "900000-9FFFFF"). Loaded once on the control plane; lookups are read-only
// afterwards (any thread). The longest matching prefix wins; of two lists naming the same prefix,
// the one loaded first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arp/scan_results.h"

namespace rampart::arp {

// Where Debian puts the lists, preferred first.
inline constexpr const char* kOuiPaths[] = {"/usr/share/arp-scan/ieee-oui.txt",
                                            "/usr/share/ieee-data/oui.txt"};
// arp-scan's own additions (QEMU, VRRP, HSRP...), loaded on top of the IEEE list when present.
inline constexpr const char* kMacVendorPath = "/etc/arp-scan/mac-vendor.txt";
// Loaded on top of whichever kOuiPaths list loaded, each when present: the 28- and 36-bit blocks
// (arp-scan's list has them already; ieee-data's oui.txt does not) and arp-scan's additions.
inline constexpr const char* kOuiExtraPaths[] = {"/usr/share/ieee-data/mam.txt",
                                                 "/usr/share/ieee-data/oui36.txt",
                                                 "/usr/share/ieee-data/iab.txt", kMacVendorPath};
inline constexpr std::string_view kUnknownVendor = "(Unknown)";
inline constexpr std::string_view kLocalVendor = "(Unknown: locally administered)";

class OuiTable {
 public:
  // Adds the entries of a list in either format; returns how many lines it took.
  size_t parse(std::string_view text);
  // Loads one file; false with *error when it cannot be read.
  bool load_file(const std::string& path, std::string* error);
  // The first of `primary` that loads, then every one of `extra` that loads; *loaded lists them.
  // False (and nothing loaded) when none of `primary` loads.
  bool load_lists(const std::vector<std::string>& primary, const std::vector<std::string>& extra,
                  std::string* loaded, std::string* error);
  // load_lists(kOuiPaths, kOuiExtraPaths).
  bool load_default(std::string* loaded_path, std::string* error);

  // The registered vendor, or "" when no prefix matches.
  std::string_view lookup(const MacBytes& mac) const;
  // lookup(), or arp-scan's placeholders: "(Unknown: locally administered)" when the
  // locally-administered bit is set, "(Unknown)" otherwise.
  std::string_view vendor(const MacBytes& mac) const;
  size_t size() const { return entries_.size(); }

 private:
  // Key: prefix value in the top bits of 48, plus its length in hex digits in bits 48..51.
  std::unordered_map<uint64_t, std::string> entries_;
  std::vector<unsigned> lengths_;  // distinct prefix lengths (hex digits), longest first
  void add(uint64_t prefix, unsigned digits, std::string_view vendor);
};

}  // namespace rampart::arp

#include "arp/scan_range.h"

#include <arpa/inet.h>

#include <charconv>

#include "arp/addr_text.h"

namespace rampart::arp {

ScanRange make_scan_range(uint32_t addr, unsigned prefix_len) {
  ScanRange r;
  r.prefix_len = static_cast<uint8_t>(prefix_len);
  const uint32_t mask = prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len);
  r.network = addr & mask;
  const uint64_t block = uint64_t{1} << (32 - prefix_len);
  if (prefix_len >= 31) {
    r.first = r.network;
    r.count = block;
  } else {
    r.first = r.network + 1;
    r.count = block - 2;
  }
  return r;
}

bool parse_scan_cidr(std::string_view text, ScanRange* out, std::string* error) {
  std::string_view addr_text = text;
  unsigned prefix = 32;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix > 32) {
      *error = "bad prefix length in '" + std::string(text) + "'";
      return false;
    }
  }
  in_addr a{};
  if (inet_pton(AF_INET, std::string(addr_text).c_str(), &a) != 1) {
    *error = "bad IPv4 address in '" + std::string(text) + "'";
    return false;
  }
  *out = make_scan_range(ntohl(a.s_addr), prefix);
  return true;
}

std::string format_scan_cidr(const ScanRange& r) {
  return format_ipv4(r.network) + "/" + std::to_string(r.prefix_len);
}

}  // namespace rampart::arp

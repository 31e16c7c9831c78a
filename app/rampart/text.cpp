#include "app/rampart/text.h"

#include <arpa/inet.h>

namespace rampart::app {

std::string address_text(const uint8_t* addr, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof buf);
  return buf;
}

std::string bit_names(uint64_t bits, std::span<const BitName> table, char sep) {
  std::string out;
  for (const auto& [b, n] : table) {
    if (!(bits & b)) continue;
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

}  // namespace rampart::app

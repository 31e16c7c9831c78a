// Test helper: a dotted name ("www.example.com") as uncompressed wire bytes (no escapes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnstest {

inline std::vector<uint8_t> wire(const std::string& dotted) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    for (size_t i = start; i < dot; ++i) out.push_back(static_cast<uint8_t>(dotted[i]));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

}  // namespace dnstest

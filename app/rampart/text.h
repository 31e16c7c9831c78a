// Text forms shared by the control plane's answers and logs (telemetry commands, query log).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace rampart::app {

// An address as inet_ntop writes it: `family` 4 reads 4 bytes (dotted quad), anything else 16
// (IPv6); "?" if inet_ntop fails.
std::string address_text(const uint8_t* addr, uint8_t family);

// The names of the bits set in `bits`, in table order, joined by `sep` ("" when none is set).
struct BitName {
  uint64_t bit;
  const char* name;
};
std::string bit_names(uint64_t bits, std::span<const BitName> table, char sep);

}  // namespace rampart::app

// RFC 1071 Internet checksum pieces, shared by the parser, the builders and later the TCP stage.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rampart::proto {

// One's-complement sum of `len` bytes (network order words) folded into 32 bits, added to `sum`.
uint32_t checksum_partial(const uint8_t* data, size_t len, uint32_t sum = 0) noexcept;
// Folds to 16 bits and complements: the value to put in a checksum field.
uint16_t checksum_finish(uint32_t sum) noexcept;
// Pseudo-header sums for UDP/TCP/ICMPv6 (addresses as they are on the wire).
uint32_t pseudo_header_ipv4(const uint8_t* src4, const uint8_t* dst4, uint8_t proto, uint16_t l4_len) noexcept;
uint32_t pseudo_header_ipv6(const uint8_t* src16, const uint8_t* dst16, uint8_t proto, uint32_t l4_len) noexcept;

}  // namespace rampart::proto

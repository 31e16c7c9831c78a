// Names of DNS code points for telemetry keys (IANA "Domain Name System (DNS) Parameters"), and
// the approximation of the registered domain used by the top-N lists. Control plane and tests,
// except registered_domain_offset(), which the data plane calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rampart::dns {

// Mnemonics (A, AAAA, NSAP_PTR, ...) or TYPE<n> / CLASS<n> / RCODE<n> / OPCODE<n>: always
// [A-Za-z0-9_], valid as DPDK telemetry dictionary keys.
std::string qtype_name(uint16_t t);
std::string qclass_name(uint16_t c);
std::string rcode_name(uint16_t rcode);  // 12-bit extended rcodes included (BADVERS, BADCOOKIE...)
std::string opcode_name(uint8_t op);

// The registered domain of a name in uncompressed wire form, approximated without the Public
// Suffix List: the last two labels ("example.com"), or the last three when the last label is a
// two-letter country code and the one before it is a common second-level category
// ("example.co.uk", "example.com.au", "example.ac.jp"). Names of one or two labels are their own
// domain. Returns the offset of the domain's first label inside `wire` (a suffix of it, itself a
// valid wire name). `wire` must be lower case.
size_t registered_domain_offset(const uint8_t* wire, size_t len) noexcept;

// Presentation form of an uncompressed wire name ("www.example.com."), with RFC 1035 escapes.
std::string wire_to_text(const uint8_t* wire, size_t len);

}  // namespace rampart::dns

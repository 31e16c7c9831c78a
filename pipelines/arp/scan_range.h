// The targets of one scan: an IPv4 CIDR turned into a run of host addresses the way arp-scan
// does it: /0../30 skip the network and broadcast addresses, /31 (RFC 3021 point-to-point) and
// /32 scan every address of the block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::arp {

// Defaults of a scan started without explicit parameters. arp-scan's are 500 pps, 2 tries and
// 500 ms; on a LAN answers come back in well under a millisecond, so Rampart waits 50 ms (75 ms
// for the retry) and sends at 50 kpps: a /24 takes about 0.15 s instead of about 2 s.
inline constexpr uint32_t kDefaultScanPps = 50000;
inline constexpr uint32_t kDefaultScanTries = 2;
inline constexpr uint32_t kDefaultScanTimeoutMs = 50;
inline constexpr uint32_t kMaxScanTries = 100;

struct ScanRange {
  uint32_t network = 0;    // host byte order, host bits cleared
  uint8_t prefix_len = 32;
  uint32_t first = 0;      // first target address
  uint64_t count = 0;      // targets: first .. first + count - 1
};

// The range of addr/prefix_len (host bits of addr are ignored, as arp-scan does).
ScanRange make_scan_range(uint32_t addr, unsigned prefix_len);

// Parses "a.b.c.d/n" or a bare address (= /32). False with *error set on bad input.
bool parse_scan_cidr(std::string_view text, ScanRange* out, std::string* error);

// "a.b.c.d/n" of the range's network.
std::string format_scan_cidr(const ScanRange& r);

}  // namespace rampart::arp

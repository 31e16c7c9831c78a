// Helpers shared by the DNS stage's pipeline tests.
#pragma once

#include <cstdint>
#include <functional>

#include "dns/dns_stage.h"

namespace dnstest {

namespace dns = ::rampart::dns;

// IPv4 endpoints of a message, addresses in host order.
inline dns::DnsStage::Endpoints endpoints(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  dns::DnsStage::Endpoints ep{};
  for (int i = 0; i < 4; ++i) {
    ep.src[i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    ep.dst[i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  ep.sport = sport;
  ep.dport = dport;
  ep.family = 4;
  return ep;
}

// IPv6 endpoints of a message, addresses as 16 bytes.
inline dns::DnsStage::Endpoints endpoints6(const uint8_t (&src)[16], uint16_t sport, const uint8_t (&dst)[16],
                                           uint16_t dport) {
  dns::DnsStage::Endpoints ep{};
  for (int i = 0; i < 16; ++i) {
    ep.src[i] = src[i];
    ep.dst[i] = dst[i];
  }
  ep.sport = sport;
  ep.dport = dport;
  ep.family = 6;
  return ep;
}

// TSC times as Unix seconds for a query log writer: TSC 0 is `unix0`.
inline std::function<double(uint64_t)> unix_from(double unix0, uint64_t hz) {
  return [unix0, hz](uint64_t tsc) { return unix0 + static_cast<double>(tsc) / static_cast<double>(hz); };
}

}  // namespace dnstest

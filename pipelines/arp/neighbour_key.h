// The key the ARP stage files what it knows about one neighbour under, (IPv4 address in host
// order, port, VLAN) in 64 bits, and the hash its tables index by: the top half of key x 2^64/phi
// (Fibonacci hashing), which spreads consecutive addresses over every bucket.
#pragma once

#include <cstdint>

namespace rampart::arp {

constexpr uint64_t neighbour_key(uint32_t ip, uint16_t port, uint16_t vlan) {
  return uint64_t{ip} | uint64_t{port} << 32 | uint64_t{vlan} << 48;
}

constexpr uint32_t neighbour_hash(uint64_t key) {
  return static_cast<uint32_t>((key * 0x9e3779b97f4a7c15ULL) >> 32);
}

constexpr uint32_t neighbour_hash(uint32_t ip, uint16_t port, uint16_t vlan) {
  return neighbour_hash(neighbour_key(ip, port, vlan));
}

}  // namespace rampart::arp

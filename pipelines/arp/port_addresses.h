// The IPv4 addresses (and MAC) Rampart owns on each port: what the ARP responder answers for,
// the source of the requests it sends (resolution, scans) and the conflict detector's reference.
// Filled from the config before the pipeline starts; an address may be appended later by a
// control thread (append-only, published with a release store), so the data plane reads it
// without locks. Header-only and EAL-free: unit tests and the scanner use it directly.
#pragma once

#include <rte_ether.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rampart::arp {

inline constexpr size_t kMaxPortAddresses = 16;
inline constexpr uint16_t kMaxAddressPorts = RTE_MAX_ETHPORTS;

// One address with its subnet. `ip` is in host byte order; `vlan` 0 means untagged.
struct PortAddress {
  uint32_t ip = 0;
  uint8_t prefix_len = 32;
  uint16_t vlan = 0;

  uint32_t mask() const { return prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len); }
  bool contains(uint32_t addr) const { return (addr & mask()) == (ip & mask()); }
};

class PortAddresses {
 public:
  rte_ether_addr mac{};  // our MAC on this port (config override or the device's)

  size_t size() const { return n_.load(std::memory_order_acquire); }
  const PortAddress& operator[](size_t i) const { return addrs_[i]; }

  // Control thread only (single writer). False when full or already present.
  bool add(const PortAddress& a) {
    const size_t n = n_.load(std::memory_order_relaxed);
    if (n == kMaxPortAddresses || find(a.ip, a.vlan) != nullptr) return false;
    addrs_[n] = a;
    n_.store(n + 1, std::memory_order_release);
    return true;
  }

  // Our address `ip` on `vlan`, or nullptr.
  const PortAddress* find(uint32_t ip, uint16_t vlan) const {
    const size_t n = size();
    for (size_t i = 0; i < n; ++i)
      if (addrs_[i].ip == ip && addrs_[i].vlan == vlan) return &addrs_[i];
    return nullptr;
  }

  // True when `ip` is one of our addresses on any VLAN of this port.
  bool owns(uint32_t ip) const {
    const size_t n = size();
    for (size_t i = 0; i < n; ++i)
      if (addrs_[i].ip == ip) return true;
    return false;
  }

  // The address to send from when asking for `target` on `vlan`: the first one whose subnet
  // contains it, else the first one on that VLAN, else nullptr (nothing to send from).
  const PortAddress* source_for(uint32_t target, uint16_t vlan) const {
    const size_t n = size();
    const PortAddress* fallback = nullptr;
    for (size_t i = 0; i < n; ++i) {
      if (addrs_[i].vlan != vlan) continue;
      if (addrs_[i].contains(target)) return &addrs_[i];
      if (!fallback) fallback = &addrs_[i];
    }
    return fallback;
  }

 private:
  std::array<PortAddress, kMaxPortAddresses> addrs_{};
  std::atomic<size_t> n_{0};
};

// Every port's addresses, indexed by DPDK port id.
class AddressBook {
 public:
  PortAddresses& port(uint16_t id) { return ports_[id]; }
  const PortAddresses& port(uint16_t id) const { return ports_[id]; }

 private:
  std::array<PortAddresses, kMaxAddressPorts> ports_{};
};

}  // namespace rampart::arp

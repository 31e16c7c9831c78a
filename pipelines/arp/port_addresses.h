// The IPv4 addresses (and MAC) Rampart owns on each port: what the ARP responder answers for,
// the source of the requests it sends (resolution, scans) and the conflict detector's reference.
// Filled from the config before the pipeline starts; an address may be appended later by a
// control thread (append-only, published with a release store), so the data plane reads it
// without locks. The announce generation is how a control thread (the link watcher) asks the
// ARP stage to announce a port's addresses again. Header-only and EAL-free: unit tests and the
// scanner use it directly.
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
  // The subnet's network and broadcast addresses (prefix <= 30: /31 and /32 have none).
  bool is_network(uint32_t addr) const { return prefix_len <= 30 && addr == (ip & mask()); }
  bool is_broadcast(uint32_t addr) const { return prefix_len <= 30 && addr == (ip | ~mask()); }
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

  // The index of find(ip, vlan) (stable: addresses are only appended), or -1.
  int index_of(uint32_t ip, uint16_t vlan) const {
    const PortAddress* a = find(ip, vlan);
    return a ? static_cast<int>(a - addrs_.data()) : -1;
  }

  // True when `ip` is one of our addresses on any VLAN of this port. Only for telling our own
  // looped frames apart (they carry our MAC too); a conflict is per VLAN (find()), since the same
  // address on two VLANs lives in two broadcast domains.
  bool owns(uint32_t ip) const {
    const size_t n = size();
    for (size_t i = 0; i < n; ++i)
      if (addrs_[i].ip == ip) return true;
    return false;
  }

  // True when `ip` is the network or broadcast address of one of our subnets (prefix <= 30) on
  // `vlan`: no host has it, so no ARP may come from it.
  bool subnet_edge(uint32_t ip, uint16_t vlan) const {
    const size_t n = size();
    for (size_t i = 0; i < n; ++i)
      if (addrs_[i].vlan == vlan && (addrs_[i].is_network(ip) || addrs_[i].is_broadcast(ip))) return true;
    return false;
  }

  // Any thread: every address of the port is to be announced again (the link came back up).
  // The ARP stage compares the generation with the last one it acted on.
  void request_announce() { announce_gen_.fetch_add(1, std::memory_order_release); }
  uint32_t announce_generation() const { return announce_gen_.load(std::memory_order_acquire); }

  // Any lcore, when another station uses address `i`: true for the one caller that may defend it
  // now, i.e. nobody did in the last `interval` cycles. Kept here rather than in each ARP stage
  // instance so that RFC 5227's one defence per DEFEND_INTERVAL holds for the appliance, however
  // many lcores see the conflicting frames. The common case (defended recently) is a plain load.
  bool claim_defence(size_t i, uint64_t now, uint64_t interval) const {
    uint64_t last = defended_[i].load(std::memory_order_relaxed);
    if (last != 0 && now + 1 < last + interval) return false;
    return defended_[i].compare_exchange_strong(last, now + 1, std::memory_order_relaxed);
  }
  // Undoes a claim whose announcement could not be sent (no mbuf), so the next conflict tries.
  void release_defence(size_t i, uint64_t now) const {
    uint64_t mine = now + 1;
    defended_[i].compare_exchange_strong(mine, 0, std::memory_order_relaxed);
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
  std::atomic<uint32_t> announce_gen_{0};
  // Per address: TSC + 1 of its last defence, 0 = never. Run-time state, not configuration:
  // mutable so the stages, which see the book as const, can claim a defence.
  mutable std::array<std::atomic<uint64_t>, kMaxPortAddresses> defended_{};
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

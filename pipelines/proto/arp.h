// ARP (RFC 826, Ethernet/IPv4 only): decode one message with a precise reason for what is wrong,
// and write request/reply/gratuitous frames. Pure and DPDK-free: the ARP stage, the scanner,
// unit tests and the fuzzer call it directly. Addresses are in host byte order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rampart::proto {

inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;
inline constexpr size_t kArpLen = 28;           // Ethernet/IPv4 ARP body
inline constexpr size_t kEthMinFrame = 60;      // without FCS: shorter frames are padded

using ArpMac = std::array<uint8_t, 6>;

enum class ArpError : uint8_t {
  ok = 0,
  truncated,   // fewer than 28 bytes
  bad_htype,   // hardware type != 1 (Ethernet)
  bad_ptype,   // protocol type != 0x0800
  bad_hlen,    // hardware length != 6
  bad_plen,    // protocol length != 4
  bad_op,      // operation other than request (1) or reply (2)
  bad_sender,  // sender MAC multicast/broadcast, or sender IP multicast/broadcast
  count_
};

std::string_view to_string(ArpError e);

struct ArpMessage {
  uint16_t op = 0;
  ArpMac sha{};
  uint32_t spa = 0;
  ArpMac tha{};
  uint32_t tpa = 0;

  // Announces the sender's own binding: sender IP == target IP (request or reply form).
  bool gratuitous() const { return spa == tpa && spa != 0; }
  // RFC 5227 probe: a request from 0.0.0.0 checking whether tpa is in use.
  bool probe() const { return op == kArpRequest && spa == 0; }
};

// The fixed fields of the body at `l3` (kArpLen readable bytes): Ethernet hardware, IPv4
// protocol, 6- and 4-byte addresses. The first one that is wrong, or ok. Classify and parse_arp
// both judge the format with it, so they always agree on what an ARP frame is.
constexpr ArpError arp_format_error(const uint8_t* l3) noexcept {
  if (l3[0] != 0 || l3[1] != 1) return ArpError::bad_htype;
  if (l3[2] != 0x08 || l3[3] != 0x00) return ArpError::bad_ptype;
  if (l3[4] != 6) return ArpError::bad_hlen;
  if (l3[5] != 4) return ArpError::bad_plen;
  return ArpError::ok;
}
constexpr bool arp_format_ok(const uint8_t* l3) noexcept { return arp_format_error(l3) == ArpError::ok; }

// Reads the fields of a body whose length and format were already checked (by classify, for the
// ARP stage), and judges only what is left: the operation and the sender. ok, bad_op or
// bad_sender.
ArpError decode_arp(const uint8_t* l3, ArpMessage& out) noexcept;

// Decodes the ARP body at `l3` (`len` readable bytes, padding allowed): the length, then
// arp_format_error(), then decode_arp().
ArpError parse_arp(const uint8_t* l3, size_t len, ArpMessage& out) noexcept;

// Writes a complete Ethernet frame [802.1Q tag when vlan != 0] + ARP, zero-padded to 60 bytes.
// `buf` must hold kArpFrameMax bytes. Returns the frame length.
inline constexpr size_t kArpFrameMax = kEthMinFrame;
size_t write_arp_frame(uint8_t* buf, const ArpMac& eth_dst, const ArpMac& eth_src, uint16_t vlan,
                       uint16_t op, const ArpMac& sha, uint32_t spa, const ArpMac& tha,
                       uint32_t tpa) noexcept;

// A request for `target` from (our_mac, our_ip), broadcast.
size_t write_arp_request(uint8_t* buf, const ArpMac& our_mac, uint32_t our_ip, uint32_t target,
                         uint16_t vlan) noexcept;
// A gratuitous ARP announcing (our_mac, our_ip): the request form Linux sends (arping -U).
size_t write_gratuitous_arp(uint8_t* buf, const ArpMac& our_mac, uint32_t our_ip,
                            uint16_t vlan) noexcept;

// Turns the request in `frame` (ARP body at l3_offset, already parsed into `req`) into the
// reply from our_mac for req.tpa, in place: unicast to the requester, tags kept as they were.
void make_arp_reply_in_place(uint8_t* frame, size_t l3_offset, const ArpMessage& req,
                             const ArpMac& our_mac) noexcept;

}  // namespace rampart::proto

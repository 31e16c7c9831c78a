#include "proto/arp.h"

#include "proto/packet.h"

#include <cstring>

namespace rampart::proto {

namespace {

constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr ArpMac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr ArpMac kZeroMac = {};

using detail::load_be16;
using detail::load_be32;

uint8_t* put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
  return p + 2;
}
uint8_t* put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  return put16(p + 2, static_cast<uint16_t>(v));
}
uint8_t* put_mac(uint8_t* p, const ArpMac& m) {
  std::memcpy(p, m.data(), 6);
  return p + 6;
}

// Writes the 28-byte body; returns the byte after it.
uint8_t* put_arp_body(uint8_t* p, uint16_t op, const ArpMac& sha, uint32_t spa, const ArpMac& tha,
                      uint32_t tpa) {
  p = put16(p, 1);
  p = put16(p, kEtherIpv4);
  *p++ = 6;
  *p++ = 4;
  p = put16(p, op);
  p = put_mac(p, sha);
  p = put32(p, spa);
  p = put_mac(p, tha);
  return put32(p, tpa);
}

}  // namespace

std::string_view to_string(ArpError e) {
  switch (e) {
    case ArpError::ok: return "ok";
    case ArpError::truncated: return "truncated";
    case ArpError::bad_htype: return "bad_htype";
    case ArpError::bad_ptype: return "bad_ptype";
    case ArpError::bad_hlen: return "bad_hlen";
    case ArpError::bad_plen: return "bad_plen";
    case ArpError::bad_op: return "bad_op";
    case ArpError::bad_sender: return "bad_sender";
    default: return "unknown";
  }
}

ArpError decode_arp(const uint8_t* a, ArpMessage& out) noexcept {
  out.op = load_be16(a + 6);
  std::memcpy(out.sha.data(), a + 8, 6);
  out.spa = load_be32(a + 14);
  std::memcpy(out.tha.data(), a + 18, 6);
  out.tpa = load_be32(a + 24);
  if (out.op != kArpRequest && out.op != kArpReply) return ArpError::bad_op;
  // A group MAC, or a sender address no host can have, cannot own an address: learning it would
  // poison the table, and answering would send our reply to a group or to nobody. 0.0.0.0 itself
  // is an RFC 5227 probe's sender.
  const bool group_mac = (out.sha[0] & 1) != 0 || out.sha == kZeroMac;
  const bool group_ip = out.spa != 0 && !ipv4_host_address(out.spa);
  if (group_mac || group_ip) return ArpError::bad_sender;
  return ArpError::ok;
}

ArpError parse_arp(const uint8_t* a, size_t len, ArpMessage& out) noexcept {
  if (len < kArpLen) return ArpError::truncated;
  if (const ArpError e = arp_format_error(a); e != ArpError::ok) return e;
  return decode_arp(a, out);
}

size_t write_arp_frame(uint8_t* buf, const ArpMac& eth_dst, const ArpMac& eth_src, uint16_t vlan,
                       uint16_t op, const ArpMac& sha, uint32_t spa, const ArpMac& tha,
                       uint32_t tpa) noexcept {
  uint8_t* p = put_mac(buf, eth_dst);
  p = put_mac(p, eth_src);
  if (vlan != 0) {
    p = put16(p, kEtherVlan);
    p = put16(p, vlan & 0x0fff);
  }
  p = put16(p, kEtherArp);
  p = put_arp_body(p, op, sha, spa, tha, tpa);
  const size_t used = static_cast<size_t>(p - buf);
  std::memset(p, 0, kEthMinFrame - used);
  return kEthMinFrame;
}

size_t write_arp_request(uint8_t* buf, const ArpMac& our_mac, uint32_t our_ip, uint32_t target,
                         uint16_t vlan) noexcept {
  return write_arp_frame(buf, kBroadcast, our_mac, vlan, kArpRequest, our_mac, our_ip, kZeroMac,
                         target);
}

size_t write_gratuitous_arp(uint8_t* buf, const ArpMac& our_mac, uint32_t our_ip,
                            uint16_t vlan) noexcept {
  return write_arp_frame(buf, kBroadcast, our_mac, vlan, kArpRequest, our_mac, our_ip, kZeroMac,
                         our_ip);
}

void make_arp_reply_in_place(uint8_t* frame, size_t l3_offset, const ArpMessage& req,
                             const ArpMac& our_mac) noexcept {
  put_mac(frame, req.sha);  // Ethernet destination: the requester
  put_mac(frame + 6, our_mac);
  put_arp_body(frame + l3_offset, kArpReply, our_mac, req.tpa, req.sha, req.spa);
}

}  // namespace rampart::proto

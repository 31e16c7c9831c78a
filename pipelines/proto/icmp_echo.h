// ICMPv4 echo: recognise a request Rampart may answer and turn it into the reply in place.
// Pure and DPDK-free (unit-tested and fuzzed with the rest of proto).
#pragma once

#include <cstdint>

#include "proto/packet.h"

namespace rampart::proto {

// An unfragmented IPv4 ICMP echo request without IP options, in at most one VLAN tag (our
// addresses live on one 802.1Q VLAN: a double-tagged frame comes from inside another customer
// VLAN), parsed by parse_packet().
bool is_plain_icmp_echo_request(const ParsedPacket& p) noexcept;

// The IPv4 destination address (host order) of a parsed IPv4 frame.
uint32_t ipv4_destination(const uint8_t* frame, const ParsedPacket& p) noexcept;

// The IPv4 source address (host order) of a parsed IPv4 frame.
uint32_t ipv4_source(const uint8_t* frame, const ParsedPacket& p) noexcept;

// Rewrites the request in `frame` as its reply: Ethernet to the sender from `our_mac` (tags kept),
// IPv4 addresses swapped, TTL 64, header checksum recomputed; ICMP type 0 with the checksum
// adjusted incrementally (RFC 1624), identifier, sequence and data unchanged.
void make_icmp_echo_reply_in_place(uint8_t* frame, const ParsedPacket& p,
                                   const uint8_t our_mac[6]) noexcept;

}  // namespace rampart::proto

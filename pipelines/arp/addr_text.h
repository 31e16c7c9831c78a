// The text forms of the addresses ARP deals in, for telemetry answers, logs and saved scans: one
// writer each, so every place shows an address the same way.
#pragma once

#include <cstdint>
#include <string>

#include "proto/arp.h"

namespace rampart::arp {

// "10.0.0.1".
std::string format_ipv4(uint32_t host_order_ip);
// "00:16:3e:01:02:03".
std::string format_mac(const proto::ArpMac& mac);

}  // namespace rampart::arp

#include "arp/addr_text.h"

#include <arpa/inet.h>

#include <cstdio>

namespace rampart::arp {

std::string format_ipv4(uint32_t ip) {
  char buf[INET_ADDRSTRLEN];
  in_addr a{htonl(ip)};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string format_mac(const proto::ArpMac& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

}  // namespace rampart::arp

// Which ports' links came back up, from successive polls of their status: the control plane's
// link watcher (app/rampart/arp_wiring.cpp) reads each port's link every few hundred
// milliseconds, feeds it here, and on a down -> up transition asks the ARP stage to announce the
// port's addresses again (PortAddresses::request_announce()), so neighbours that flushed their
// caches while the link was down, or a switch that lost its MAC table, learn us again. The first
// status seen for a port is only remembered: the start-up announcement covers a port that is up
// then. Header-only and EAL-free.
#pragma once

#include <cstdint>
#include <vector>

namespace rampart::arp {

class LinkWatch {
 public:
  // True when `port` was seen down at the previous poll and is up now.
  bool update(uint16_t port, bool up) {
    if (port >= state_.size()) state_.resize(port + 1u, kUnknown);
    const uint8_t before = state_[port];
    state_[port] = up ? kUp : kDown;
    return before == kDown && up;
  }

 private:
  static constexpr uint8_t kUnknown = 0, kDown = 1, kUp = 2;
  std::vector<uint8_t> state_;
};

}  // namespace rampart::arp

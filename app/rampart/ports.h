// Port bring-up: EAL arguments that create each port's device, then queue set-up and start.
#pragma once

#include <string>
#include <vector>

#include "app/rampart/app_state.h"

namespace rampart::app {

// --vdev / -a arguments for every configured port.
std::vector<std::string> port_eal_args(const Config& cfg);

// Finds each port's DPDK id (after EAL init). Throws std::runtime_error.
void resolve_ports(AppState& app);

// Configures nb_rxq/nb_txq queues (already decided by the topology) and starts the port.
void start_port(AppState& app, PortRuntime& port);
void stop_ports(AppState& app);

// After the workers have stopped: returns to the pool the mbufs a device still holds for packets
// already sent, so the leak check counts only real leaks. Hardware PMDs free transmitted mbufs
// lazily, on later TX calls (none come after the drain); net_ring's TX ring is its RX ring, so
// what was sent last waits there unread. Returns how many packets were taken back from net_ring
// RX queues (they arrived after RX had stopped).
uint64_t reclaim_sent_mbufs(AppState& app);

}  // namespace rampart::app

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

}  // namespace rampart::app

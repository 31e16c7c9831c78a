// Turns the [pipeline] plan into runners: which lcore polls which RX queues, which stages it runs
// locally, and the rings that carry packets to stages on other lcores. Also decides how many RX
// and TX queues each port needs.
#pragma once

#include "app/rampart/app_state.h"

namespace rampart::app {

// After EAL init and resolve_ports(); before start_port(). Throws std::runtime_error.
void build_topology(AppState& app);

// "classify,arp,..." for one runner, for info and logs.
std::string describe_runner(const core::LcoreRunner& r);

}  // namespace rampart::app

// Everything the running appliance consists of, shared by start-up, telemetry handlers (which run
// on DPDK's telemetry threads) and shutdown. It lives for the whole process: telemetry threads
// may answer until exit, so it is never destroyed.
#pragma once

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/rampart/config.h"
#include "core/lcore_runner.h"
#include "core/run_control.h"

namespace rampart::app {

struct PortRuntime {
  const PortSettings* settings = nullptr;
  uint16_t id = 0;
  uint16_t nb_rxq = 0;
  uint16_t nb_txq = 0;
  bool rx_checksum_offload = false;  // enabled on the device
  rte_ether_addr mac{};
  std::string driver_name;
};

struct AppState {
  Config cfg;
  std::string version;
  rte_mempool* pool = nullptr;
  std::vector<PortRuntime> ports;
  std::vector<std::unique_ptr<core::LcoreRunner>> runners;
  std::vector<rte_ring*> rings;
  core::RunControl control;
  std::atomic<bool> stop_requested{false};
  uint64_t start_tsc = 0;
  int64_t start_unix = 0;
  unsigned mbufs_in_use_at_start = 0;
  std::atomic<int64_t> mbufs_in_use_at_exit{-1};  // set once the pipeline has drained

  const PortRuntime* port_by_name(const std::string& name) const {
    for (const auto& p : ports)
      if (p.settings->name == name) return &p;
    return nullptr;
  }
};

}  // namespace rampart::app

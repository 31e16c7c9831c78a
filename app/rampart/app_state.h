// Everything the running appliance consists of, shared by start-up, telemetry handlers (which run
// on DPDK's telemetry threads) and shutdown. It lives for the whole process: telemetry threads
// may answer until exit, so it is never destroyed.
#pragma once

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/rampart/config.h"
#include "arp/port_addresses.h"
#include "arp/scan_engine.h"
#include "core/capture_clock.h"
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
  // Packet time from the capture read ([pipeline] clock; null: the TSC). Shared by the runners.
  std::unique_ptr<core::CaptureClock> capture_clock;
  std::vector<rte_ring*> rings;
  arp::AddressBook arp_addresses;             // our IPv4 addresses and MAC per port (build_arp)
  std::unique_ptr<arp::ScanEngine> arp_scans;  // shared by every ARP stage instance (build_arp)
  core::RunControl control;
  std::atomic<bool> stop_requested{false};
  uint64_t start_tsc = 0;
  int64_t start_unix = 0;
  unsigned mbufs_in_use_at_start = 0;
  std::atomic<int64_t> mbufs_in_use_at_exit{-1};  // set once the pipeline has drained
  // Control-plane helpers (event and alert loggers, the query-log writer, the link watch), started
  // by the main thread during start-up. Each returns once control.state leaves running (or
  // reaches quit, after a last pass); shutdown joins them before the report and exit, so none is
  // still logging or writing while the process tears down (a detached logger crashed in spdlog's
  // destructors, and the query log's last records could be lost).
  std::vector<std::thread> control_threads;

  void join_control_threads() {
    for (auto& t : control_threads)
      if (t.joinable()) t.join();
    control_threads.clear();
  }

  // A TSC reading as Unix time in seconds: from the start-up pair (start_tsc, start_unix), or, with
  // the capture clock, from the capture's own time (packet times are the capture's).
  double unix_time(uint64_t tsc) const {
    const double hz = static_cast<double>(rte_get_tsc_hz());
    if (capture_clock)
      if (const uint64_t us = capture_clock->origin_us())
        return static_cast<double>(us) / 1e6 +
               (static_cast<double>(tsc) - static_cast<double>(capture_clock->start_tsc())) / hz;
    return static_cast<double>(start_unix) + (static_cast<double>(tsc) - static_cast<double>(start_tsc)) / hz;
  }

  const PortRuntime* port_by_name(const std::string& name) const {
    for (const auto& p : ports)
      if (p.settings->name == name) return &p;
    return nullptr;
  }
  // The name of port `id` for answers and logs; the id itself when no port has it.
  std::string port_name(uint16_t id) const {
    for (const auto& p : ports)
      if (p.id == id) return p.settings->name;
    return std::to_string(id);
  }

  // The instances of stage S (of class T) on every lcore that runs it, for telemetry readers.
  template <typename T>
  std::vector<const T*> stages_of(core::StageId s) const {
    std::vector<const T*> out;
    for (const auto& r : runners)
      if (const auto* st = dynamic_cast<const T*>(r->local_stage(s))) out.push_back(st);
    return out;
  }
};

}  // namespace rampart::app

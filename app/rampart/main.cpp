// rampart: EAL and config start-up, port bring-up, lcore launch, telemetry, and a graceful stop
// (stop RX, drain rings, flush TX, write the report, print a summary).
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "app/rampart/app_state.h"
#include "app/rampart/cli.h"
#include "app/rampart/commands.h"
#include "app/rampart/config.h"
#include "app/rampart/arp_commands.h"
#include "app/rampart/arp_scan_commands.h"
#include "app/rampart/dns_commands.h"
#include "app/rampart/ports.h"
#include "app/rampart/summary.h"
#include "app/rampart/telemetry.h"
#include "app/rampart/topology.h"
#include "rampart_version.h"

namespace {

using namespace rampart;
using namespace rampart::app;

// Never destroyed: telemetry threads may still answer while the process exits.
AppState* g_app = nullptr;

void on_signal(int) {
  if (g_app) g_app->stop_requested.store(true);
}

int worker_main(void* arg) {
  static_cast<core::LcoreRunner*>(arg)->run(g_app->control);
  return 0;
}

// True when `args` already give one of `opts`: "-l 0-3", "-l0-3", "--lcores=..." or "--lcores ...".
bool has_any(const std::vector<std::string>& args, std::initializer_list<const char*> opts) {
  for (const auto& a : args)
    for (const std::string o : opts) {
      const bool short_opt = o.size() == 2;
      if (a == o || a.rfind(o + "=", 0) == 0 || (short_opt && a.rfind(o, 0) == 0)) return true;
    }
  return false;
}

// Why `path` cannot take the report, or "" when it can: an existing file must be writable, a new
// one needs a writable directory.
std::string report_path_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "it is a directory";
    return ::access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
  }
  if (errno != ENOENT) return std::strerror(errno);
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (::stat(dir.c_str(), &st) != 0) return "its directory " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  return ::access(dir.c_str(), W_OK | X_OK) == 0 ? "" : "its directory " + dir + ": " + std::strerror(errno);
}

// The --file-prefix EAL ended up with (the command line may override the config's).
std::string effective_file_prefix(const std::vector<std::string>& eal, const std::string& fallback) {
  std::string prefix = fallback;
  for (size_t i = 0; i < eal.size(); ++i) {
    if (eal[i].rfind("--file-prefix=", 0) == 0) prefix = eal[i].substr(14);
    else if (eal[i] == "--file-prefix" && i + 1 < eal.size()) prefix = eal[i + 1];
  }
  return prefix;
}

std::vector<std::string> build_eal_args(const char* argv0, const Config& cfg,
                                        const std::vector<std::string>& cli) {
  std::vector<std::string> a{argv0};
  a.insert(a.end(), cfg.eal.args.begin(), cfg.eal.args.end());
  const std::vector<std::string> all = [&] {
    auto v = cfg.eal.args;
    v.insert(v.end(), cli.begin(), cli.end());
    return v;
  }();
  if (!has_any(all, {"-l", "-c", "--lcores"})) a.insert(a.end(), {"-l", cfg.eal.lcores});
  if (!has_any(all, {"--file-prefix"})) a.push_back("--file-prefix=" + cfg.eal.file_prefix);
  if (cfg.eal.memory_mb > 0 && !has_any(all, {"-m", "--socket-mem"}))
    a.insert(a.end(), {"-m", std::to_string(cfg.eal.memory_mb)});
  if (cfg.eal.no_huge && !has_any(all, {"--no-huge"})) a.push_back("--no-huge");
  // Never probe PCI devices nobody asked for (the host's own NIC may be one): without a PCI port
  // in the config and without an allow or block list of the operator's, PCI is off.
  const bool pci_ports = std::any_of(cfg.ports.begin(), cfg.ports.end(),
                                     [](const PortSettings& p) { return p.driver == "pci"; });
  const bool pci_listed = has_any(all, {"-a", "--allow", "-b", "--block"});
  if ((cfg.eal.no_pci || (!pci_ports && !pci_listed)) && !has_any(all, {"--no-pci"}))
    a.push_back("--no-pci");
  const auto ports = port_eal_args(cfg);
  a.insert(a.end(), ports.begin(), ports.end());
  a.insert(a.end(), cli.begin(), cli.end());
  return a;
}

// What --idle-exit watches: packets taken in, and polls that left input waiting for a full ring
// (the input is not drained while an lcore waits).
uint64_t packets_taken(const AppState& app) {
  uint64_t n = 0;
  for (const auto& r : app.runners) n += r->counters().packets.load() + r->counters().waiting_polls.load();
  return n;
}

// Stop RX, then wait until no packet is in flight: every ring empty and every worker idle for a
// few loops (idle loops flush TX). Bounded: a wedged pipeline must not block shutdown.
void drain(AppState& app) {
  app.control.state.store(core::RunState::rx_stopped);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int quiet_checks = 0;
  while (std::chrono::steady_clock::now() < deadline && quiet_checks < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    bool quiet = true;
    for (rte_ring* r : app.rings) quiet = quiet && rte_ring_count(r) == 0;
    for (const auto& r : app.runners) quiet = quiet && r->idle_streak() >= 3;
    quiet_checks = quiet ? quiet_checks + 1 : 0;
  }
  app.control.state.store(core::RunState::quit);
  rte_eal_mp_wait_lcore();
  // Anything a forced stop left in a ring is freed and counted, never leaked. The workers have
  // returned, so the main lcore may write the first runner's counters.
  uint64_t stranded = 0;
  for (rte_ring* r : app.rings) {
    void* objs[64];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
      stranded += n;
    }
  }
  if (stranded) {
    if (!app.runners.empty()) app.runners.front()->count_drop(core::DropReason::shutdown, stranded);
    spdlog::warn("shutdown: {} packets were still in rings and were dropped", stranded);
  }
}

int run(int argc, char** argv) {
  CliOptions cli;
  try {
    cli = parse_cli(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "rampart: %s\n%s", e.what(), usage_text());
    return 2;
  }
  if (cli.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (cli.version) {
    std::printf("rampart %s\n", RAMPART_VERSION);
    return 0;
  }

  g_app = new AppState();
  AppState& app = *g_app;
  app.version = RAMPART_VERSION;
  try {
    app.cfg = load_config(cli.config_path, cli.overrides);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "rampart: config error: %s\n", e.what());
    return 2;
  }
  const std::string level = cli.log_level.value_or(app.cfg.log_level);
  if (!is_log_level(level)) {
    std::fprintf(stderr, "rampart: unknown log level '%s' (trace, debug, info, warn, error, critical, off)\n",
                 level.c_str());
    return 2;
  }
  const auto lvl = spdlog::level::from_str(level);
  // Found now, not after a run of hours: the report is written on exit.
  if (cli.report_path) {
    if (const std::string why = report_path_problem(*cli.report_path); !why.empty()) {
      std::fprintf(stderr, "rampart: cannot write the report to %s: %s\n", cli.report_path->c_str(), why.c_str());
      return 2;
    }
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("rampart"));
  spdlog::set_level(lvl);

  std::vector<std::string> eal = build_eal_args(argv[0], app.cfg, cli.eal_args);
  std::string joined;
  for (const auto& s : eal) joined += s + " ";
  spdlog::debug("EAL arguments: {}", joined);
  std::vector<char*> eal_argv;
  for (auto& s : eal) eal_argv.push_back(s.data());
  eal_argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal.size()), eal_argv.data()) < 0) {
    spdlog::error("EAL initialisation failed: {}", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  try {
    app.pool = rte_pktmbuf_pool_create("rampart_mbufs", app.cfg.mempool.mbufs, app.cfg.mempool.cache,
                                       core::kMetaPrivSize, app.cfg.mempool.data_room,
                                       static_cast<int>(rte_socket_id()));
    if (!app.pool)
      throw std::runtime_error(std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno) +
                               " (lower [mempool] mbufs or give EAL more memory with -m)");
    resolve_ports(app);
    build_topology(app);
    for (auto& p : app.ports) start_port(app, p);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    rte_eal_cleanup();
    return 1;
  }
  app.mbufs_in_use_at_start = rte_mempool_in_use_count(app.pool);
  app.start_tsc = rte_rdtsc();
  app.start_unix = std::time(nullptr);
  register_core_commands(app);
  register_dns_commands(app);
  register_arp_commands(app);
  register_arp_scan_commands(app);
  TelemetryRegistry::instance().register_with_dpdk();

  bool launch_failed = false;
  for (auto& r : app.runners) {
    const int rc = rte_eal_remote_launch(worker_main, r.get(), r->lcore_id());
    if (rc != 0) {
      spdlog::error("cannot launch lcore {}: {}", r->lcore_id(), rte_strerror(-rc));
      app.stop_requested.store(true);
      launch_failed = true;
    }
  }

  const bool all_pcap = app.cfg.every_port_reads_pcap_file();
  if (cli.idle_exit_s > 0 && !all_pcap)
    spdlog::warn("--idle-exit applies only when every RX port reads a pcap file; ignoring it");
  const bool idle_exit = cli.idle_exit_s > 0 && all_pcap;
  const std::string prefix = effective_file_prefix(eal, app.cfg.eal.file_prefix);
  spdlog::info("running; file-prefix {}, telemetry: dpdk-telemetry.py -f {}", prefix, prefix);

  uint64_t last_seen = 0;
  auto last_change = std::chrono::steady_clock::now();
  while (!app.stop_requested.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!idle_exit) continue;
    const uint64_t seen = packets_taken(app);
    const auto now = std::chrono::steady_clock::now();
    if (seen != last_seen) {
      last_seen = seen;
      last_change = now;
    } else if (std::chrono::duration<double>(now - last_change).count() >= cli.idle_exit_s) {
      spdlog::info("input drained: no packet for {} s", cli.idle_exit_s);
      break;
    }
  }

  drain(app);
  // After drain the state is quit: the helpers make their last pass (the query log writes what is
  // left) and return, so the report below sees their final counts.
  app.join_control_threads();
  if (const uint64_t unread = reclaim_sent_mbufs(app))
    spdlog::info("shutdown: {} packets sent into net_ring ports after RX stopped were freed unread", unread);
  app.mbufs_in_use_at_exit.store(rte_mempool_in_use_count(app.pool));
  const json::Value snapshot = TelemetryRegistry::instance().snapshot();
  int rc = launch_failed ? 1 : 0;
  bool report_written = false;
  if (cli.report_path) {
    errno = 0;
    std::ofstream f(*cli.report_path);
    f << json::write(snapshot, 2) << "\n";
    f.flush();
    report_written = static_cast<bool>(f);
    if (!report_written) {
      spdlog::error("cannot write the report to {}: {}", *cli.report_path,
                    errno ? std::strerror(errno) : "write failed");
      rc = 1;
    }
  }
  stop_ports(app);
  print_summary(snapshot, stdout);
  if (report_written) std::printf("report: %s\n", cli.report_path->c_str());
  std::fflush(stdout);
  if (app.mbufs_in_use_at_exit.load() != static_cast<int64_t>(app.mbufs_in_use_at_start)) {
    // A leak is a bug: fail loudly so tests and operators' scripts notice.
    spdlog::error("mbuf leak: {} in use at start, {} at exit", app.mbufs_in_use_at_start,
                  app.mbufs_in_use_at_exit.load());
    rc = 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rampart: %s\n", e.what());
    return 1;
  }
}

// ARP scan request generation on one lcore into a net_null port, unpaced (pps 0). Prints one
// JSON line for tools/bench/arp_scan_bench.py:
//   stage: the path rampart runs (/15 scans with 100 tries, back to back): a core::LcoreRunner polling the port's (empty: no-rx=1) RX
//          queue, whose idle loop calls ArpStage::flush() -> ScanEngine::generate() ->
//          StageContext::emit() -> the TX stage's pending burst -> TxStage -> rte_eth_tx_burst;
//          the main lcore restarts scans as they end, as the control plane would. Mpps and
//          cycles/packet for --seconds.
//   rate:  ScanEngine::generate() + rte_eth_tx_burst alone in a tight loop (the engine's own
//          ceiling, without the stage and runner around it), the same scans for the same time.
//   slash16: a /16 with 2 tries (nobody answers on net_null, so 131068 requests), engine loop:
//          time from start to the last request with timeout_ms 0 (generation alone) and with the
//          default 50 ms timeout to the end of the scan (the two waits included).
// EAL args first, then "--", then [--seconds N] [--burst N].
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <memory>
#include <string>

#include "arp/arp_stage.h"
#include "arp/scan_engine.h"
#include "core/lcore_runner.h"
#include "core/meta.h"
#include "tx/tx_stage.h"

namespace {

using namespace rampart;

struct Loop {
  arp::ScanEngine* engine;
  rte_mempool* pool;
  uint16_t port;
  uint16_t burst;
  uint64_t stop_tsc;      // run until then (0: until the scan is no longer running)
  uint32_t scan_id;
  arp::ScanRequest next{};  // the scan restarted in rate mode
  uint64_t scans = 1;
  uint64_t sent = 0, tx_dropped = 0, last_send_tsc = 0, end_tsc = 0;
};

int run_loop(void* arg) {
  auto* l = static_cast<Loop*>(arg);
  rte_mbuf* m[256];
  arp::ScanInfo info;
  uint64_t polls = 0;
  for (;;) {
    const uint64_t now = rte_rdtsc();
    const uint16_t n = l->engine->generate(now, l->pool, m, l->burst);
    if (n) {
      const uint16_t tx = rte_eth_tx_burst(l->port, 0, m, n);
      if (tx < n) {
        rte_pktmbuf_free_bulk(m + tx, n - tx);
        l->tx_dropped += n - tx;
      }
      l->sent += n;
      l->last_send_tsc = now;
    }
    if (l->stop_tsc) {
      if (now >= l->stop_tsc) break;
      // Back to back scans: a new one as soon as one ends (its start-up is part of the rate).
      if (n == 0 && (!l->engine->info(l->scan_id, now, &info) || info.state != arp::ScanState::running)) {
        std::string err;
        l->scan_id = l->engine->start(l->next, now, &err);
        ++l->scans;
      }
    } else if ((++polls & 255) == 0 || n == 0) {
      if (!l->engine->info(l->scan_id, now, &info) || info.state != arp::ScanState::running) break;
    }
  }
  l->end_tsc = rte_rdtsc();
  return 0;
}

arp::ScanRequest scan_of(const char* cidr, uint16_t port, uint32_t tries, uint32_t timeout_ms) {
  arp::ScanRequest r;
  std::string err;
  arp::parse_scan_cidr(cidr, &r.range, &err);
  r.port = port;
  r.pps = 0;
  r.tries = tries;
  r.timeout_ms = timeout_ms;
  r.src_ip = 0x0a400001;
  r.src_mac = {{0x02, 0, 0, 0, 0, 1}};
  return r;
}

arp::ScanRequest slash16(uint16_t port, uint32_t tries, uint32_t timeout_ms) {
  return scan_of("10.64.0.0/16", port, tries, timeout_ms);
}

// The sustained-rate scans: a /15 with 100 tries, 13.1 M requests each. A /16's 6.5 M ended
// so fast on an idle machine (8 a second) that the engine's 16 slots, each reusable 2 s after
// its scan ended, ran out and the loops stalled waiting for one.
constexpr unsigned kRateHostBits = 17;
arp::ScanRequest rate_scan(uint16_t port) { return scan_of("10.64.0.0/15", port, arp::kMaxScanTries, 0); }

double seconds(uint64_t cycles) { return static_cast<double>(cycles) / static_cast<double>(rte_get_tsc_hz()); }

struct RunnerLoop {
  core::LcoreRunner* runner;
  const core::RunControl* control;
};

int run_runner(void* arg) {
  auto* r = static_cast<RunnerLoop*>(arg);
  r->runner->run(*r->control);
  return 0;
}

struct StageResult {
  uint64_t sent = 0, tx_dropped = 0;
  double seconds = 0;
};

// The ARP stage and the TX stage on `worker`'s runner, as build_topology() puts them; the main
// lcore keeps two scans running (each restarted when it ends) for run_s seconds.
StageResult run_stage_path(uint16_t port, rte_mempool* pool, unsigned worker, uint16_t burst,
                           double run_s) {
  const uint64_t hz = rte_get_tsc_hz();
  arp::ScanEngine engine(hz, kRateHostBits);
  arp::AddressBook book;
  book.port(port).mac = {{0x02, 0, 0, 0, 0, 1}};
  arp::ArpStageParams sp;
  sp.forward.policy = core::Policy::drop;
  sp.addresses = &book;
  sp.ports = {port};
  sp.pool = pool;
  sp.tsc_hz = hz;
  sp.scans = &engine;
  sp.announce = false;
  auto stage = std::make_unique<arp::ArpStage>(sp);
  const arp::ArpStage* arp_stage = stage.get();
  core::LcoreRunner runner(worker, burst, hz / 10000);
  runner.add_rx_queue(port, 0);
  runner.set_local_stage(std::move(stage));
  runner.set_local_stage(std::make_unique<tx::TxStage>(std::vector<tx::TxQueue>{{port, 0}}, burst));
  std::string err;
  uint32_t ids[2];
  for (uint32_t& id : ids) id = engine.start(rate_scan(port), rte_rdtsc(), &err);
  core::RunControl control;
  RunnerLoop loop{&runner, &control};
  const uint64_t t0 = rte_rdtsc();
  const uint64_t stop = t0 + static_cast<uint64_t>(run_s * static_cast<double>(hz));
  rte_eal_remote_launch(run_runner, &loop, worker);
  arp::ScanInfo info;
  while (rte_rdtsc() < stop) {
    usleep(1000);
    for (uint32_t& id : ids)
      if (!engine.info(id, rte_rdtsc(), &info) || info.state != arp::ScanState::running)
        id = engine.start(rate_scan(port), rte_rdtsc(), &err);
  }
  control.state.store(core::RunState::quit);
  rte_eal_wait_lcore(worker);
  StageResult r;
  r.seconds = seconds(rte_rdtsc() - t0);
  r.sent = arp_stage->counters().scan_requests_out.load();
  r.tx_dropped = runner.counters().drops[static_cast<size_t>(core::DropReason::tx_full)].load();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  // Only virtual devices are benchmarked: PCI stays off whatever the caller passed (the host's
  // own NIC may be a PCI device).
  std::vector<char*> eal(argv, argv + argc);
  bool no_pci = false;
  for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; ++i) no_pci |= !std::strcmp(argv[i], "--no-pci");
  char no_pci_arg[] = "--no-pci";
  if (!no_pci) eal.insert(eal.begin() + 1, no_pci_arg);
  const int extra = no_pci ? 0 : 1;
  const int used = rte_eal_init(static_cast<int>(eal.size()), eal.data()) - extra;
  if (used < 0) {
    std::fprintf(stderr, "EAL init failed\n");
    return 1;
  }
  double run_s = 5;
  uint16_t burst = 32;
  for (int i = used + 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) run_s = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--burst")) burst = static_cast<uint16_t>(std::atoi(argv[i + 1]));
  }
  if (rte_eth_dev_count_avail() < 1) {
    std::fprintf(stderr, "no port: pass --vdev net_null0\n");
    return 1;
  }
  const uint16_t port = 0;
  // The size testpmd uses by default (--total-num-mbufs), with Rampart's metadata area.
  rte_mempool* pool = rte_pktmbuf_pool_create("scan_bench", 16383, 256, core::kMetaPrivSize,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  rte_eth_conf conf{};
  if (!pool || rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
      rte_eth_rx_queue_setup(port, 0, 512, rte_socket_id(), nullptr, pool) < 0 ||
      rte_eth_tx_queue_setup(port, 0, 512, rte_socket_id(), nullptr) < 0 || rte_eth_dev_start(port) < 0) {
    std::fprintf(stderr, "port set-up failed\n");
    return 1;
  }
  const unsigned worker = rte_get_next_lcore(-1, 1, 0);
  if (worker >= RTE_MAX_LCORE) {
    std::fprintf(stderr, "needs two lcores (-l 0-1): the main one waits, the worker generates\n");
    return 1;
  }
  const uint64_t hz = rte_get_tsc_hz();
  std::string err;

  // 1. Sustained rate, through the stage, then the engine alone.
  const StageResult stage = run_stage_path(port, pool, worker, burst, run_s);
  arp::ScanEngine rate_engine(hz, kRateHostBits);
  const uint32_t rate_id = rate_engine.start(rate_scan(port), rte_rdtsc(), &err);
  Loop rate{&rate_engine, pool, port, burst, 0, rate_id, rate_scan(port)};
  const uint64_t t0 = rte_rdtsc();
  rate.stop_tsc = t0 + static_cast<uint64_t>(run_s * static_cast<double>(hz));
  rte_eal_remote_launch(run_loop, &rate, worker);
  rte_eal_wait_lcore(worker);
  const double rate_s = seconds(rate.end_tsc - t0);

  // 2. A /16 with two tries: generation alone, then with the default timeout.
  double gen_s[2] = {0, 0}, total_s[2] = {0, 0};
  uint64_t gen_sent[2] = {0, 0};
  const uint32_t timeouts[2] = {0, arp::kDefaultScanTimeoutMs};
  for (int k = 0; k < 2; ++k) {
    arp::ScanEngine e(hz);
    const uint64_t start = rte_rdtsc();
    const uint32_t id = e.start(slash16(port, 2, timeouts[k]), start, &err);
    Loop l{&e, pool, port, burst, 0, id};
    rte_eal_remote_launch(run_loop, &l, worker);
    rte_eal_wait_lcore(worker);
    gen_s[k] = seconds(l.last_send_tsc - start);
    total_s[k] = seconds(l.end_tsc - start);
    gen_sent[k] = l.sent;
  }
  std::printf("{\"stage_rate_pps\": %.0f, \"stage_seconds\": %.3f, \"stage_sent\": %llu, "
              "\"stage_tx_dropped\": %llu, \"stage_cycles_per_packet\": %.1f, ",
              static_cast<double>(stage.sent) / stage.seconds, stage.seconds,
              static_cast<unsigned long long>(stage.sent), static_cast<unsigned long long>(stage.tx_dropped),
              stage.seconds * static_cast<double>(hz) / static_cast<double>(stage.sent ? stage.sent : 1));
  std::printf("\"rate_pps\": %.0f, \"rate_seconds\": %.3f, \"rate_sent\": %llu, \"tx_dropped\": %llu, "
              "\"cycles_per_packet\": %.1f, \"tsc_hz\": %llu, \"burst\": %u, \"rate_scans\": %llu, "
              "\"slash16_requests\": %llu, \"slash16_gen_s\": %.6f, \"slash16_gen_total_s\": %.6f, "
              "\"slash16_default_requests\": %llu, \"slash16_default_last_send_s\": %.6f, "
              "\"slash16_default_total_s\": %.6f, \"default_timeout_ms\": %u}\n",
              static_cast<double>(rate.sent) / rate_s, rate_s, static_cast<unsigned long long>(rate.sent),
              static_cast<unsigned long long>(rate.tx_dropped),
              static_cast<double>(rate.end_tsc - t0) / static_cast<double>(rate.sent ? rate.sent : 1),
              static_cast<unsigned long long>(hz), burst, static_cast<unsigned long long>(rate.scans), static_cast<unsigned long long>(gen_sent[0]),
              gen_s[0], total_s[0], static_cast<unsigned long long>(gen_sent[1]), gen_s[1], total_s[1],
              arp::kDefaultScanTimeoutMs);
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
  rte_eal_cleanup();
  return 0;
}

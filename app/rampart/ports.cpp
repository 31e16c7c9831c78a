#include "app/rampart/ports.h"

#include <rte_ethdev.h>

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>

namespace rampart::app {

namespace {
// A key made of one repeated 16-bit pattern hashes (a,b) and (b,a) to the same queue, so both
// directions of a flow reach the same lcore (needed by the SYN proxy's per-lcore tables).
std::array<uint8_t, 40> symmetric_rss_key() {
  std::array<uint8_t, 40> key{};
  for (size_t i = 0; i < key.size(); i += 2) {
    key[i] = 0x6d;
    key[i + 1] = 0x5a;
  }
  return key;
}

[[noreturn]] void port_fail(const PortRuntime& p, const std::string& what, int rc) {
  throw std::runtime_error("port " + p.settings->name + ": " + what + ": " + rte_strerror(-rc));
}
}  // namespace

// The ports only: a PCI port is allow-listed (-a), which stops EAL probing any other PCI device;
// with no PCI port at all, build_eal_args() (main.cpp) adds --no-pci.
std::vector<std::string> port_eal_args(const Config& cfg) {
  std::vector<std::string> args;
  for (const auto& p : cfg.ports) {
    if (p.driver == "pci") {
      args.push_back("-a");
      args.push_back(p.pci);
    } else {
      const std::string devargs = p.devargs();
      args.push_back("--vdev=" + p.vdev_name() + (devargs.empty() ? "" : "," + devargs));
    }
  }
  return args;
}

void resolve_ports(AppState& app) {
  app.ports.clear();
  for (const auto& s : app.cfg.ports) {
    PortRuntime p;
    p.settings = &s;
    const std::string dev = s.driver == "pci" ? s.pci : s.vdev_name();
    if (rte_eth_dev_get_port_by_name(dev.c_str(), &p.id) != 0)
      throw std::runtime_error("port " + s.name + ": device '" + dev +
                               "' did not come up (check the driver arguments and EAL's messages above)");
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(p.id, &info) == 0 && info.driver_name) p.driver_name = info.driver_name;
    rte_eth_macaddr_get(p.id, &p.mac);
    app.ports.push_back(p);
  }
}

void start_port(AppState& app, PortRuntime& p) {
  const PortSettings& s = *p.settings;
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(p.id, &info);
  if (rc != 0) port_fail(p, "device info", rc);
  if (p.nb_rxq > info.max_rx_queues || p.nb_txq > info.max_tx_queues)
    throw std::runtime_error("port " + s.name + ": needs " + std::to_string(p.nb_rxq) + " RX / " +
                             std::to_string(p.nb_txq) + " TX queues, device offers " +
                             std::to_string(info.max_rx_queues) + " / " + std::to_string(info.max_tx_queues) +
                             (s.driver == "net_af_packet" ? " (raise args.qpairs)" : ""));

  static std::array<uint8_t, 40> key = symmetric_rss_key();
  rte_eth_conf conf{};
  if (p.nb_rxq > 1 && s.rss) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  if (s.rx_checksum_offload &&
      (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM) == RTE_ETH_RX_OFFLOAD_CHECKSUM) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_CHECKSUM;
    p.rx_checksum_offload = true;
  }
  rc = rte_eth_dev_configure(p.id, p.nb_rxq, p.nb_txq, &conf);
  if (rc != 0) port_fail(p, "configure", rc);
  uint16_t rxd = s.rx_desc, txd = s.tx_desc;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(p.id, &rxd, &txd);
  if (rc != 0) port_fail(p, "descriptor counts", rc);
  const int socket = rte_eth_dev_socket_id(p.id);
  for (uint16_t q = 0; q < p.nb_rxq; ++q) {
    rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    rc = rte_eth_rx_queue_setup(p.id, q, rxd, socket, &rxconf, app.pool);
    if (rc != 0) port_fail(p, "RX queue " + std::to_string(q), rc);
  }
  for (uint16_t q = 0; q < p.nb_txq; ++q) {
    rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    rc = rte_eth_tx_queue_setup(p.id, q, txd, socket, &txconf);
    if (rc != 0) port_fail(p, "TX queue " + std::to_string(q), rc);
  }
  if (s.promiscuous) {
    rc = rte_eth_promiscuous_enable(p.id);
    if (rc != 0 && rc != -ENOTSUP) spdlog::warn("port {}: promiscuous mode: {}", s.name, rte_strerror(-rc));
  }
  rc = rte_eth_dev_start(p.id);
  if (rc != 0) port_fail(p, "start", rc);
  spdlog::info("port {}: id {} driver {} rxq {} txq {} rxd {} txd {}{}", s.name, p.id, p.driver_name,
               p.nb_rxq, p.nb_txq, rxd, txd, p.rx_checksum_offload ? " rx-checksum-offload" : "");
}

uint64_t reclaim_sent_mbufs(AppState& app) {
  uint64_t unread = 0;
  for (auto& p : app.ports) {
    // Drivers without it (net_pcap, af_packet, tap, null free on TX) answer -ENOTSUP.
    for (uint16_t q = 0; q < p.nb_txq; ++q) rte_eth_tx_done_cleanup(p.id, q, 0);
    if (p.settings == nullptr || p.settings->driver != "net_ring") continue;
    for (uint16_t q = 0; q < p.nb_rxq; ++q) {
      rte_mbuf* pkts[64];
      // Bounded: the ring holds at most what was sent into it before the workers stopped.
      for (int round = 0; round < 4096; ++round) {
        const uint16_t n = rte_eth_rx_burst(p.id, q, pkts, 64);
        if (n == 0) break;
        rte_pktmbuf_free_bulk(pkts, n);
        unread += n;
      }
    }
  }
  return unread;
}

void stop_ports(AppState& app) {
  for (auto& p : app.ports) {
    // Stopping and closing flushes drivers that write files (net_pcap's output pcap).
    rte_eth_dev_stop(p.id);
    rte_eth_dev_close(p.id);
  }
}

}  // namespace rampart::app

// The TOML configuration: loaded, overridden by --set, validated, and turned into plain structs.
// Every key is documented in docs/configuration.md with its default; unknown keys are errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arp/arp_config.h"
#include "arp/port_addresses.h"
#include "classify/classify_stage.h"
#include "core/stage_id.h"
#include "dns/dns_config.h"
#include "forward/forward_stage.h"

namespace rampart::app {

// A refused configuration: what() reads "FILE:LINE: key 'a.b': reason" (or "--set a.b: reason").
class ConfigError : public std::runtime_error {
 public:
  // `located`: the message already says where (a file and line, or the --set that caused it);
  // load_config names the config file in front of the others.
  explicit ConfigError(const std::string& what, bool located = true)
      : std::runtime_error(what), located_(located) {}
  bool located() const { return located_; }

 private:
  bool located_;
};

struct EalSettings {
  std::vector<std::string> args;  // passed to EAL before the command line's own EAL args
  std::string lcores = "0-1";     // -l, unless the command line gives -l/-c/--lcores
  std::string file_prefix = "rampart";
  int64_t memory_mb = 0;          // -m when > 0
  bool no_huge = false;
  bool no_pci = false;
};

struct PortSettings {
  std::string name;
  std::string profile;  // drivers-config/<profile>.toml supplies defaults
  std::string driver;   // net_pcap, net_af_packet, net_tap, net_ring, net_null, or "pci"
  std::vector<std::pair<std::string, std::string>> args;  // vdev devargs, in order
  std::string pci;      // PCI address when driver == "pci"
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  bool promiscuous = true;
  bool rss = true;                  // spread RX over queues with a symmetric key
  bool rx_checksum_offload = true;  // when the NIC offers it
  std::string peer;                 // bump-in-the-wire partner port
  std::vector<arp::PortAddress> ipv4;  // our addresses on this port (answered by the ARP stage)
  std::optional<rte_ether_addr> mac;   // our MAC override; default: the device's

  std::string vdev_name() const { return driver + "_" + name; }
  std::string devargs() const;
  // True when RX reads a finite pcap file: the port drains, so --idle-exit applies.
  bool reads_pcap_file() const;
};

struct LcoreSettings {
  unsigned lcore = 0;
  std::vector<std::pair<std::string, uint16_t>> rx;  // (port name, queue)
  std::vector<core::StageId> stages;
};

struct PipelineSettings {
  uint16_t burst = 32;
  uint32_t ring_size = 1024;
  uint32_t drain_us = 100;
  std::string full_ring = "auto";  // "drop", "wait", or "auto": wait when every port reads a pcap file
  std::string clock = "auto";      // "tsc", "capture", or "auto": capture when every port reads a pcap file
  std::vector<LcoreSettings> lcores;  // empty: everything on the first worker lcore
};

struct MempoolSettings {
  uint32_t mbufs = 16383;
  uint32_t cache = 256;
  uint16_t data_room = 2176;  // RTE_MBUF_DEFAULT_BUF_SIZE
};

struct PathPolicy {
  forward::Policy policy = forward::Policy::bump;
  bool reflect_swap_mac = true;
};

struct Config {
  std::string path;
  EalSettings eal;
  std::string log_level = "info";
  MempoolSettings mempool;
  std::vector<PortSettings> ports;  // in file order (DPDK port ids follow it)
  PipelineSettings pipeline;
  classify::ClassifyConfig classify;
  std::map<core::StageId, PathPolicy> paths;  // arp, dns, tcp, other
  dns::DnsConfig dns;                         // [stages.dns] beyond the path policy
  arp::ArpConfig arp;                         // [stages.arp] beyond the path policy
  // [stages.dns] observe: false serves the dns path with the plain forwarding stage (no DNS
  // parsing, statistics or detectors), e.g. to measure classify+TX alone.
  bool dns_observe = true;

  const PortSettings* port(const std::string& name) const;
  // Offline: every port reads a pcap file once (no live interface, no infinite replay).
  bool every_port_reads_pcap_file() const;
  // [pipeline] full_ring resolved: lcores wait for a full ring instead of dropping.
  bool wait_on_full_rings() const;
  // [pipeline] clock resolved: packet time is the capture's (core/capture_clock.h).
  bool capture_clock() const;
};

struct Override {
  std::string key;    // dotted path, e.g. ports.wire0.args.rx_pcap
  std::string value;  // TOML value; anything that does not parse as one is taken as a string
};

// Reads `path`, applies overrides, validates. Throws ConfigError.
Config load_config(const std::string& path, const std::vector<Override>& overrides);

// The log levels [log] level and --log-level accept.
bool is_log_level(const std::string& level);

// Where port profiles are looked for (first match wins).
std::vector<std::string> drivers_config_dirs(const std::string& config_path);

// Why the plan lets a DNS query and its response reach different DNS-stage instances (so they
// never match), or empty (dns/topology_check.h). load_config refuses such a plan unless
// [stages.dns] allow_split_transactions is true.
std::string dns_split_transactions(const Config& cfg);

}  // namespace rampart::app

#include "app/rampart/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "app/rampart/arp_settings.h"
#include "app/rampart/config_reader.h"
#include "app/rampart/toml_depth.h"
#include "dns/topology_check.h"

#ifndef RAMPART_DRIVERS_DIR
#define RAMPART_DRIVERS_DIR ""
#endif
#ifndef RAMPART_INSTALLED_DRIVERS_DIR
#define RAMPART_INSTALLED_DRIVERS_DIR "/usr/local/share/rampart/drivers-config"
#endif

namespace rampart::app {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kDrivers = {"net_pcap", "net_af_packet", "net_tap", "net_ring",
                                           "net_null", "pci"};
const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn",
                                             "error", "critical", "off"};
const std::vector<std::string> kPolicies = {"bump", "reflect", "drop"};
const std::vector<std::string> kFullRing = {"auto", "drop", "wait"};
const std::vector<std::string> kClock = {"auto", "tsc", "capture"};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// 1..max_len characters, each a letter, a digit, '_' or one of `extra` (ASCII only, whatever the
// locale).
bool word(const std::string& s, size_t max_len, std::string_view extra = "") {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           extra.find(c) != std::string_view::npos;
  });
}

bool valid_name(const std::string& s) { return word(s, 32); }

void apply_override(toml::table& root, const Override& o, std::set<std::string>& overridden) {
  const auto parts = split(o.key, '.');
  for (const auto& p : parts)
    if (p.empty()) throw ConfigError("--set " + o.key + ": empty component in key");
  toml::table* t = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* n = t->get(parts[i]);
    if (!n) {
      t->insert(parts[i], toml::table{});
      n = t->get(parts[i]);
    }
    if (!n->is_table())
      throw ConfigError("--set " + o.key + ": '" + parts[i] + "' is not a table in the config");
    t = n->as_table();
  }
  // A value that reads as TOML (number, bool, array, quoted string) keeps its type; anything
  // else (a path, a bare word) is a string, so shells need no extra quoting.
  if (const uint32_t line = line_of_too_deep_key(o.value))
    throw ConfigError("--set " + o.key + ": a key in the value has more than " +
                      std::to_string(kMaxKeyComponents) + " components");
  try {
    toml::table doc = toml::parse("v = " + o.value);
    t->insert_or_assign(parts.back(), *doc.get("v"));
  } catch (const toml::parse_error&) {
    t->insert_or_assign(parts.back(), o.value);
  }
  overridden.insert(o.key);
}

toml::table parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw ConfigError(path + ": cannot read the file");
  const std::string doc = text.str();
  if (const uint32_t line = line_of_too_deep_key(doc))
    throw ConfigError(path + ":" + std::to_string(line) + ": a key with more than " +
                      std::to_string(kMaxKeyComponents) + " components");
  try {
    return toml::parse(doc, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw ConfigError(out.str());
  }
}

std::string scalar_text(const toml::node& n, ConfigReader& r, const std::string& key) {
  if (n.is_string()) return n.as_string()->get();
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_boolean()) return n.as_boolean()->get() ? "1" : "0";
  r.fail(key, "device arguments must be strings, integers or booleans");
}

// std::filesystem's queries throw for some paths (a name longer than NAME_MAX, found by
// fuzz-config: std::terminate instead of a config error); these ask without throwing.
bool regular_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

fs::path find_profile(const std::string& profile, const std::string& config_path) {
  const fs::path config_dir = fs::path(config_path).parent_path();
  if (profile.find('/') != std::string::npos || profile.ends_with(".toml")) {
    fs::path p(profile);
    return p.is_absolute() ? p : config_dir / p;
  }
  for (const auto& dir : drivers_config_dirs(config_path)) {
    fs::path p = fs::path(dir) / (profile + ".toml");
    if (regular_file(p)) return p;
  }
  return {};
}

// DPDK splits a device's arguments at ',' and each at '=': a comma in a value would silently
// add or cut arguments (rx_pcap="a.pcap,tx_pcap=b.pcap" writes b.pcap), an '=' cut the value.
void check_device_arg(ConfigReader& ar, const std::string& key, const std::string& value) {
  if (!word(key, key.size())) ar.fail(key, "device argument names are letters, digits and '_'");
  if (value.find_first_of(",=") != std::string::npos)
    ar.fail(key, "a device argument cannot contain ',' or '=' (DPDK splits arguments there)");
}

// Reads the port keys one table (a profile, or the port's own table) sets, on top of `s`.
// Tables are read in layers rather than merged into a copy: toml++ drops source positions when
// copying nodes, and every error must name its file and line. A profile's keys never come from
// --set (`overridden` is null for it), so its errors name the profile's file.
void apply_port_layer(ConfigReader& r, PortSettings& s, const std::string& prefix,
                      const std::set<std::string>* overridden, bool is_profile,
                      const std::set<std::string>& port_names) {
  if (is_profile && r.has("profile")) r.fail("profile", "a profile cannot name another profile");
  r.string("profile", "");  // resolved by the caller
  if (r.has("driver")) s.driver = r.one_of("driver", "", kDrivers);
  if (const toml::table* args = r.table("args")) {
    ConfigReader ar(*args, prefix + ".args", overridden);
    for (const auto& [k, v] : *args) {
      const std::string key(k.str());
      std::string value = scalar_text(v, ar, key);
      check_device_arg(ar, key, value);
      auto it = std::find_if(s.args.begin(), s.args.end(), [&](const auto& a) { return a.first == key; });
      // An empty value removes a profile's argument (e.g. --set ports.p.args.tx_pcap=).
      if (value.empty()) {
        if (it != s.args.end()) s.args.erase(it);
      } else if (it != s.args.end()) {
        it->second = std::move(value);
      } else {
        s.args.emplace_back(key, std::move(value));
      }
    }
  }
  s.pci = r.string("pci", s.pci);
  s.rx_desc = static_cast<uint16_t>(r.integer("rx_desc", s.rx_desc, 32, 32768));
  s.tx_desc = static_cast<uint16_t>(r.integer("tx_desc", s.tx_desc, 32, 32768));
  s.promiscuous = r.boolean("promiscuous", s.promiscuous);
  s.rss = r.boolean("rss", s.rss);
  s.rx_checksum_offload = r.boolean("rx_checksum_offload", s.rx_checksum_offload);
  if (r.has("peer")) {
    s.peer = r.string("peer", s.peer);
    if (!s.peer.empty() && !port_names.count(s.peer)) r.fail("peer", "no port named '" + s.peer + "'");
  }
  read_port_arp(r, s);
  r.string("description", "");  // free text for operators
  r.finish();
}

PortSettings read_port(const std::string& name, const toml::table& port_tbl,
                       const std::string& config_path, const std::set<std::string>& overridden,
                       const std::set<std::string>& port_names) {
  const std::string prefix = "ports." + name;
  if (!valid_name(name))
    ConfigReader::fail_at(&port_tbl, prefix,
                          "port names are 1-32 characters of letters, digits and '_'", &overridden);
  PortSettings s;
  s.name = name;
  ConfigReader port(port_tbl, prefix, &overridden);
  s.profile = port.string("profile", "");
  if (!s.profile.empty()) {
    const fs::path p = find_profile(s.profile, config_path);
    if (p.empty() || !regular_file(p))
      port.fail("profile", "no port profile '" + s.profile + "' (looked in drivers-config directories)");
    const toml::table profile = parse_file(p.string());
    ConfigReader pr(profile, prefix, nullptr);
    apply_port_layer(pr, s, prefix, nullptr, true, port_names);
  }
  apply_port_layer(port, s, prefix, &overridden, false, port_names);
  if (s.driver.empty()) port.fail("driver", "missing (set it in the port or its profile)");
  if (s.driver == "pci" && s.pci.empty())
    port.fail(port.has("pci") ? "pci" : "driver", "a PCI port needs its address in 'pci', e.g. 0000:03:00.0");
  if (s.driver != "pci" && !s.pci.empty()) port.fail("pci", "only ports with driver = \"pci\" take a PCI address");
  // net_pcap truncates tx_pcap when the port starts: the same file as rx_pcap would be emptied
  // under the reader (and the run would "succeed" on what was left).
  if (s.driver == "net_pcap") {
    std::string rx, tx;
    for (const auto& [k, v] : s.args) {
      if (k == "rx_pcap") rx = v;
      if (k == "tx_pcap") tx = v;
    }
    std::error_code e1, e2;
    if (!rx.empty() && !tx.empty() &&
        fs::weakly_canonical(fs::absolute(rx, e1), e1) == fs::weakly_canonical(fs::absolute(tx, e2), e2) && !e1 && !e2)
      port.fail("args", "rx_pcap and tx_pcap are the same file (" + rx + "): the output would overwrite the input");
  }
  return s;
}

void read_pipeline(ConfigReader& top, Config& cfg, const std::set<std::string>& overridden) {
  const toml::table* t = top.table("pipeline");
  if (!t) return;
  ConfigReader r(*t, "pipeline", &overridden);
  cfg.pipeline.burst = static_cast<uint16_t>(r.integer("burst", cfg.pipeline.burst, 1, 64));
  cfg.pipeline.ring_size = static_cast<uint32_t>(r.integer("ring_size", cfg.pipeline.ring_size, 64, 1 << 20));
  if ((cfg.pipeline.ring_size & (cfg.pipeline.ring_size - 1)) != 0)
    r.fail("ring_size", "must be a power of two");
  cfg.pipeline.drain_us = static_cast<uint32_t>(r.integer("drain_us", cfg.pipeline.drain_us, 1, 100000));
  cfg.pipeline.full_ring = r.one_of("full_ring", cfg.pipeline.full_ring, kFullRing);
  cfg.pipeline.clock = r.one_of("clock", cfg.pipeline.clock, kClock);
  if (cfg.pipeline.clock == "capture" && !cfg.every_port_reads_pcap_file())
    r.fail("clock", "\"capture\" needs every port to read a pcap file once (rx_pcap, no infinite_rx)");
  const toml::table* lt = r.table("lcores");
  std::set<std::pair<std::string, uint16_t>> polled;
  if (lt && lt->empty())
    r.fail("lcores", "places no stage: give one [pipeline.lcores.N] table per lcore, or leave "
                     "[pipeline.lcores] out for the default plan");
  if (lt) {
    for (const auto& [k, v] : *lt) {
      const std::string key(k.str());
      const std::string path = "pipeline.lcores." + key;
      // Digits only and no leading zero: "01", "+1" and " 1" would name lcore 1 a second time.
      const bool canonical = !key.empty() && key.size() <= 4 &&
                             std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                             (key == "0" || key[0] != '0');
      const unsigned long id = canonical ? std::stoul(key) : 0;
      if (!canonical || id >= 1024)
        ConfigReader::fail_at(&v, path, "lcore keys are lcore ids 0-1023 written plainly, e.g. [pipeline.lcores.1]",
                              &overridden);
      if (!v.is_table()) ConfigReader::fail_at(&v, path, "expected a table", &overridden);
      ConfigReader lr(*v.as_table(), path, &overridden);
      LcoreSettings ls;
      ls.lcore = static_cast<unsigned>(id);
      for (const auto& rx : lr.strings("rx", {})) {
        const auto colon = rx.find(':');
        const std::string port = rx.substr(0, colon);
        long q = 0;
        if (colon != std::string::npos) {
          const std::string qs = rx.substr(colon + 1);
          char* qend = nullptr;
          q = std::strtol(qs.c_str(), &qend, 10);
          if (qs.empty() || *qend != '\0' || q < 0 || q > 1023)
            lr.fail("rx", "'" + rx + "' is not PORT or PORT:QUEUE");
        }
        if (!cfg.port(port)) lr.fail("rx", "no port named '" + port + "'");
        if (!polled.emplace(port, static_cast<uint16_t>(q)).second)
          lr.fail("rx", "RX queue " + port + ":" + std::to_string(q) + " is polled by two lcores");
        ls.rx.emplace_back(port, static_cast<uint16_t>(q));
      }
      for (const auto& name : lr.strings("stages", {})) {
        auto id_opt = core::stage_from_string(name);
        if (!id_opt) lr.fail("stages", "unknown stage '" + name + "' (classify, arp, dns, tcp, other, tx)");
        if (std::find(ls.stages.begin(), ls.stages.end(), *id_opt) != ls.stages.end())
          lr.fail("stages", "stage '" + name + "' listed twice");
        ls.stages.push_back(*id_opt);
      }
      if (!ls.rx.empty() && std::find(ls.stages.begin(), ls.stages.end(), core::StageId::classify) == ls.stages.end())
        lr.fail("stages", "an lcore that polls RX queues must run classify");
      lr.finish();
      cfg.pipeline.lcores.push_back(std::move(ls));
    }
  }
  r.finish();

  if (!cfg.pipeline.lcores.empty()) {
    for (size_t s = 0; s < core::kStageCount; ++s) {
      const auto id = static_cast<core::StageId>(s);
      const bool placed = std::any_of(cfg.pipeline.lcores.begin(), cfg.pipeline.lcores.end(), [&](const auto& l) {
        return std::find(l.stages.begin(), l.stages.end(), id) != l.stages.end();
      });
      if (!placed)
        ConfigReader::fail_at(lt, "pipeline.lcores",
                              "stage '" + std::string(core::to_string(id)) + "' runs on no lcore", &overridden);
    }
  }
}

void read_dns(ConfigReader& r, dns::DnsConfig& d) {
  d.pending_entries = static_cast<uint32_t>(r.integer("pending_entries", d.pending_entries, 64, 1 << 24));
  d.query_timeout_ms = static_cast<uint32_t>(r.integer("query_timeout_ms", d.query_timeout_ms, 1, 600000));
  d.topn_capacity = static_cast<uint32_t>(r.integer("topn_capacity", d.topn_capacity, 16, 65536));
  d.topn_publish_ms = static_cast<uint32_t>(r.integer("topn_publish_ms", d.topn_publish_ms, 1, 60000));
  d.tcp_flows = static_cast<uint32_t>(r.integer("tcp_flows", d.tcp_flows, 0, 65536));
  d.tcp_idle_timeout_ms =
      static_cast<uint32_t>(r.integer("tcp_idle_timeout_ms", d.tcp_idle_timeout_ms, 100, 3600000));
  d.ip_frag_entries = static_cast<uint32_t>(r.integer("ip_frag_entries", d.ip_frag_entries, 0, 65536));
  d.ip_frag_timeout_ms = static_cast<uint32_t>(r.integer("ip_frag_timeout_ms", d.ip_frag_timeout_ms, 1, 60000));
  d.ip_frag_max_fragments = static_cast<uint32_t>(
      r.integer("ip_frag_max_fragments", d.ip_frag_max_fragments, 2, dns::kIpFragMaxPieces));
  d.query_log_path = r.string("query_log_path", d.query_log_path);
  d.query_log_rotate_bytes = static_cast<uint64_t>(
      r.integer("query_log_rotate_bytes", static_cast<int64_t>(d.query_log_rotate_bytes), 4096, int64_t{1} << 40));
  d.query_log_keep = static_cast<uint32_t>(r.integer("query_log_keep", d.query_log_keep, 0, 1000));
  d.query_log_ring = static_cast<uint32_t>(r.integer("query_log_ring", d.query_log_ring, 16, 1 << 20));
  dns::DetectConfig& t = d.detect;
  const auto u32 = [&](const char* key, uint32_t def, int64_t lo, int64_t hi) {
    return static_cast<uint32_t>(r.integer(key, def, lo, hi));
  };
  t.window_ms = u32("detect_window_ms", t.window_ms, 10, 600000);
  t.clear_ms = u32("detect_clear_ms", t.clear_ms, 0, 3600000);
  t.nxdomain_rate = u32("nxdomain_flood_rate", t.nxdomain_rate, 1, 100000000);
  t.nxdomain_ratio_pct = u32("nxdomain_flood_ratio_pct", t.nxdomain_ratio_pct, 0, 100);
  t.random_subdomain_rate = u32("random_subdomain_rate", t.random_subdomain_rate, 1, 100000000);
  t.random_subdomain_unique_pct = u32("random_subdomain_unique_pct", t.random_subdomain_unique_pct, 0, 100);
  t.amplification_rate = u32("amplification_rate", t.amplification_rate, 1, 100000000);
  t.amplification_size = u32("amplification_size", t.amplification_size, 12, 65535);
  t.amplification_large_rate = u32("amplification_large_rate", t.amplification_large_rate, 0, 100000000);
  t.amplification_types_rate = u32("amplification_types_rate", t.amplification_types_rate, 0, 100000000);
  t.amplification_ratio = u32("amplification_ratio", t.amplification_ratio, 0, 100000);
  t.amplification_ratio_min_bytes =
      u32("amplification_ratio_min_bytes", t.amplification_ratio_min_bytes, 0, 4000000000);
  d.validate_rdata = r.boolean("validate_rdata", d.validate_rdata);
  d.allow_split_transactions = r.boolean("allow_split_transactions", d.allow_split_transactions);
}

// A plan that splits DNS transactions over instances is refused unless explicitly accepted (then
// the DNS commands warn at start): matching is what latency, timeouts and the amplification
// detector stand on, and a silent split would show an attack that is not there.
void check_dns_topology(ConfigReader& top, const Config& cfg, const std::set<std::string>& overridden) {
  if (cfg.dns.allow_split_transactions || !cfg.dns_observe) return;
  const std::string why = dns_split_transactions(cfg);
  if (why.empty()) return;
  const toml::table* p = top.table("pipeline");
  ConfigReader::fail_at(p ? p->get("lcores") : nullptr, "pipeline.lcores", why, &overridden);
}

void read_stages(ConfigReader& top, Config& cfg, const std::set<std::string>& overridden) {
  for (core::StageId id : {core::StageId::arp, core::StageId::dns, core::StageId::tcp, core::StageId::other})
    cfg.paths[id] = PathPolicy{};
  const toml::table* t = top.table("stages");
  if (!t) return;
  ConfigReader r(*t, "stages", &overridden);
  if (const toml::table* c = r.table("classify")) {
    ConfigReader cr(*c, "stages.classify", &overridden);
    const auto ports = cr.integers("dns_ports", {53}, 1, 65535);
    if (ports.empty() || ports.size() > classify::ClassifyStage::kMaxDnsPorts)
      cr.fail("dns_ports", "give 1 to 8 ports");
    cfg.classify.dns_ports.assign(ports.begin(), ports.end());
    cfg.classify.verify_ipv4_checksum = cr.boolean("verify_ipv4_checksum", true);
    const auto paths = cr.strings("verify_l4_checksum", {"dns", "tcp"});
    cfg.classify.verify_l4_checksum.fill(false);
    for (const auto& p : paths) {
      if (p == "arp") continue;  // ARP has no L4 checksum
      if (p == "dns") cfg.classify.verify_l4_checksum[static_cast<size_t>(core::Path::dns)] = true;
      else if (p == "tcp") cfg.classify.verify_l4_checksum[static_cast<size_t>(core::Path::tcp)] = true;
      else if (p == "other") cfg.classify.verify_l4_checksum[static_cast<size_t>(core::Path::other)] = true;
      else cr.fail("verify_l4_checksum", "unknown path '" + p + "' (dns, tcp, other)");
    }
    cr.finish();
  }
  for (core::StageId id : {core::StageId::arp, core::StageId::dns, core::StageId::tcp, core::StageId::other}) {
    const std::string name(core::to_string(id));
    if (const toml::table* s = r.table(name)) {
      ConfigReader sr(*s, "stages." + name, &overridden);
      PathPolicy& p = cfg.paths[id];
      p.policy = *forward::policy_from_string(sr.one_of("policy", "bump", kPolicies));
      p.reflect_swap_mac = sr.boolean("reflect_swap_mac", true);
      if (id == core::StageId::dns) {
        cfg.dns_observe = sr.boolean("observe", true);
        read_dns(sr, cfg.dns);
      }
      if (id == core::StageId::arp) read_arp_stage(sr, cfg.arp);
      sr.finish();
    }
  }
  // The DNS stage judges reassembled datagrams as classify judges whole ones.
  cfg.dns.dns_ports = cfg.classify.dns_ports;
  cfg.dns.verify_udp_checksum = cfg.classify.verify_l4_checksum[static_cast<size_t>(core::Path::dns)];
  cfg.classify.udp_fragments_to_dns = cfg.dns.ip_frag_entries > 0;
  if (r.table("tx")) {
    // The TX stage has no settings yet; accept an empty table for symmetry.
    ConfigReader tr(*top.table("stages")->get("tx")->as_table(), "stages.tx", &overridden);
    tr.finish();
  }
  r.finish();
}

}  // namespace

std::string PortSettings::devargs() const {
  std::string out;
  for (const auto& [k, v] : args) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

bool Config::every_port_reads_pcap_file() const {
  if (ports.empty()) return false;
  for (const auto& p : ports)
    if (!p.reads_pcap_file()) return false;
  return true;
}

bool Config::capture_clock() const {
  return pipeline.clock == "capture" || (pipeline.clock == "auto" && every_port_reads_pcap_file());
}

bool Config::wait_on_full_rings() const {
  return pipeline.full_ring == "wait" || (pipeline.full_ring == "auto" && every_port_reads_pcap_file());
}

bool PortSettings::reads_pcap_file() const {
  if (driver != "net_pcap") return false;
  bool rx_pcap = false;
  for (const auto& [k, v] : args) {
    if (k == "rx_pcap") rx_pcap = true;
    if (k == "infinite_rx" && v != "0") return false;
  }
  return rx_pcap;
}

const PortSettings* Config::port(const std::string& name) const {
  for (const auto& p : ports)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> drivers_config_dirs(const std::string& config_path) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("RAMPART_DRIVERS_CONFIG")) dirs.emplace_back(env);
  const fs::path config_dir = fs::path(config_path).parent_path();
  // A config beside the profiles or beside a drivers-config folder; in a folder below the
  // profiles (drivers-config/examples) or beside a drivers-config folder (configs/ next to it).
  dirs.push_back(config_dir.string());
  dirs.push_back((config_dir / "drivers-config").string());
  dirs.push_back(config_dir.parent_path().string());
  dirs.push_back((config_dir.parent_path() / "drivers-config").string());
  if (std::string(RAMPART_DRIVERS_DIR).size()) dirs.emplace_back(RAMPART_DRIVERS_DIR);
  dirs.emplace_back(RAMPART_INSTALLED_DRIVERS_DIR);
  return dirs;
}

std::string dns_split_transactions(const Config& cfg) {
  std::vector<dns::LcorePlan> plan;
  for (const auto& l : cfg.pipeline.lcores) {
    dns::LcorePlan p;
    p.lcore = l.lcore;
    p.classify = std::find(l.stages.begin(), l.stages.end(), core::StageId::classify) != l.stages.end();
    p.dns = std::find(l.stages.begin(), l.stages.end(), core::StageId::dns) != l.stages.end();
    for (const auto& [port, q] : l.rx) p.rx.emplace_back(port, q);
    plan.push_back(std::move(p));
  }
  std::vector<std::pair<std::string, std::string>> peers;
  for (const auto& p : cfg.ports)
    if (!p.peer.empty()) peers.emplace_back(p.name, p.peer);
  return dns::split_transactions(plan, peers);
}

bool is_log_level(const std::string& level) {
  return std::find(kLogLevels.begin(), kLogLevels.end(), level) != kLogLevels.end();
}

namespace {
Config read_config(const std::string& path, const std::vector<Override>& overrides);
}

Config load_config(const std::string& path, const std::vector<Override>& overrides) {
  try {
    return read_config(path, overrides);
  } catch (const ConfigError& e) {
    // An error with no position of its own (a key the file lacks) still names the file.
    if (!e.located()) throw ConfigError(path + ": " + e.what());
    throw;
  }
}

namespace {
Config read_config(const std::string& path, const std::vector<Override>& overrides) {
  if (!regular_file(path)) throw ConfigError(path + (exists(path) ? ": not a regular file" : ": no such file"));
  toml::table root = parse_file(path);
  std::set<std::string> overridden;
  for (const auto& o : overrides) apply_override(root, o, overridden);

  Config cfg;
  cfg.path = path;
  ConfigReader top(root, "", &overridden);

  if (const toml::table* t = top.table("eal")) {
    ConfigReader r(*t, "eal", &overridden);
    cfg.eal.args = r.strings("args", {});
    cfg.eal.lcores = r.string("lcores", cfg.eal.lcores);
    cfg.eal.file_prefix = r.string("file_prefix", cfg.eal.file_prefix);
    // It names a directory under /var/run/dpdk: "." or ".." would put EAL's files beside or
    // above the other instances'.
    const std::string& fp = cfg.eal.file_prefix;
    if (!word(fp, 64, "-.") || fp == "." || fp == "..")
      r.fail("file_prefix", "must be 1-64 letters, digits, '_', '-' or '.' (and not \".\" or \"..\")");
    cfg.eal.memory_mb = r.integer("memory_mb", 0, 0, 1 << 20);
    cfg.eal.no_huge = r.boolean("no_huge", false);
    cfg.eal.no_pci = r.boolean("no_pci", false);
    r.finish();
  }
  if (const toml::table* t = top.table("log")) {
    ConfigReader r(*t, "log", &overridden);
    cfg.log_level = r.one_of("level", cfg.log_level, kLogLevels);
    r.finish();
  }
  if (const toml::table* t = top.table("mempool")) {
    ConfigReader r(*t, "mempool", &overridden);
    cfg.mempool.mbufs = static_cast<uint32_t>(r.integer("mbufs", cfg.mempool.mbufs, 1024, 1 << 26));
    cfg.mempool.cache = static_cast<uint32_t>(r.integer("cache", cfg.mempool.cache, 0, 512));
    cfg.mempool.data_room = static_cast<uint16_t>(r.integer("data_room", cfg.mempool.data_room, 256, 65535));
    r.finish();
  }
  const toml::table* ports = top.table("ports");
  if (!ports || ports->empty())
    ConfigReader::fail_at(ports, "ports", "declare at least one port, e.g. [ports.wire0]", &overridden);
  // toml++ iterates tables in key order; ports keep the order they were written in (DPDK port
  // ids follow it). Ports created by --set have no source line and come last.
  std::vector<std::pair<std::string, const toml::node*>> port_nodes;
  for (const auto& [k, v] : *ports) port_nodes.emplace_back(std::string(k.str()), &v);
  std::stable_sort(port_nodes.begin(), port_nodes.end(), [](const auto& a, const auto& b) {
    const auto la = a.second->source().begin.line, lb = b.second->source().begin.line;
    return (la ? la : UINT32_MAX) < (lb ? lb : UINT32_MAX);
  });
  std::set<std::string> port_names;
  for (const auto& [name, v] : port_nodes) port_names.insert(name);
  for (const auto& [name, v] : port_nodes) {
    if (!v->is_table()) ConfigReader::fail_at(v, "ports." + name, "expected a table", &overridden);
    cfg.ports.push_back(read_port(name, *v->as_table(), path, overridden, port_names));
  }
  read_pipeline(top, cfg, overridden);
  read_stages(top, cfg, overridden);
  check_dns_topology(top, cfg, overridden);
  top.finish();
  return cfg;
}
}  // namespace

}  // namespace rampart::app

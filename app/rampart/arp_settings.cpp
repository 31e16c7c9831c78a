#include "app/rampart/arp_settings.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace rampart::app {

namespace {

bool parse_uint(std::string_view s, uint32_t max, uint32_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

std::optional<rte_ether_addr> parse_mac(std::string_view s) {
  rte_ether_addr a{};
  if (s.size() != 17) return std::nullopt;
  for (size_t i = 0; i < 6; ++i) {
    if (i && s[i * 3 - 1] != ':' && s[i * 3 - 1] != '-') return std::nullopt;
    uint32_t b = 0;
    const auto [p, ec] = std::from_chars(s.data() + i * 3, s.data() + i * 3 + 2, b, 16);
    if (ec != std::errc() || p != s.data() + i * 3 + 2) return std::nullopt;
    a.addr_bytes[i] = static_cast<uint8_t>(b);
  }
  return a;
}

arp::RateLimit rate(ConfigReader& r, const std::string& key, const arp::RateLimit& def) {
  // One key per limit: the rate per second, with a burst of one second's worth.
  const auto v = static_cast<uint32_t>(r.integer(key, def.per_second, 1, 100000000));
  return arp::RateLimit{v, v};
}

}  // namespace

std::optional<arp::PortAddress> parse_port_address(std::string_view text, std::string* why) {
  arp::PortAddress a;
  std::string_view rest;
  const size_t space = text.find(' ');
  std::string_view cidr = text.substr(0, space);
  if (space != std::string_view::npos) rest = text.substr(space + 1);
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    *why = "give the prefix length, e.g. 10.0.0.1/24";
    return std::nullopt;
  }
  const std::string ip(cidr.substr(0, slash));
  in_addr in{};
  if (inet_pton(AF_INET, ip.c_str(), &in) != 1) {
    *why = "'" + ip + "' is not an IPv4 address";
    return std::nullopt;
  }
  uint32_t len = 0;
  if (!parse_uint(cidr.substr(slash + 1), 32, len) || len == 0) {
    *why = "prefix length must be 1..32";
    return std::nullopt;
  }
  a.ip = ntohl(in.s_addr);
  a.prefix_len = static_cast<uint8_t>(len);
  if (!rest.empty()) {
    uint32_t vlan = 0;
    if (!rest.starts_with("vlan ") || !parse_uint(rest.substr(5), 4094, vlan) || vlan == 0) {
      *why = "after the address only 'vlan N' (1..4094) may follow";
      return std::nullopt;
    }
    a.vlan = static_cast<uint16_t>(vlan);
  }
  const uint32_t host = a.ip & ~a.mask();
  if (a.ip == 0 || (a.ip >> 24) == 127 || (a.ip >> 28) >= 0xe) {
    *why = "not a unicast host address";
    return std::nullopt;
  }
  if (len <= 30 && (host == 0 || host == ~a.mask())) {
    *why = "the network or broadcast address of its subnet";
    return std::nullopt;
  }
  return a;
}

void read_port_arp(ConfigReader& r, PortSettings& s) {
  if (r.has("ipv4")) {
    s.ipv4.clear();
    for (const auto& text : r.strings("ipv4", {})) {
      std::string why;
      const auto a = parse_port_address(text, &why);
      if (!a) r.fail("ipv4", "'" + text + "': " + why);
      for (const auto& b : s.ipv4)
        if (b.ip == a->ip && b.vlan == a->vlan) r.fail("ipv4", "'" + text + "' listed twice");
      s.ipv4.push_back(*a);
    }
    if (s.ipv4.size() > arp::kMaxPortAddresses)
      r.fail("ipv4", "at most " + std::to_string(arp::kMaxPortAddresses) + " addresses per port");
  }
  if (r.has("mac")) {
    const std::string text = r.string("mac", "");
    const auto mac = parse_mac(text);
    if (!mac) r.fail("mac", "'" + text + "' is not a MAC address like 02:00:00:00:00:01");
    if ((mac->addr_bytes[0] & 1) || rte_is_zero_ether_addr(&*mac))
      r.fail("mac", "'" + text + "' is not a unicast MAC address");
    s.mac = mac;
  }
}

void read_arp_stage(ConfigReader& r, arp::ArpConfig& c) {
  const auto u32 = [&](const char* key, uint32_t def, int64_t lo, int64_t hi) {
    return static_cast<uint32_t>(r.integer(key, def, lo, hi));
  };
  c.table_entries = u32("table_entries", c.table_entries, 8, 1 << 22);
  c.reachable_ms = u32("reachable_ms", c.reachable_ms, 100, 86400000);
  c.stale_ms = u32("stale_ms", c.stale_ms, 100, 86400000);
  // Blame the key the operator wrote: the other one may be a default they never saw.
  if (c.stale_ms < c.reachable_ms) {
    if (r.has("stale_ms"))
      r.fail("stale_ms", "must be at least reachable_ms (" + std::to_string(c.reachable_ms) + ")");
    r.fail("reachable_ms", "must be at most stale_ms (" + std::to_string(c.stale_ms) + ", its default)");
  }
  c.events = u32("events", c.events, 2, 1 << 20);
  c.dual_claim_window_ms = u32("dual_claim_window_ms", c.dual_claim_window_ms, 1, 3600000);
  c.reply_per_target = rate(r, "reply_rate_per_target", c.reply_per_target);
  c.reply_per_port = rate(r, "reply_rate_per_port", c.reply_per_port);
  c.request_per_target = rate(r, "request_rate_per_target", c.request_per_target);
  c.request_per_port = rate(r, "request_rate_per_port", c.request_per_port);
  c.defend_interval_ms = u32("defend_interval_ms", c.defend_interval_ms, 100, 3600000);
  c.resolve_queue = u32("resolve_queue", c.resolve_queue, 1, 65536);
  c.resolve_timeout_ms = u32("resolve_timeout_ms", c.resolve_timeout_ms, 10, 60000);
  c.learn_from_requests = r.boolean("learn_from_requests", c.learn_from_requests);
  c.log_events_per_second = u32("log_events_per_second", c.log_events_per_second, 0, 100000);
  c.scan_max_prefix = static_cast<uint8_t>(r.integer("scan_max_prefix", c.scan_max_prefix, 8, 32));
}

}  // namespace rampart::app

#include "app/rampart/arp_scan_commands.h"

#include <rte_cycles.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "app/rampart/telemetry.h"
#include "arp/addr_text.h"
#include "arp/scan_engine.h"

namespace rampart::app {

using json::Value;

namespace {


std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t c = s.find(',');
    out.push_back(s.substr(0, c));
    if (c == std::string_view::npos) return out;
    s.remove_prefix(c + 1);
  }
}

const PortRuntime* find_port(const AppState& app, std::string_view text) {
  if (const PortRuntime* p = app.port_by_name(std::string(text))) return p;
  uint64_t id = 0;
  if (parse_u64(text, &id))
    for (const auto& p : app.ports)
      if (p.id == id) return &p;
  return nullptr;
}

Value info_value(const AppState& app, const arp::ScanInfo& i) {
  Value v = Value::object();
  v.set("id", uint64_t{i.id});
  v.set("port", app.port_name(i.port));
  v.set("vlan", uint64_t{i.vlan});
  v.set("cidr", arp::format_scan_cidr(i.range));
  v.set("src_ip", arp::format_ipv4(i.src_ip));
  v.set("state", arp::scan_state_name(i.state));
  v.set("hosts", i.hosts);
  v.set("sent", i.sent);
  v.set("answered", i.answered);
  v.set("remaining", i.remaining);
  v.set("duplicates", i.duplicates);
  v.set("results", i.results);
  v.set("lost_results", i.lost_results);
  v.set("macs_refused", i.macs_refused);
  v.set("alloc_failures", i.alloc_failures);
  v.set("pps", uint64_t{i.pps});
  v.set("tries", uint64_t{i.tries});
  v.set("timeout_ms", uint64_t{i.timeout_ms});
  v.set("started_unix_ms", static_cast<uint64_t>(i.started_unix_us / 1000));
  v.set("finished_unix_ms", static_cast<uint64_t>(i.finished_unix_us / 1000));
  v.set("elapsed_us", static_cast<uint64_t>(i.elapsed_s * 1e6));
  return v;
}

Value host_value(const arp::OuiTable& oui, const arp::ScanHost& h) {
  Value v = Value::object();
  v.set("ip", arp::format_ipv4(h.ip));
  v.set("mac", arp::format_mac(h.mac));
  // DPDK telemetry carries strings of at most 127 characters.
  v.set("vendor", std::string(oui.vendor(h.mac).substr(0, 127)));
  v.set("rtt_us", uint64_t{h.rtt_us});
  v.set("replies", uint64_t{h.replies});
  v.set("dup", uint64_t{h.mac_ordinal});
  return v;
}

bool parse_id(const AppState& app, std::string_view text, uint32_t* id, arp::ScanInfo* info,
              std::string* error) {
  uint64_t v = 0;
  if (!parse_u64(text, &v) || v == 0 || v > UINT32_MAX) {
    *error = "bad scan id '" + std::string(text) + "'";
    return false;
  }
  *id = static_cast<uint32_t>(v);
  if (!app.arp_scans || !app.arp_scans->info(*id, rte_rdtsc(), info)) {
    *error = "no scan " + std::to_string(v);
    return false;
  }
  return true;
}

std::string csv_field(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Value arp_scan_start(AppState& app, std::string_view params) {
  if (!app.arp_scans) return error_answer("no ARP stage configured ([stages.arp]): nothing sends scans");
  const auto p = split(params);
  if (p.size() < 2 || p.size() > 6)
    return error_answer("usage: /rampart/arp/scan,<port>,<cidr>[,<pps>[,<tries>[,<timeout_ms>[,<vlan>]]]]");
  const PortRuntime* port = find_port(app, p[0]);
  if (!port) return error_answer("unknown port " + quoted_input(p[0]));
  arp::ScanRequest req;
  std::string err;
  if (!arp::parse_scan_cidr(p[1], &req.range, &err)) return error_answer(err);
  uint64_t v = 0;
  if (p.size() > 2 && !p[2].empty()) {
    if (!parse_u64(p[2], &v) || v > 100'000'000) return error_answer("pps must be 0 (unpaced) .. 100000000");
    req.pps = static_cast<uint32_t>(v);
  }
  if (p.size() > 3 && !p[3].empty()) {
    if (!parse_u64(p[3], &v) || v < 1 || v > arp::kMaxScanTries)
      return error_answer("tries must be 1.." + std::to_string(arp::kMaxScanTries));
    req.tries = static_cast<uint32_t>(v);
  }
  if (p.size() > 4 && !p[4].empty()) {
    if (!parse_u64(p[4], &v) || v > 600'000) return error_answer("timeout_ms must be 0..600000");
    req.timeout_ms = static_cast<uint32_t>(v);
  }
  if (p.size() > 5 && !p[5].empty()) {
    if (!parse_u64(p[5], &v) || v > 4094) return error_answer("vlan must be 0 (untagged) .. 4094");
    req.vlan = static_cast<uint16_t>(v);
  }
  req.port = port->id;
  const arp::PortAddresses& own = app.arp_addresses.port(port->id);
  req.src_mac = own.mac;  // build_arp() set it: the configured MAC, else the device's
  // The sender IP: our address on the scan's VLAN whose subnet holds the range, else our first
  // address on that VLAN (hosts answer requests from outside their subnet too). Only when the
  // port has no address on that VLAN at all do the requests go out from 0.0.0.0, as RFC 5227
  // probes, which Linux and most stacks answer as well.
  if (const arp::PortAddress* a = own.source_for(req.range.first, req.vlan)) req.src_ip = a->ip;
  const uint32_t id = app.arp_scans->start(req, rte_rdtsc(), &err);
  if (id == 0) return error_answer(err);
  Value out = Value::object();
  out.set("id", uint64_t{id});
  out.set("port", port->settings->name);
  out.set("vlan", uint64_t{req.vlan});
  out.set("cidr", arp::format_scan_cidr(req.range));
  out.set("hosts", req.range.count);
  out.set("src_ip", arp::format_ipv4(req.src_ip));
  out.set("pps", uint64_t{req.pps});
  out.set("tries", uint64_t{req.tries});
  out.set("timeout_ms", uint64_t{req.timeout_ms});
  return out;
}

Value arp_scan_list(const AppState& app) {
  Value out = Value::object();
  const auto list = app.arp_scans ? app.arp_scans->list(rte_rdtsc()) : std::vector<arp::ScanInfo>{};
  out.set("count", static_cast<uint64_t>(list.size()));
  for (const auto& i : list) out.set("scan_" + std::to_string(i.id), info_value(app, i));
  return out;
}

Value arp_scan_results(const AppState& app, const arp::OuiTable& oui, std::string_view params) {
  const auto p = split(params);
  if (p.size() != 1 && p.size() != 3)
    return error_answer("usage: /rampart/arp/scan_results,<id>[,<offset>,<count>]");
  uint32_t id = 0;
  arp::ScanInfo info;
  std::string err;
  if (!parse_id(app, p[0], &id, &info, &err)) return error_answer(err);
  uint64_t offset = 0, count = kScanResultsMaxRows;
  if (p.size() == 3 && (!parse_u64(p[1], &offset) || !parse_u64(p[2], &count) || count == 0))
    return error_answer("offset and count must be numbers, count > 0");
  count = std::min(count, kScanResultsMaxRows);
  std::vector<arp::ScanHost> hosts;
  app.arp_scans->results(id, offset, count, &hosts);
  Value out = Value::object();
  out.set("id", uint64_t{id});
  out.set("state", arp::scan_state_name(info.state));
  out.set("offset", offset);
  out.set("total", info.row_slots);
  size_t bytes = 0, shown = 0;
  Value rows = Value::object();
  for (const auto& h : hosts) {
    Value row = host_value(oui, h);
    bytes += json::write(row).size();
    if (bytes > kAnswerBudgetBytes) break;
    rows.set("h" + std::to_string(h.index), std::move(row));
    ++shown;
  }
  // Cut by size: the next page starts at the first row not shown.
  // Never past the total (nor wrapped round by a huge offset): a client pages while next < total.
  const uint64_t total = info.row_slots;
  const uint64_t end = offset >= total || count >= total - offset ? total : offset + count;
  const uint64_t next = shown < hosts.size() ? hosts[shown].index : end;
  out.set("count", static_cast<uint64_t>(shown));
  out.set("next_offset", next);
  for (auto& [k, v] : rows.as_object()) out.set(k, std::move(v));
  return out;
}

Value arp_scan_save(const AppState& app, const arp::OuiTable& oui, std::string_view params) {
  const size_t comma = params.find(',');
  if (comma == std::string_view::npos || comma + 1 == params.size())
    return error_answer("usage: /rampart/arp/scan_save,<id>,<path> (.csv: CSV, else JSON)");
  uint32_t id = 0;
  arp::ScanInfo info;
  std::string err;
  if (!parse_id(app, params.substr(0, comma), &id, &info, &err)) return error_answer(err);
  const std::string path(params.substr(comma + 1));
  const bool csv = path.size() > 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  std::vector<arp::ScanHost> hosts;
  app.arp_scans->results(id, 0, UINT64_MAX, &hosts);
  std::string text;
  if (csv) {
    text = "ip,mac,vendor,rtt_us,replies,dup\n";
    for (const auto& h : hosts)
      text += arp::format_ipv4(h.ip) + "," + arp::format_mac(h.mac) + "," +
              csv_field(oui.vendor(h.mac)) + "," + std::to_string(h.rtt_us) + "," +
              std::to_string(h.replies) + "," + std::to_string(h.mac_ordinal) + "\n";
  } else {
    Value doc = Value::object();
    doc.set("scan", info_value(app, info));
    Value list = Value::array();
    for (const auto& h : hosts) list.push(host_value(oui, h));
    doc.set("hosts", std::move(list));
    text = json::write(doc, 2) + "\n";
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return error_answer("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return error_answer("cannot rename " + tmp + " to " + path);
  }
  Value out = Value::object();
  out.set("id", uint64_t{id});
  out.set("path", path);
  out.set("format", csv ? "csv" : "json");
  out.set("rows", static_cast<uint64_t>(hosts.size()));
  out.set("state", arp::scan_state_name(info.state));
  return out;
}

Value arp_scan_cancel(AppState& app, std::string_view params) {
  uint32_t id = 0;
  arp::ScanInfo info;
  std::string err;
  if (!parse_id(app, params, &id, &info, &err)) return error_answer(err);
  app.arp_scans->cancel(id);
  Value out = Value::object();
  out.set("id", uint64_t{id});
  out.set("cancelled", info.state == arp::ScanState::running);
  return out;
}

void register_arp_scan_commands(AppState& app) {
  // Loaded once here, read-only afterwards from any telemetry thread; lives for the process.
  static arp::OuiTable oui;
  std::string path, err;
  if (oui.load_default(&path, &err))
    spdlog::info("arp scan: {} vendor prefixes from {}", oui.size(), path);
  else
    spdlog::warn("arp scan: no OUI vendor list ({}); vendors show as (Unknown). Install arp-scan "
                 "or ieee-data", err);
  auto& reg = TelemetryRegistry::instance();
  reg.add({"/rampart/arp/scan",
           "Start an ARP scan; returns its id. Params: port,cidr[,pps[,tries[,timeout_ms[,vlan]]]] "
           "(pps 0 = unpaced, empty = default)",
           true, [&app](std::string_view p) { return arp_scan_start(app, p); }});
  reg.add({"/rampart/arp/scans",
           "ARP scans: id, port, cidr, state, sent, answered, remaining, duplicates, times. No "
           "parameters",
           false, [&app](std::string_view) { return arp_scan_list(app); }});
  reg.add({"/rampart/arp/scan_results",
           "Hosts one scan found (ip, mac, vendor, rtt_us, replies, dup), paged. Params: "
           "id[,offset,count] (count <= 50)",
           true, [&app](std::string_view p) { return arp_scan_results(app, oui, p); }});
  reg.add({"/rampart/arp/scan_save",
           "Write a scan's hosts to a file on the Rampart host. Params: id,path (.csv: CSV, "
           "else JSON)",
           true, [&app](std::string_view p) { return arp_scan_save(app, oui, p); }});
  reg.add({"/rampart/arp/scan_cancel", "Stop sending for a running scan. Params: id", true,
           [&app](std::string_view p) { return arp_scan_cancel(app, p); }});
}

}  // namespace rampart::app

#include "rampartctl/arp_scan.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "rampartctl/ask.h"
#include "rampartctl/cli.h"

namespace rampart::ctl {

namespace {

uint64_t uint_of(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  return f && f->is_number() ? f->as_uint() : 0;
}

std::string string_of(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

constexpr std::string_view kNoArp = "is this a Rampart with an ARP stage?";

}  // namespace

std::vector<json::Value> scan_page_rows(const json::Value& page) {
  std::vector<std::pair<uint64_t, json::Value>> rows;
  if (!page.is_object()) return {};
  for (const auto& [k, v] : page.as_object()) {
    if (k.size() < 2 || k[0] != 'h' || k.find_first_not_of("0123456789", 1) != std::string::npos)
      continue;
    json::Value row = v;
    if (v.is_string()) {  // carried as JSON text by an older server
      auto parsed = json::parse(v.as_string());
      if (!parsed.value) continue;
      row = *parsed.value;
    }
    if (row.is_object()) rows.emplace_back(std::stoull(k.substr(1)), std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json::Value> out;
  for (auto& r : rows) out.push_back(std::move(r.second));
  return out;
}

std::string render_scan_hosts(const std::vector<json::Value>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += string_of(r, "ip") + "\t" + string_of(r, "mac") + "\t" + string_of(r, "vendor");
    if (const uint64_t dup = uint_of(r, "dup"); dup > 1) out += " (DUP: " + std::to_string(dup) + ")";
    if (const uint64_t n = uint_of(r, "replies"); n > 1) out += " (replies: " + std::to_string(n) + ")";
    out += "\n";
  }
  return out;
}

std::string render_scan_summary(const json::Value& scan) {
  const double seconds = static_cast<double>(uint_of(scan, "elapsed_us")) / 1e6;
  const uint64_t hosts = uint_of(scan, "hosts");
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "Ending Rampart scan %llu (%s): %llu hosts scanned in %.3f seconds (%.2f hosts/sec). "
                "%llu responded, %llu duplicate replies, %llu requests sent\n",
                static_cast<unsigned long long>(uint_of(scan, "id")), string_of(scan, "state").c_str(),
                static_cast<unsigned long long>(hosts), seconds,
                seconds > 0 ? static_cast<double>(hosts) / seconds : 0.0,
                static_cast<unsigned long long>(uint_of(scan, "answered")),
                static_cast<unsigned long long>(uint_of(scan, "duplicates")),
                static_cast<unsigned long long>(uint_of(scan, "sent")));
  return buf;
}

int run_arp_scan(telemetry::Client& client, const std::string& start_command, bool json_out) {
  int status = kExitOk;
  auto started = ask(client, start_command, &status, kNoArp);
  if (!started) return status;
  const uint64_t id = uint_of(*started, "id");
  if (!json_out)
    std::printf("Starting Rampart ARP scan %llu of %s on %s%s: %llu hosts, %llu pps, %llu tries, %llu ms timeout\n",
                static_cast<unsigned long long>(id), string_of(*started, "cidr").c_str(),
                string_of(*started, "port").c_str(),
                uint_of(*started, "vlan") ? (" vlan " + std::to_string(uint_of(*started, "vlan"))).c_str() : "",
                static_cast<unsigned long long>(uint_of(*started, "hosts")),
                static_cast<unsigned long long>(uint_of(*started, "pps")),
                static_cast<unsigned long long>(uint_of(*started, "tries")),
                static_cast<unsigned long long>(uint_of(*started, "timeout_ms")));
  std::fflush(stdout);
  const std::string key = "scan_" + std::to_string(id);
  // How long the scan should take at most (every target asked `tries` times at `pps`, plus the
  // backed-off waits), with slack: past that, something is wrong (no ARP lcore sending?).
  const double pps = static_cast<double>(uint_of(*started, "pps"));
  const double tries = static_cast<double>(uint_of(*started, "tries"));
  double waits_ms = 0, t = static_cast<double>(uint_of(*started, "timeout_ms"));
  for (int k = 0; k < static_cast<int>(tries); ++k, t *= 1.5) waits_ms += t;
  const double budget_s = (pps > 0 ? static_cast<double>(uint_of(*started, "hosts")) * tries / pps : 1.0) +
                          waits_ms / 1000 + 10;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(budget_s * 1000));
  json::Value scan;
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      print_err("scan " + std::to_string(id) + " still running after " + std::to_string(static_cast<int>(budget_s)) +
          " s (is an ARP stage lcore running?); see /rampart/arp/scans");
      return kExitFailed;
    }
    auto list = ask(client, "/rampart/arp/scans", &status, kNoArp);
    if (!list) return status;
    const json::Value* s = list->find(key);
    if (!s || !s->is_object()) {
      print_err("scan " + std::to_string(id) + " disappeared from /rampart/arp/scans");
      return kExitFailed;
    }
    if (string_of(*s, "state") != "running") {
      scan = *s;
      break;
    }
    std::this_thread::sleep_for(kScanPollInterval);
  }
  std::vector<json::Value> rows;
  uint64_t offset = 0;
  const std::string prefix = "/rampart/arp/scan_results," + std::to_string(id) + ",";
  for (;;) {
    auto page = ask(client, prefix + std::to_string(offset) + ",50", &status, kNoArp);
    if (!page) return status;
    for (auto& r : scan_page_rows(*page)) rows.push_back(std::move(r));
    const uint64_t next = uint_of(*page, "next_offset");
    if (next <= offset || next >= uint_of(*page, "total")) break;
    offset = next;
  }
  if (json_out) {
    json::Value doc = json::Value::object();
    doc.set("scan", scan);
    json::Value hosts = json::Value::array();
    for (auto& r : rows) hosts.push(std::move(r));
    doc.set("hosts", std::move(hosts));
    std::printf("%s\n", json::write(doc, 2).c_str());
  } else {
    std::fputs(render_scan_hosts(rows).c_str(), stdout);
    std::fputs("\n", stdout);
    std::fputs(render_scan_summary(scan).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace rampart::ctl

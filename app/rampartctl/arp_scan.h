// `rampartctl arp scan PORT CIDR`: starts a scan (/rampart/arp/scan), polls /rampart/arp/scans
// until it is over, pages /rampart/arp/scan_results and prints the hosts like arp-scan:
// IP<TAB>MAC<TAB>Vendor, "(DUP: n)" on the n-th MAC of an IP, then a summary line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/telemetry_client.h"

namespace rampart::ctl {

inline constexpr std::chrono::milliseconds kScanPollInterval{20};

// One line per host row (objects as /rampart/arp/scan_results answers them), in row order.
std::string render_scan_hosts(const std::vector<json::Value>& rows);
// "Ending ...: H hosts scanned in S seconds (R hosts/sec). N responded, D duplicate replies".
std::string render_scan_summary(const json::Value& scan);
// The rows of one results page, in row order.
std::vector<json::Value> scan_page_rows(const json::Value& page);

// Runs the conversation; start_command is the /rampart/arp/scan command. Returns an exit status
// (cli.h) and prints errors to stderr.
int run_arp_scan(telemetry::Client& client, const std::string& start_command, bool json_out);

}  // namespace rampart::ctl

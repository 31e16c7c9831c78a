// The ARP scanner's telemetry commands (docs/telemetry.md): /rampart/arp/scan starts a scan on the
// shared ScanEngine, /rampart/arp/scans lists them, /rampart/arp/scan_results pages the hosts
// found (vendor from the OUI list loaded here at start-up), /rampart/arp/scan_save writes them to
// a JSON or CSV file, /rampart/arp/scan_cancel stops one.
#pragma once

#include <string>
#include <string_view>

#include "app/rampart/app_state.h"
#include "arp/oui.h"
#include "common/json.h"

namespace rampart::app {

// Loads the OUI list (a warning when none is installed: vendors are then "(Unknown)") and
// registers the commands.
void register_arp_scan_commands(AppState& app);

// Largest page of /rampart/arp/scan_results: 50 rows of at most ~260 bytes stay under 16 KB.
inline constexpr uint64_t kScanResultsMaxRows = 50;

// The answers, also used by tests.
json::Value arp_scan_start(AppState& app, std::string_view params);
json::Value arp_scan_list(const AppState& app);
json::Value arp_scan_results(const AppState& app, const arp::OuiTable& oui, std::string_view params);
json::Value arp_scan_save(const AppState& app, const arp::OuiTable& oui, std::string_view params);
json::Value arp_scan_cancel(AppState& app, std::string_view params);

}  // namespace rampart::app

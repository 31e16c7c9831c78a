// rampartctl's command line: options, the command table, and what each command asks the
// server. Kept apart from main() so it can be tested without a socket.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/telemetry_client.h"
#include "rampartctl/render.h"

namespace rampart::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the server answered null, or the answer was unusable
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;  // cannot connect, or the connection failed/timed out

struct Options {
  std::string prefix = "rampart";
  std::string socket;  // overrides prefix when set
  bool json = false;
  bool all = false;
  std::chrono::milliseconds timeout = telemetry::kDefaultTimeout;
  std::string command;
  std::vector<std::string> args;
  // `arp scan` only (checked by resolve()): empty = the server's default.
  std::string scan_pps, scan_tries, scan_timeout_ms, scan_vlan;
};

struct ParsedArgs {
  std::optional<Options> options;
  std::string error;  // set when options is empty
};
// `args` excludes the program name. Options may appear before or after the command.
ParsedArgs parse_args(const std::vector<std::string>& args);

std::string usage();

// What one invocation does once its options are known.
struct Request {
  // arp_scan: a conversation (start, poll, page), see rampartctl/arp_scan.h.
  // rates: two readings of /rampart/stats `interval` apart, see rampartctl/rates.h.
  enum class Kind { local_usage, query, server_help, arp_scan, rates } kind = Kind::query;
  std::string telemetry;  // the command sent, e.g. "/ethdev/stats,0"; the topic for server_help
  RenderOptions render;
  std::chrono::milliseconds interval{1000};  // rates only
};
struct Resolved {
  std::optional<Request> request;
  std::string error;  // a usage error when request is empty
};
Resolved resolve(const Options& o);

}  // namespace rampart::ctl

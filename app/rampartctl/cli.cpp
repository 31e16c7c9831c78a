#include "rampartctl/cli.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

namespace rampart::ctl {

namespace {

struct CommandInfo {
  std::string_view name;
  std::string_view args;
  std::string_view summary;
};

// The one list of commands: usage text and resolve() both read it.
constexpr CommandInfo kCommands[] = {
    {"info", "", "version, uptime, config file, lcore and port layout"},
    {"stats", "", "packet counters: totals, per port, per stage"},
    {"drops", "", "drop counters by reason (non-zero only unless --all)"},
    {"lcores", "", "per-lcore load: busy/idle polls, packets, cycles per packet"},
    {"rates", "[SECONDS]", "per-second rates of the stats counters over SECONDS (default 1)"},
    {"mempool", "", "packet buffers in use, now and at start"},
    {"list", "", "every telemetry command the process answers"},
    {"dns", "stats", "the DNS stage: messages, matching, latency, rcodes, qtypes, flags, EDNS"},
    {"dns", "top names|domains|clients|nxdomain [N]", "the N (default 10) heaviest of a top-N list"},
    {"dns", "alerts [OFFSET COUNT]", "active DNS attack alerts with their evidence"},
    {"arp", "table [OFFSET COUNT]", "neighbour table (64 per page)"},
    {"arp", "events", "the last 64 ARP events (new station, flip-flop, conflict, ...)"},
    {"arp", "stats", "ARP stage counters"},
    {"arp", "scan PORT CIDR [--pps N] [--retries N] [--timeout-ms N] [--vlan N]",
     "ARP-scan a subnet from PORT, wait, print IP/MAC/vendor like arp-scan"},
    {"raw", "COMMAND[,PARAMS] [PARAMS...]", "send any telemetry command, e.g. raw /ethdev/stats,0"},
    {"help", "[COMMAND]", "this text, or the server's help for a telemetry command"},
};

const CommandInfo* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) {
  double s = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(s) || s <= 0 ||
      s > 3600) {
    return std::nullopt;
  }
  auto ms = static_cast<long long>(std::ceil(s * 1000));
  return std::chrono::milliseconds(ms);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

// "OFFSET COUNT" as ",OFFSET,COUNT", nothing as "": the paging parameters of a list command.
std::optional<std::string> paging(const std::vector<std::string>& args, size_t from) {
  if (args.size() == from) return std::string();
  if (args.size() != from + 2 || !all_digits(args[from]) || !all_digits(args[from + 1]))
    return std::nullopt;
  return "," + args[from] + "," + args[from + 1];
}

Request query(std::string telemetry) {
  Request r;
  r.kind = Request::Kind::query;
  r.telemetry = std::move(telemetry);
  return r;
}

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args) {
  Options o;
  bool have_prefix = false;
  bool want_help = false;
  bool options_done = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options_done || a.empty() || a[0] != '-' || a == "-") {
      positional.emplace_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    // --name=value and --name value are both accepted for options that take a value.
    std::string_view name = a;
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      inline_value = std::string(a.substr(eq + 1));
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    auto missing = [&] { return ParsedArgs{std::nullopt, std::string(name) + " needs a value"}; };
    if (name == "--prefix" || name == "-p") {
      auto v = value();
      if (!v) return missing();
      if (v->empty() || v->find('/') != std::string::npos) {
        return {std::nullopt, "invalid --prefix '" + *v + "'"};
      }
      o.prefix = *v;
      have_prefix = true;
    } else if (name == "--socket" || name == "-s") {
      auto v = value();
      if (!v) return missing();
      if (v->empty()) return {std::nullopt, "empty --socket path"};
      o.socket = *v;
    } else if (name == "--timeout" || name == "-t") {
      auto v = value();
      if (!v) return missing();
      auto t = parse_seconds(*v);
      if (!t) return {std::nullopt, "invalid --timeout '" + *v + "' (seconds, > 0, <= 3600)"};
      o.timeout = *t;
    } else if (name == "--pps" || name == "--retries" || name == "--tries" || name == "--timeout-ms" ||
               name == "--vlan") {
      auto v = value();
      if (!v) return missing();
      (name == "--pps"          ? o.scan_pps
       : name == "--timeout-ms" ? o.scan_timeout_ms
       : name == "--vlan"       ? o.scan_vlan
                                : o.scan_tries) = *v;
    } else if (inline_value) {
      return {std::nullopt, "option " + std::string(name) + " takes no value"};
    } else if (a == "--json" || a == "-j") {
      o.json = true;
    } else if (a == "--all" || a == "-a") {
      o.all = true;
    } else if (a == "--help" || a == "-h") {
      want_help = true;
    } else {
      return {std::nullopt, "unknown option " + std::string(a)};
    }
  }
  if (have_prefix && !o.socket.empty()) {
    return {std::nullopt, "--prefix and --socket are mutually exclusive"};
  }
  if (want_help) {
    o.command = "help";  // usage text, whatever else was asked
    return {std::move(o), ""};
  }
  if (positional.empty()) return {std::nullopt, "no command given"};
  o.command = positional.front();
  o.args.assign(positional.begin() + 1, positional.end());
  return {std::move(o), ""};
}

std::string usage() {
  std::string u =
      "usage: rampartctl [--prefix NAME | --socket PATH] [--json] [--timeout S] COMMAND [ARGS...]\n"
      "\n"
      "Talks to a running rampart (or any DPDK process) over its telemetry socket,\n"
      "<runtime-dir>/<prefix>/dpdk_telemetry.v2.\n"
      "\n"
      "options:\n"
      "  -p, --prefix NAME   DPDK --file-prefix of the process (default: rampart)\n"
      "  -s, --socket PATH   telemetry socket path, instead of --prefix\n"
      "  -j, --json          print the answer as JSON\n"
      "  -a, --all           with drops: also show zero counters\n"
      "  -t, --timeout S     seconds to wait for connect and each answer (default: 5)\n"
      "  -h, --help          this text\n"
      "\n"
      "commands:\n";
  size_t width = 0;
  for (const auto& c : kCommands) {
    width = std::max(width, c.name.size() + (c.args.empty() ? 0 : c.args.size() + 1));
  }
  for (const auto& c : kCommands) {
    std::string head(c.name);
    if (!c.args.empty()) {
      head += ' ';
      head += c.args;
    }
    u += "  ";
    u += head;
    u.append(width - head.size() + 2, ' ');
    u += c.summary;
    u += '\n';
  }
  u +=
      "\n"
      "exit status: 0 ok, 1 the command was answered with null or an error, 2 usage error,\n"
      "3 cannot reach the process (no socket, refused, timed out).\n";
  return u;
}

Resolved resolve(const Options& o) {
  const CommandInfo* info = find_command(o.command);
  if (!info) return {std::nullopt, "unknown command '" + o.command + "'"};
  const std::string& name = o.command;

  if (name == "help") {
    if (o.args.empty()) return {Request{Request::Kind::local_usage, "", {}}, ""};
    if (o.args.size() > 1) return {std::nullopt, "help takes at most one command"};
    if (o.args[0].empty() || o.args[0][0] != '/') {
      return {std::nullopt, "help COMMAND wants a telemetry command such as /rampart/stats"};
    }
    return {Request{Request::Kind::server_help, o.args[0], {}}, ""};
  }
  if (name == "raw") {
    if (o.args.empty()) return {std::nullopt, "raw needs a telemetry command, e.g. /ethdev/list"};
    if (o.args[0].empty() || o.args[0][0] != '/') {
      return {std::nullopt, "telemetry commands start with '/': " + o.args[0]};
    }
    // Extra words become parameters, so `raw /ethdev/stats 0` works like dpdk-telemetry.py's
    // `/ethdev/stats,0`.
    std::string cmd = o.args[0];
    for (size_t i = 1; i < o.args.size(); ++i) cmd += "," + o.args[i];
    return {query(std::move(cmd)), ""};
  }
  if (o.all && name != "drops") return {std::nullopt, "--all is an option of 'drops'"};
  const bool arp_scan = name == "arp" && !o.args.empty() && o.args[0] == "scan";
  if (!arp_scan &&
      (!o.scan_pps.empty() || !o.scan_tries.empty() || !o.scan_timeout_ms.empty() || !o.scan_vlan.empty()))
    return {std::nullopt, "--pps, --retries, --timeout-ms and --vlan are options of 'arp scan'"};
  if (name == "rates") {
    if (o.args.size() > 1) return {std::nullopt, "usage: rates [SECONDS]"};
    Request r;
    r.kind = Request::Kind::rates;
    r.telemetry = "/rampart/stats";
    if (!o.args.empty()) {
      const auto t = parse_seconds(o.args[0]);
      if (!t || *t > std::chrono::minutes(10))
        return {std::nullopt, "rates SECONDS: 0 < SECONDS <= 600, not '" + o.args[0] + "'"};
      r.interval = *t;
    }
    return {std::move(r), ""};
  }
  if (name == "dns") {
    const std::string sub = o.args.empty() ? "" : o.args[0];
    if (sub == "stats" && o.args.size() == 1) return {query("/rampart/dns/stats"), ""};
    if (sub == "top" && (o.args.size() == 2 || o.args.size() == 3)) {
      const std::string& list = o.args[1];
      if (list != "names" && list != "domains" && list != "clients" && list != "nxdomain")
        return {std::nullopt, "dns top lists: names, domains, clients, nxdomain (not '" + list + "')"};
      if (o.args.size() == 3 && !all_digits(o.args[2]))
        return {std::nullopt, "dns top N: a number, not '" + o.args[2] + "'"};
      return {query("/rampart/dns/top," + list + (o.args.size() == 3 ? "," + o.args[2] : "")), ""};
    }
    if (sub == "alerts") {
      if (auto p = paging(o.args, 1)) {
        Request r = query("/rampart/dns/alerts" + *p);
        r.render.empty_text = "no alerts";
        return {std::move(r), ""};
      }
    }
    return {std::nullopt, "usage: dns stats | dns top names|domains|clients|nxdomain [N] | dns alerts [OFFSET COUNT]"};
  }
  if (name == "arp" && !arp_scan) {
    const std::string sub = o.args.empty() ? "" : o.args[0];
    if ((sub == "events" || sub == "stats") && o.args.size() == 1) return {query("/rampart/arp/" + sub), ""};
    if (sub == "table")
      if (auto p = paging(o.args, 1)) return {query("/rampart/arp/table" + *p), ""};
    return {std::nullopt, "usage: arp table [OFFSET COUNT] | arp events | arp stats | arp scan PORT CIDR [...]"};
  }
  if (name == "arp") {
    if (o.args.size() != 3 || o.args[0] != "scan")
      return {std::nullopt, "usage: arp scan PORT CIDR [--pps N] [--retries N] [--timeout-ms N] [--vlan N]"};
    for (const std::string* n : {&o.scan_pps, &o.scan_tries, &o.scan_timeout_ms, &o.scan_vlan})
      if (!n->empty() && n->find_first_not_of("0123456789") != std::string::npos)
        return {std::nullopt, "--pps, --retries, --timeout-ms and --vlan take a number: '" + *n + "'"};
    // The start command; an empty value means the server's default.
    const std::string cmd = "/rampart/arp/scan," + o.args[1] + "," + o.args[2] + "," + o.scan_pps +
                            "," + o.scan_tries + "," + o.scan_timeout_ms +
                            (o.scan_vlan.empty() ? "" : "," + o.scan_vlan);
    Request r;
    r.kind = Request::Kind::arp_scan;
    r.telemetry = std::move(cmd);
    return {std::move(r), ""};
  }
  if (!o.args.empty()) return {std::nullopt, name + " takes no arguments"};
  if (name == "list") return {query("/"), ""};

  Request r = query("/rampart/" + name);
  if (name == "drops") {
    r.render.hide_zero = !o.all;
    r.render.sort_desc = true;
    r.render.empty_text = o.all ? "no drop counters" : "no drops (use --all to list every reason)";
  }
  return {std::move(r), ""};
}

}  // namespace rampart::ctl

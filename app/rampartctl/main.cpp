// rampartctl: a friendlier client of the DPDK telemetry socket than dpdk-telemetry.py.
#include <cstdio>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/telemetry_client.h"
#include "rampartctl/arp_scan.h"
#include "rampartctl/ask.h"
#include "rampartctl/cli.h"
#include "rampartctl/rates.h"
#include "rampartctl/render.h"

namespace {

using namespace rampart;

using ctl::exit_for;
using ctl::print_err;

void print_out(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(ctl::usage().c_str(), stderr);
    return ctl::kExitUsage;
  }
  auto parsed = ctl::parse_args(args);
  if (!parsed.options) {
    print_err(parsed.error + " (see 'rampartctl help')");
    return ctl::kExitUsage;
  }
  const ctl::Options& o = *parsed.options;
  auto resolved = ctl::resolve(o);
  if (!resolved.request) {
    print_err(resolved.error + " (see 'rampartctl help')");
    return ctl::kExitUsage;
  }
  const ctl::Request& req = *resolved.request;
  if (req.kind == ctl::Request::Kind::local_usage) {
    print_out(ctl::usage());
    return ctl::kExitOk;
  }

  telemetry::Client client;
  bool ok = o.socket.empty() ? client.connect_prefix(o.prefix, o.timeout)
                             : client.connect(o.socket, o.timeout);
  if (!ok) {
    print_err(client.error().message);
    return ctl::kExitUnreachable;
  }

  if (req.kind == ctl::Request::Kind::arp_scan) return ctl::run_arp_scan(client, req.telemetry, o.json);
  if (req.kind == ctl::Request::Kind::rates) return ctl::run_rates(client, req.interval, o.json);

  if (req.kind == ctl::Request::Kind::server_help) {
    auto text = client.help(req.telemetry);
    if (!text) {
      if (client.error().kind != telemetry::ErrorKind::none) {
        print_err(client.error().message);
        return exit_for(client.error());
      }
      print_err("no help for " + req.telemetry + " (unknown command? see 'rampartctl list')");
      return ctl::kExitFailed;
    }
    if (o.json) {
      json::Value v = json::Value::object();
      v.set("command", req.telemetry);
      v.set("help", *text);
      print_out(json::write(v, 2) + "\n");
    } else {
      print_out(*text + "\n");
    }
    return ctl::kExitOk;
  }

  auto data = client.query(req.telemetry);
  if (!data) {
    print_err(client.error().message);
    return exit_for(client.error());
  }
  if (data->is_null()) {
    print_err(req.telemetry +
              ": no answer (unknown command or bad parameters; see 'rampartctl list')");
    return ctl::kExitFailed;
  }
  // Rampart answers a refused command (bad parameters, a failed action) with {"error": "..."}.
  if (const json::Value* err = data->find("error"); err && err->is_string() && data->as_object().size() == 1) {
    if (o.json) print_out(json::write(*data, 2) + "\n");
    print_err(req.telemetry + ": " + err->as_string());
    return ctl::kExitFailed;
  }
  print_out(o.json ? json::write(*data, 2) + "\n" : ctl::render(*data, req.render));
  return ctl::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = run(args);
  if (std::fflush(stdout) != 0 && rc == ctl::kExitOk) rc = ctl::kExitFailed;
  return rc;
}

#include "rampartctl/ask.h"

#include <cstdio>

#include "rampartctl/cli.h"

namespace rampart::ctl {

void print_err(const std::string& msg) { std::fprintf(stderr, "rampartctl: %s\n", msg.c_str()); }

int exit_for(const telemetry::Error& e) {
  return e.kind == telemetry::ErrorKind::protocol ? kExitFailed : kExitUnreachable;
}

std::optional<json::Value> ask(telemetry::Client& client, const std::string& cmd, int* status,
                               std::string_view no_answer) {
  auto v = client.query(cmd);
  if (!v) {
    print_err(client.error().message);
    *status = exit_for(client.error());
    return std::nullopt;
  }
  if (!v->is_object()) {
    print_err(cmd + ": no answer (" + std::string(no_answer) + ")");
    *status = kExitFailed;
    return std::nullopt;
  }
  if (const json::Value* e = v->find("error"); e && e->is_string()) {
    print_err(cmd + ": " + e->as_string());
    *status = kExitFailed;
    return std::nullopt;
  }
  return v;
}

}  // namespace rampart::ctl

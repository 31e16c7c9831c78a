// What every rampartctl conversation needs from the socket: error lines, the exit status a failed
// query means, and a query whose answer must be a usable object.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/telemetry_client.h"

namespace rampart::ctl {

// "rampartctl: MSG" on stderr.
void print_err(const std::string& msg);

// The exit status of a query that failed: the process answered something unusable
// (kExitFailed), or it could not be reached (kExitUnreachable).
int exit_for(const telemetry::Error& e);

// A query whose answer must be an object without "error". Anything else is printed (a null answer
// as "CMD: no answer (NO_ANSWER)"), *status is set and nothing is returned.
std::optional<json::Value> ask(telemetry::Client& client, const std::string& cmd, int* status,
                               std::string_view no_answer);

}  // namespace rampart::ctl

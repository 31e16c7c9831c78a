// Rampart's telemetry commands. Each command builds a json::Value; the same value is served on
// DPDK's telemetry socket (converted to rte_tel_data) and written into the JSON report, so the
// report is by construction the final answer of every parameterless command.
#pragma once

#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/json.h"

namespace rampart::app {

// Answers a command; an error answer is sent as {"error": message}.
using CommandHandler = std::function<json::Value(std::string_view params)>;

struct TelemetryCommand {
  std::string name;  // "/rampart/stats"
  std::string help;
  bool takes_params = false;
  CommandHandler handler;
  bool in_report = false;  // takes optional parameters; its parameterless answer is in the report
};

class TelemetryRegistry {
 public:
  static TelemetryRegistry& instance();

  void add(TelemetryCommand cmd);
  // Registers every command with rte_telemetry (after rte_eal_init).
  void register_with_dpdk() const;
  const TelemetryCommand* find(std::string_view name) const;
  const std::vector<TelemetryCommand>& commands() const { return commands_; }
  // The answer as served: handler output normalized for DPDK telemetry, errors as {"error": ...}.
  json::Value answer(const TelemetryCommand& c, std::string_view params) const;
  // {"<command>": answer} for every command that takes no parameter.
  json::Value snapshot() const;

 private:
  std::vector<TelemetryCommand> commands_;
};

// Keys limited to [A-Za-z0-9_/], at most two levels, integers and strings only (deeper values as
// compact JSON text): what DPDK 22.11's telemetry library can carry. A list of objects in the
// top-level object ("alerts": [{...}, ...]) becomes one member per record, "alerts/0": {...},
// "alerts/1": {...}; an empty list stays [].
json::Value normalize_for_telemetry(const json::Value& v);

// DPDK 22.11 builds an answer in a 16 KB buffer and drops, without a word, whatever does not fit
// (and arrays beyond 512 entries): a list command stops adding entries once their JSON passes
// this many bytes, and says how many it shows.
inline constexpr size_t kAnswerBudgetBytes = 14000;

// Error answer helper: {"error": msg}.
json::Value error_answer(std::string msg);

// Operator input as an error quotes it: '...' with every byte outside printable ASCII written
// \xNN. (Answer text is folded to ASCII, which would show "w\xc3\xafre0" as 'wire0', a name
// that does exist.)
std::string quoted_input(std::string_view s);

// A numeric command parameter: decimal digits only, the whole of `s`, within uint64_t.
inline bool parse_u64(std::string_view s, uint64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// The paging parameters of a list command, "" or "<offset>,<count>": false when malformed (not
// two numbers, or count 0). `count` comes back at most `max_count`; without parameters it is
// max_count and offset 0.
inline bool parse_paging(std::string_view params, uint64_t max_count, uint64_t* offset, uint64_t* count) {
  *offset = 0;
  *count = max_count;
  if (params.empty()) return true;
  const size_t comma = params.find(',');
  if (comma == std::string_view::npos || !parse_u64(params.substr(0, comma), offset) ||
      !parse_u64(params.substr(comma + 1), count) || *count == 0)
    return false;
  if (*count > max_count) *count = max_count;
  return true;
}

}  // namespace rampart::app

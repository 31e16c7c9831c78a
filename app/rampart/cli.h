// rampart [EAL args] -- -c FILE [--set KEY=VALUE ...] [--log-level LEVEL] [--report FILE]
//                       [--idle-exit SECONDS]
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/rampart/config.h"

namespace rampart::app {

struct CliOptions {
  std::vector<std::string> eal_args;  // what came before "--"
  std::string config_path;
  std::vector<Override> overrides;
  std::optional<std::string> log_level;
  std::optional<std::string> report_path;
  double idle_exit_s = 0;  // 0: run until signalled
  bool help = false;
  bool version = false;
};

// Throws std::invalid_argument with a message fit for the user.
CliOptions parse_cli(int argc, char** argv);
const char* usage_text();

}  // namespace rampart::app

// libFuzzer target for the config loader (app/rampart/config.cpp): whatever the file and the
// --set overrides say, load_config() returns a Config or throws ConfigError with a message; any
// other exception, a crash or a sanitizer report is a bug. Lines "#set KEY=VALUE" of the input
// (TOML comments, so the file itself is unchanged by them) become --set overrides.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "app/rampart/config.h"

namespace {

// One file per fuzzing process (libFuzzer -jobs/-workers run several), removed at exit.
struct Scratch {
  std::string path = "/tmp/rampart-fuzz-config-" + std::to_string(getpid()) + ".toml";
  ~Scratch() { std::remove(path.c_str()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<rampart::app::Override> overrides;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    if (line.rfind("#set ", 0) == 0) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) overrides.push_back({line.substr(5, eq - 5), line.substr(eq + 1)});
    }
    at = end + 1;
  }
  static const Scratch scratch;
  const std::string& path = scratch.path;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  try {
    const rampart::app::Config cfg = rampart::app::load_config(path, overrides);
    // A config that loads is whole: every port named, the plan's lcores distinct.
    for (const auto& p : cfg.ports)
      if (p.name.empty() || p.driver.empty()) __builtin_trap();
    std::set<unsigned> lcores;
    for (const auto& l : cfg.pipeline.lcores)
      if (!lcores.insert(l.lcore).second) __builtin_trap();
    // DPDK splits device arguments at ','.
    for (const auto& p : cfg.ports)
      for (const auto& [k, v] : p.args)
        if (k.find_first_of(",=") != std::string::npos || v.find(',') != std::string::npos) __builtin_trap();
  } catch (const rampart::app::ConfigError& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // an error says why
  }
  return 0;
}

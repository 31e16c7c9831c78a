#include "app/rampart/cli.h"

#include <cstdlib>
#include <stdexcept>

namespace rampart::app {

const char* usage_text() {
  return "usage: rampart [EAL args] -- -c FILE [options]\n"
         "  -c, --config FILE        TOML configuration (see docs/configuration.md)\n"
         "  --set KEY=VALUE          override a config key, e.g. --set ports.wire0.args.rx_pcap=in.pcap\n"
         "  --log-level LEVEL        trace|debug|info|warn|error|critical|off (overrides [log] level)\n"
         "  --report FILE            write the final answer of every /rampart/... telemetry command as JSON on exit\n"
         "  --idle-exit SECONDS      when every RX port reads a pcap file: stop once no packet arrived for this long\n"
         "  -h, --help               this text\n"
         "  --version                print the version\n"
         "EAL arguments may also come from the config's [eal] table.\n";
}

CliOptions parse_cli(int argc, char** argv) {
  CliOptions o;
  int i = 1;
  int dashdash = -1;
  for (int j = 1; j < argc; ++j)
    if (std::string(argv[j]) == "--") {
      dashdash = j;
      break;
    }
  if (dashdash > 0) {
    for (int j = 1; j < dashdash; ++j) o.eal_args.emplace_back(argv[j]);
    i = dashdash + 1;
  }
  auto need = [&](const std::string& opt) -> std::string {
    if (i + 1 >= argc) throw std::invalid_argument(opt + " needs a value");
    return argv[++i];
  };
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-c" || a == "--config") {
      o.config_path = need(a);
    } else if (a == "--set") {
      const std::string kv = need(a);
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw std::invalid_argument("--set takes KEY=VALUE, got '" + kv + "'");
      o.overrides.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    } else if (a == "--log-level") {
      o.log_level = need(a);
    } else if (a == "--report") {
      o.report_path = need(a);
    } else if (a == "--idle-exit") {
      const std::string v = need(a);
      char* end = nullptr;
      o.idle_exit_s = std::strtod(v.c_str(), &end);
      // Written as "not inside" so that NaN ("nan") is refused too.
      if (v.empty() || *end != '\0' || !(o.idle_exit_s > 0 && o.idle_exit_s <= 86400))
        throw std::invalid_argument("--idle-exit takes a number of seconds in (0, 86400], got '" + v + "'");
    } else if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (dashdash < 0 && !a.empty() && a[0] == '-') {
      throw std::invalid_argument("unknown option '" + a +
                                  "' (EAL arguments go before '--': rampart [EAL args] -- -c FILE)");
    } else {
      throw std::invalid_argument("unknown option '" + a + "'");
    }
  }
  if (!o.help && !o.version && o.config_path.empty())
    throw std::invalid_argument("no configuration: give -c FILE");
  return o;
}

}  // namespace rampart::app

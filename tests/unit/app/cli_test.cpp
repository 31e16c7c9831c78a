// rampart's command line (app/rampart/cli.cpp): what it accepts, and the message for what it
// refuses. No EAL.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "app/rampart/cli.h"

namespace rampart::app {
namespace {

CliOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), "rampart");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_cli(static_cast<int>(args.size()), argv.data());
}

std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(RampartCli, SplitsEalArgumentsAndReadsEveryOption) {
  const CliOptions o = parse({"--no-pci", "-l", "0-1", "--", "-c", "x.toml", "--set", "a.b=c=d", "--set",
                              "ports.wire0.args.rx_pcap=in.pcap", "--log-level", "warn", "--report", "r.json",
                              "--idle-exit", "0.5"});
  EXPECT_EQ(o.eal_args, (std::vector<std::string>{"--no-pci", "-l", "0-1"}));
  EXPECT_EQ(o.config_path, "x.toml");
  ASSERT_EQ(o.overrides.size(), 2u);
  EXPECT_EQ(o.overrides[0].key, "a.b");
  EXPECT_EQ(o.overrides[0].value, "c=d");  // only the first '=' separates
  EXPECT_EQ(o.overrides[1].value, "in.pcap");
  EXPECT_EQ(o.log_level.value_or(""), "warn");
  EXPECT_EQ(o.report_path.value_or(""), "r.json");
  EXPECT_DOUBLE_EQ(o.idle_exit_s, 0.5);
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"--", "--version"}).version);
  EXPECT_EQ(parse({"-c", "y.toml"}).config_path, "y.toml");  // no EAL arguments at all
}

TEST(RampartCli, RefusesWithAMessage) {
  EXPECT_EQ(error_of({"--"}), "no configuration: give -c FILE");
  EXPECT_EQ(error_of({"--", "-c"}), "-c needs a value");
  EXPECT_EQ(error_of({"--", "-c", "x.toml", "--set", "novalue"}), "--set takes KEY=VALUE, got 'novalue'");
  EXPECT_EQ(error_of({"--", "-c", "x.toml", "--set", "=v"}), "--set takes KEY=VALUE, got '=v'");
  EXPECT_EQ(error_of({"--", "-c", "x.toml", "--frobnicate"}), "unknown option '--frobnicate'");
  EXPECT_NE(error_of({"--no-pci", "-c", "x.toml"}).find("EAL arguments go before '--'"), std::string::npos);
  for (const char* bad : {"0", "-1", "86401", "1e999", "inf", "nan", "1s", ""})
    EXPECT_EQ(error_of({"--", "-c", "x.toml", "--idle-exit", bad}),
              std::string("--idle-exit takes a number of seconds in (0, 86400], got '") + bad + "'")
        << bad;
  EXPECT_EQ(error_of({"--", "-c", "x.toml", "--idle-exit", "86400"}), "(accepted)");
}

}  // namespace
}  // namespace rampart::app

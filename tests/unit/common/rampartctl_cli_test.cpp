#include "rampartctl/cli.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fake_telemetry_server.h"

namespace {

using namespace std::chrono_literals;
using rampart::ctl::Options;
using rampart::ctl::parse_args;
using rampart::ctl::Request;
using rampart::ctl::resolve;

Options must_parse(std::vector<std::string> args) {
  auto p = parse_args(args);
  EXPECT_TRUE(p.options) << p.error;
  return p.options.value_or(Options{});
}

std::string parse_error(std::vector<std::string> args) {
  auto p = parse_args(args);
  EXPECT_FALSE(p.options);
  return p.error;
}

TEST(RampartctlArgs, Defaults) {
  Options o = must_parse({"stats"});
  EXPECT_EQ(o.prefix, "rampart");
  EXPECT_TRUE(o.socket.empty());
  EXPECT_FALSE(o.json);
  EXPECT_FALSE(o.all);
  EXPECT_EQ(o.timeout, 5000ms);
  EXPECT_EQ(o.command, "stats");
  EXPECT_TRUE(o.args.empty());
}

TEST(RampartctlArgs, OptionsBeforeAndAfterTheCommand) {
  Options o = must_parse({"--prefix", "lab", "--json", "drops", "--all", "--timeout=0.25"});
  EXPECT_EQ(o.prefix, "lab");
  EXPECT_TRUE(o.json);
  EXPECT_TRUE(o.all);
  EXPECT_EQ(o.timeout, 250ms);
  EXPECT_EQ(o.command, "drops");
  o = must_parse({"-s", "/tmp/x.sock", "raw", "/ethdev/stats", "0"});
  EXPECT_EQ(o.socket, "/tmp/x.sock");
  EXPECT_EQ(o.command, "raw");
  EXPECT_EQ(o.args, (std::vector<std::string>{"/ethdev/stats", "0"}));
  o = must_parse({"raw", "--", "/x", "-1"});
  EXPECT_EQ(o.args, (std::vector<std::string>{"/x", "-1"}));
  EXPECT_EQ(must_parse({"stats", "--help"}).command, "help");
  EXPECT_EQ(must_parse({"-h"}).command, "help");
}

TEST(RampartctlArgs, Errors) {
  EXPECT_EQ(parse_error({}), "no command given");
  EXPECT_EQ(parse_error({"--json"}), "no command given");
  EXPECT_EQ(parse_error({"--bogus", "stats"}), "unknown option --bogus");
  EXPECT_EQ(parse_error({"stats", "--prefix"}), "--prefix needs a value");
  EXPECT_EQ(parse_error({"--prefix", "a", "--socket", "/s", "stats"}),
            "--prefix and --socket are mutually exclusive");
  EXPECT_EQ(parse_error({"--timeout", "0", "stats"}).rfind("invalid --timeout", 0), 0u);
  EXPECT_EQ(parse_error({"--timeout", "abc", "stats"}).rfind("invalid --timeout", 0), 0u);
  EXPECT_EQ(parse_error({"--timeout", "-1", "stats"}).rfind("invalid --timeout", 0), 0u);
  EXPECT_EQ(parse_error({"--prefix", "a/b", "stats"}), "invalid --prefix 'a/b'");
  EXPECT_EQ(parse_error({"--json=yes", "stats"}), "option --json takes no value");
}

TEST(RampartctlResolve, CommandsMapToTelemetry) {
  auto r = resolve(must_parse({"info"}));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->kind, Request::Kind::query);
  EXPECT_EQ(r.request->telemetry, "/rampart/info");
  EXPECT_EQ(resolve(must_parse({"stats"})).request->telemetry, "/rampart/stats");
  EXPECT_EQ(resolve(must_parse({"lcores"})).request->telemetry, "/rampart/lcores");
  EXPECT_EQ(resolve(must_parse({"list"})).request->telemetry, "/");
  EXPECT_EQ(resolve(must_parse({"raw", "/ethdev/stats,0"})).request->telemetry, "/ethdev/stats,0");
  EXPECT_EQ(resolve(must_parse({"raw", "/dns/top", "names", "10"})).request->telemetry,
            "/dns/top,names,10");

  auto drops = resolve(must_parse({"drops"}));
  ASSERT_TRUE(drops.request);
  EXPECT_TRUE(drops.request->render.hide_zero);
  EXPECT_TRUE(drops.request->render.sort_desc);
  auto all = resolve(must_parse({"drops", "--all"}));
  EXPECT_FALSE(all.request->render.hide_zero);

  auto help = resolve(must_parse({"help"}));
  EXPECT_EQ(help.request->kind, Request::Kind::local_usage);
  auto server_help = resolve(must_parse({"help", "/rampart/stats"}));
  EXPECT_EQ(server_help.request->kind, Request::Kind::server_help);
  EXPECT_EQ(server_help.request->telemetry, "/rampart/stats");
}

TEST(RampartctlResolve, DnsArpAndMempoolCommands) {
  auto tel = [](std::vector<std::string> a) {
    auto r = resolve(must_parse(std::move(a)));
    EXPECT_TRUE(r.request) << r.error;
    return r.request ? r.request->telemetry : std::string();
  };
  EXPECT_EQ(tel({"mempool"}), "/rampart/mempool");
  EXPECT_EQ(tel({"dns", "stats"}), "/rampart/dns/stats");
  EXPECT_EQ(tel({"dns", "top", "names"}), "/rampart/dns/top,names");
  EXPECT_EQ(tel({"dns", "top", "nxdomain", "25"}), "/rampart/dns/top,nxdomain,25");
  EXPECT_EQ(tel({"dns", "alerts"}), "/rampart/dns/alerts");
  EXPECT_EQ(tel({"dns", "alerts", "24", "24"}), "/rampart/dns/alerts,24,24");
  EXPECT_EQ(tel({"arp", "table"}), "/rampart/arp/table");
  EXPECT_EQ(tel({"arp", "table", "64", "64"}), "/rampart/arp/table,64,64");
  EXPECT_EQ(tel({"arp", "events"}), "/rampart/arp/events");
  EXPECT_EQ(tel({"arp", "stats"}), "/rampart/arp/stats");
  EXPECT_EQ(resolve(must_parse({"arp", "scan", "lan", "10.0.0.0/24"})).request->kind, Request::Kind::arp_scan);
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"dns"}, {"dns", "stats", "x"}, {"dns", "top"}, {"dns", "top", "bogus"}, {"dns", "top", "names", "x1"},
           {"dns", "top", "names", "5", "6"}, {"dns", "alerts", "1"}, {"dns", "alerts", "a", "b"},
           {"arp"}, {"arp", "table", "1"}, {"arp", "events", "1"}, {"arp", "frob"}, {"dns", "stats", "--pps", "5"}}) {
    const auto r = resolve(must_parse(bad));
    EXPECT_FALSE(r.request) << bad[0] << " " << (bad.size() > 1 ? bad[1] : "");
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(RampartctlResolve, UsageErrors) {
  EXPECT_EQ(resolve(must_parse({"frobnicate"})).error, "unknown command 'frobnicate'");
  EXPECT_EQ(resolve(must_parse({"stats", "extra"})).error, "stats takes no arguments");
  EXPECT_FALSE(resolve(must_parse({"raw"})).request);
  EXPECT_FALSE(resolve(must_parse({"raw", "ethdev/list"})).request);
  EXPECT_FALSE(resolve(must_parse({"help", "stats"})).request);
  EXPECT_EQ(resolve(must_parse({"stats", "--all"})).error, "--all is an option of 'drops'");
}

TEST(RampartctlUsage, ListsEveryCommand) {
  std::string u = rampart::ctl::usage();
  for (const char* c : {"info", "stats", "drops", "lcores", "list", "raw", "help", "mempool", "rates", "dns stats",
                        "dns top", "dns alerts", "arp table", "arp events", "arp stats", "arp scan", "--prefix",
                        "--socket", "--json", "--timeout", "--all"}) {
    EXPECT_NE(u.find(c), std::string::npos) << c;
  }
}

// The real binary against the fake server: exit codes and output end to end.
struct CtlRun {
  int status = -1;
  std::string out;
};

CtlRun run_ctl(const std::string& args) {
  const char* bin = std::getenv("RAMPARTCTL");
  CtlRun r;
  if (!bin) return r;
  std::string cmd = std::string(bin) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class RampartctlBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("RAMPARTCTL")) GTEST_SKIP() << "RAMPARTCTL not set";
  }
  rampart::testing::TempDir dir_;
  std::string sock_ = dir_.path() + "/dpdk_telemetry.v2";
};

TEST_F(RampartctlBinary, TablesJsonAndExitCodes) {
  rampart::testing::FakeTelemetryServer server(sock_, rampart::testing::default_rampart_handler);
  CtlRun r = run_ctl("--socket " + sock_ + " stats");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out,
            "            rx_packets  tx_packets  drops\n"
            "totals            1000         990     10\n"
            "port.wire0        1000         990      -\n");

  r = run_ctl("--socket " + sock_ + " drops");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "ring-full          120\n"
            "ipv4-bad-checksum    3\n");

  r = run_ctl("--socket " + sock_ + " --json raw /ethdev/stats 0");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "{\n  \"ipackets\": 5,\n  \"opackets\": 4\n}\n");

  r = run_ctl("--socket " + sock_ + " lcores");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "(empty)\n");

  r = run_ctl("--socket " + sock_ + " help /rampart/stats");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "Packet counters. Takes no parameters\n");
  r = run_ctl("--socket " + sock_ + " --json help /rampart/stats");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "{\n  \"command\": \"/rampart/stats\",\n  \"help\": \"Packet counters. Takes no parameters\"\n}\n");

  r = run_ctl("--socket " + sock_ + " raw /no/such");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/no/such: no answer"), std::string::npos) << r.out;

  r = run_ctl("--socket " + sock_ + " raw /garbage");
  EXPECT_EQ(r.status, 1) << r.out;

  r = run_ctl("--socket " + sock_ + " --timeout 0.2 raw /slow");
  EXPECT_EQ(r.status, 3) << r.out;
}

TEST_F(RampartctlBinary, UsageAndUnreachable) {
  CtlRun r = run_ctl("help");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("usage: rampartctl", 0), 0u);
  r = run_ctl("bogus");
  EXPECT_EQ(r.status, 2);
  r = run_ctl("--socket " + sock_ + " stats");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.out.find("not found"), std::string::npos) << r.out;
  r = run_ctl("--prefix rampart-absent-unit stats");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.out.find("no Rampart/DPDK process with file-prefix rampart-absent-unit"),
            std::string::npos)
      << r.out;
}

}  // namespace

// A bad configuration is refused at start: rampart exits 2 before touching EAL, and the message
// names the file, the line and the key (ARCHITECTURE.md section 4), or the --set override.
//
// Environment (set by meson): RAMPART, RAMPART_SOURCE_ROOT.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_util.h"

namespace rampart::pipetest {
namespace {

// A valid base the cases break one way each. Line numbers below count from 1.
const std::string kBase =
    "[eal]\n"                                            // 1
    "args = [\"--no-pci\", \"--no-huge\", \"-m\", \"64\"]\n"  // 2
    "lcores = \"0-1\"\n"                                 // 3
    "\n"                                                 // 4
    "[ports.wire0]\n"                                    // 5
    "profile = \"net_pcap\"\n"                           // 6
    "args = { rx_pcap = \"in.pcap\" }\n"                 // 7
    "\n"                                                 // 8
    "[stages.dns]\n"                                     // 9
    "policy = \"reflect\"\n";                            // 10

struct Case {
  std::string desc;
  std::string toml;                 // the file
  std::vector<std::string> extra;   // after -c FILE
  std::vector<std::string> expect;  // substrings of stderr; "@FILE" stands for the config path
};

class ConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("pipe-cfg"); }
  void TearDown() override { remove_tree(dir_); }

  void check(const Case& c) {
    SCOPED_TRACE(c.desc);
    const std::string file = dir_ + "/bad-" + std::to_string(++n_) + ".toml";
    write_file(file, c.toml);
    std::vector<std::string> argv = {env_or_fail("RAMPART"), "--", "-c", file};
    argv.insert(argv.end(), c.extra.begin(), c.extra.end());
    const ProcResult r = run_process(argv, 20, dir_);
    EXPECT_EQ(r.exit_code, 2) << "stderr:\n" << r.err;
    EXPECT_NE(r.err.find("rampart: "), std::string::npos) << r.err;
    for (std::string want : c.expect) {
      if (auto at = want.find("@FILE"); at != std::string::npos) want.replace(at, 5, file);
      EXPECT_NE(r.err.find(want), std::string::npos) << "wanted \"" << want << "\" in:\n" << r.err;
    }
    EXPECT_EQ(r.err.find("EAL:"), std::string::npos) << "EAL was started for a bad config";
  }

  std::string dir_;
  int n_ = 0;
};

TEST_F(ConfigErrors, RefusedWithFileLineAndKey) {
  const std::vector<Case> cases = {
      {"unknown key in a table", kBase + "\n[pipeline]\nbrust = 32\n", {},
       {"config error", "@FILE:13: key 'pipeline.brust': unknown key"}},
      {"unknown top-level table", kBase + "[telemetri]\nx = 1\n", {},
       {"@FILE:11: key 'telemetri': unknown key"}},
      {"unknown key in a port", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nspeed = 10\n", {},
       {"@FILE:13: key 'ports.wire1.speed': unknown key"}},
      {"wrong type: string for an integer", kBase + "[mempool]\nmbufs = \"many\"\n", {},
       {"@FILE:12: key 'mempool.mbufs': expected an integer, found a string"}},
      {"wrong type: integer for a boolean", kBase + "[stages.arp]\npolicy = \"bump\"\nreflect_swap_mac = 1\n", {},
       {"@FILE:13: key 'stages.arp.reflect_swap_mac': expected true or false, found an integer"}},
      {"wrong type for stages.dns.observe", kBase + "observe = 1\n", {},
       {"@FILE:11: key 'stages.dns.observe': expected true or false, found an integer"}},
      {"integer out of range", kBase + "[pipeline]\nburst = 1000\n", {},
       {"@FILE:12: key 'pipeline.burst': 1000 is out of range [1, 64]"}},
      {"ring size not a power of two", kBase + "[pipeline]\nring_size = 1000\n", {},
       {"@FILE:12: key 'pipeline.ring_size': must be a power of two"}},
      {"unknown full_ring", kBase + "[pipeline]\nfull_ring = \"block\"\n", {},
       {"@FILE:12: key 'pipeline.full_ring': 'block' is not one of: auto, drop, wait"}},
      {"unknown clock", kBase + "[pipeline]\nclock = \"wall\"\n", {},
       {"@FILE:12: key 'pipeline.clock': 'wall' is not one of: auto, tsc, capture"}},
      {"capture clock on a replayed port", kBase + "[pipeline]\nclock = \"capture\"\n",
       {"--set", "ports.wire0.args.infinite_rx=1"},
       {"@FILE:12: key 'pipeline.clock': \"capture\" needs every port to read a pcap file once"}},
      {"unknown policy", kBase + "[stages.tcp]\npolicy = \"forward\"\n", {},
       {"@FILE:12: key 'stages.tcp.policy': 'forward' is not one of: bump, reflect, drop"}},
      {"missing profile",
       "[ports.wire0]\nprofile = \"no_such_profile\"\nargs = { rx_pcap = \"x.pcap\" }\n", {},
       {"@FILE:2: key 'ports.wire0.profile': no port profile 'no_such_profile'"}},
      {"unknown driver", "[ports.wire0]\ndriver = \"net_magic\"\n", {},
       {"@FILE:2: key 'ports.wire0.driver': 'net_magic' is not one of"}},
      {"peer names no port", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\npeer = \"wire9\"\n", {},
       {"@FILE:13: key 'ports.wire1.peer': no port named 'wire9'"}},
      {"unknown stage",
       kBase + "[pipeline.lcores.1]\nrx = [\"wire0\"]\nstages = [\"classify\", \"firewall\"]\n", {},
       {"@FILE:13: key 'pipeline.lcores.1.stages': unknown stage 'firewall'"}},
      {"rx on a port that does not exist",
       kBase + "[pipeline.lcores.1]\nrx = [\"wire7:0\"]\nstages = [\"classify\"]\n", {},
       {"@FILE:12: key 'pipeline.lcores.1.rx': no port named 'wire7'"}},
      {"TOML syntax error", kBase + "[pipeline\n", {}, {"@FILE:11:"}},
      {"no such config file", "", {"-c", "/nonexistent/rampart.toml"}, {"/nonexistent/rampart.toml: no such file"}},
      {"config path is a directory", "", {"-c", "/tmp"}, {"/tmp: not a regular file"}},
      // A name past NAME_MAX made std::filesystem throw: std::terminate, not an error (fuzz-config).
      {"profile name too long for a file name", kBase + "[ports.wire1]\nprofile = \"" + std::string(300, 'p') + "\"\n", {},
       {"@FILE:12: key 'ports.wire1.profile': no port profile 'ppp"}},
      {"--set profile too long for a file name", kBase, {"--set", "ports.wire0.profile=" + std::string(300, 'p')},
       {"--set ports.wire0.profile: no port profile 'ppp"}},
  };
  for (const Case& c : cases) check(c);
}

// Errors found only once the whole [pipeline] plan is read must still point into the file.
TEST_F(ConfigErrors, PipelinePlanErrorsNameFileLineAndKey) {
  check({"RX queue polled by two lcores",
         kBase +
             "[pipeline.lcores.1]\n"           // 11
             "rx = [\"wire0:0\"]\n"            // 12
             "stages = [\"classify\", \"arp\", \"dns\", \"tcp\", \"other\", \"tx\"]\n"
             "[pipeline.lcores.2]\n"           // 14
             "rx = [\"wire0:0\"]\n"            // 15
             "stages = [\"classify\"]\n",
         {},
         {"RX queue wire0:0 is polled by two lcores", "@FILE:15: key 'pipeline.lcores.2.rx'"}});
  check({"stage placed on no lcore",
         kBase +
             "[pipeline.lcores.1]\n"           // 11
             "rx = [\"wire0:0\"]\n"            // 12
             "stages = [\"classify\", \"arp\", \"dns\", \"tcp\", \"other\"]\n",  // 13
         {},
         {"stage 'tx' runs on no lcore", "@FILE:11: key 'pipeline.lcores'"}});
}

// A port's own addresses and MAC, and the [stages.arp] settings.
TEST_F(ConfigErrors, ArpAddressesAndSettingsAreChecked) {
  const std::vector<Case> cases = {
      {"address without prefix length", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"10.0.0.1\"]\n", {},
       {"@FILE:13: key 'ports.wire1.ipv4': '10.0.0.1': give the prefix length"}},
      {"not an address", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"10.0.0.300/24\"]\n", {},
       {"@FILE:13: key 'ports.wire1.ipv4': '10.0.0.300/24': '10.0.0.300' is not an IPv4 address"}},
      {"network address", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"10.0.0.0/24\"]\n", {},
       {"@FILE:13: key 'ports.wire1.ipv4': '10.0.0.0/24': the network or broadcast address"}},
      {"multicast address", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"224.0.0.5/24\"]\n", {},
       {"'224.0.0.5/24': not a unicast host address"}},
      {"bad VLAN", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"10.0.0.1/24 vlan 5000\"]\n", {},
       {"@FILE:13: key 'ports.wire1.ipv4': '10.0.0.1/24 vlan 5000': after the address only 'vlan N'"}},
      {"address twice", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nipv4 = [\"10.0.0.1/24\", \"10.0.0.1/16\"]\n", {},
       {"key 'ports.wire1.ipv4': '10.0.0.1/16' listed twice"}},
      {"multicast MAC", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nmac = \"01:00:5e:00:00:01\"\n", {},
       {"@FILE:13: key 'ports.wire1.mac': '01:00:5e:00:00:01' is not a unicast MAC address"}},
      {"not a MAC", kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nmac = \"02:00:00:00:01\"\n", {},
       {"@FILE:13: key 'ports.wire1.mac': '02:00:00:00:01' is not a MAC address"}},
      {"stale shorter than reachable", kBase + "[stages.arp]\nreachable_ms = 5000\nstale_ms = 1000\n", {},
       {"@FILE:13: key 'stages.arp.stale_ms': must be at least reachable_ms"}},
      {"zero reply rate", kBase + "[stages.arp]\nreply_rate_per_port = 0\n", {},
       {"@FILE:12: key 'stages.arp.reply_rate_per_port': 0 is out of range"}},
      {"unknown ARP key", kBase + "[stages.arp]\nlearn_from_replies = true\n", {},
       {"@FILE:12: key 'stages.arp.learn_from_replies': unknown key"}},
  };
  for (const Case& c : cases) check(c);
}

TEST_F(ConfigErrors, BadSetOverridesNameTheOverride) {
  check({"--set value of the wrong type", kBase, {"--set", "pipeline.burst=fast"},
         {"--set pipeline.burst: expected an integer, found a string"}});
  check({"--set value out of range", kBase, {"--set", "mempool.cache=4096"},
         {"--set mempool.cache: 4096 is out of range [0, 512]"}});
  check({"--set detect_clear_ms out of range", kBase, {"--set", "stages.dns.detect_clear_ms=-1"},
         {"--set stages.dns.detect_clear_ms: -1 is out of range [0, 3600000]"}});
  check({"--set unknown key", kBase, {"--set", "pipeline.brust=32"}, {"--set pipeline.brust: unknown key"}});
  check({"--set through a non-table", kBase, {"--set", "eal.lcores.x=1"},
         {"--set eal.lcores.x: 'lcores' is not a table"}});
  check({"--set without '='", kBase, {"--set", "pipeline.burst"}, {"--set takes KEY=VALUE"}});
  check({"--set with an empty key component", kBase, {"--set", "pipeline..burst=3"},
         {"--set pipeline..burst: empty component in key"}});
}

// Inputs a review found slipping through: each was accepted, crashed, or blamed the wrong place.
TEST_F(ConfigErrors, HostileAndAmbiguousInputsAreRefusedWhereTheyAre) {
  std::string deep = "[x";
  for (int i = 0; i < 50000; ++i) deep += ".x";  // toml++ 3.3 recursed once per component: SIGSEGV
  write_file(dir_ + "/prof_small.toml", "driver = \"net_pcap\"\nrx_desc = 5\n");
  write_file(dir_ + "/prof_nested.toml", "profile = \"net_pcap\"\ndriver = \"net_pcap\"\n");
  write_file(dir_ + "/prof_peer.toml", "driver = \"net_pcap\"\npeer = \"nobody\"\n");
  const std::vector<Case> cases = {
      {"a key of 50,000 components", kBase + deep + "]\n", {}, {"@FILE:11: a key with more than 64 components"}},
      {"a --set value with a deep key", kBase, {"--set", "pipeline={" + deep.substr(1) + " = 1}"},
       {"--set pipeline: a key in the value has more than 64 components"}},
      {"lcore key with a leading zero (a second name for lcore 1)",
       kBase + "[pipeline.lcores.01]\nrx = [\"wire0\"]\nstages = [\"classify\"]\n", {},
       {"@FILE:11: key 'pipeline.lcores.01': lcore keys are lcore ids 0-1023 written plainly"}},
      {"empty [pipeline.lcores]", kBase + "[pipeline.lcores]\n", {},
       {"@FILE:11: key 'pipeline.lcores': places no stage"}},
      {"file prefix '..' leaves /var/run/dpdk", kBase, {"--set", "eal.file_prefix=.."},
       {"--set eal.file_prefix: must be 1-64 letters"}},
      {"comma in a device argument adds another",
       kBase + "[ports.wire1]\nprofile = \"net_pcap\"\nargs = { rx_pcap = \"a.pcap,tx_pcap=b.pcap\" }\n", {},
       {"@FILE:13: key 'ports.wire1.args.rx_pcap': a device argument cannot contain ','"}},
      {"comma in a device argument from --set", kBase, {"--set", "ports.wire0.args.rx_pcap=/tmp/a,b.pcap"},
       {"--set ports.wire0.args.rx_pcap: a device argument cannot contain ','"}},
      {"'=' in a device argument", kBase, {"--set", "ports.wire0.args.rx_pcap=/tmp/x=y.pcap"},
       {"--set ports.wire0.args.rx_pcap: a device argument cannot contain ',' or '='"}},
      {"the output pcap is the input", kBase, {"--set", "ports.wire0.args.tx_pcap=./in.pcap"},
       {"key 'ports.wire0.args': rx_pcap and tx_pcap are the same file (in.pcap)"}},
      {"a profile's bad value is blamed on the profile, not on a --set of the same key",
       kBase + "[ports.wire1]\nprofile = \"prof_small\"\n", {"--set", "ports.wire1.rx_desc=64"},
       {"/prof_small.toml:2: key 'ports.wire1.rx_desc': 5 is out of range"}},
      {"a profile naming a profile", kBase + "[ports.wire1]\nprofile = \"prof_nested\"\n", {},
       {"/prof_nested.toml:1: key 'ports.wire1.profile': a profile cannot name another profile"}},
      {"a profile's peer names no port", kBase + "[ports.wire1]\nprofile = \"prof_peer\"\n", {},
       {"/prof_peer.toml:2: key 'ports.wire1.peer': no port named 'nobody'"}},
      {"--set with a misspelt table", kBase, {"--set", "stage.dns.policy=drop"},
       {"--set stage.dns.policy: key 'stage': unknown key"}},
      {"--set of a table with a misspelt key", kBase, {"--set", "pipeline={burst=2, brst=3}"},
       {"--set pipeline: key 'pipeline.brst': unknown key"}},
      {"reachable_ms above the default stale_ms", kBase + "[stages.arp]\nreachable_ms = 700000\n", {},
       {"@FILE:12: key 'stages.arp.reachable_ms': must be at most stale_ms"}},
      {"empty file", "", {}, {"@FILE: key 'ports': declare at least one port"}},
      {"a log level only spdlog knows", kBase, {"--log-level", "warning"}, {"unknown log level 'warning'"}},
      {"report into a missing directory", kBase, {"--report", "/nonexistent/dir/r.json"},
       {"cannot write the report to /nonexistent/dir/r.json: its directory /nonexistent/dir"}},
  };
  for (const Case& c : cases) check(c);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// The telemetry socket of a running rampart, through the C++ client (app/common): rampart replays
// the sample pcap forever (infinite_rx=1, no tx_pcap: TX drops), the test queries every
// /rampart/... command, checks the shapes, that RX grows, that bad commands and parameters get an
// error or null answer without harming rampart, then stops it with SIGINT (by pid): exit 0 in 5 s.
//
// Environment (set by meson): RAMPART, RAMPART_SOURCE_ROOT, SAMPLE_PCAP.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/telemetry_client.h"
#include "pipeline_util.h"

namespace rampart::pipetest {
namespace {

using telemetry::Client;

class RunningRampart : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("pipe-tel");
    prefix_ = unique_prefix("tel");
    const std::string root = env_or_fail("RAMPART_SOURCE_ROOT");
    const std::vector<std::string> argv = {
        env_or_fail("RAMPART"), "--", "-c", root + "/drivers-config/examples/demo.toml",
        "--set", "ports.wire0.args.rx_pcap=" + env_or_fail("SAMPLE_PCAP"),
        "--set", "ports.wire0.args.infinite_rx=1",
        "--set", "ports.wire0.args.tx_pcap=",  // empty: removes the demo's tx_pcap
        "--set", "eal.file_prefix=" + prefix_, "--log-level", "info"};
    pid_ = spawn(argv, dir_ + "/stdout.txt", dir_ + "/stderr.txt");
    ASSERT_GT(pid_, 0);
    // Wait for the socket (EAL start, infinite_rx loads the pcap into mbufs first).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!client_.connect_prefix(prefix_)) {  // 5 s per reply: the machine may be busy
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "rampart exited early:\n" << read_file(dir_ + "/stderr.txt");
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "no telemetry socket: " << client_.error().message << "\n" << read_file(dir_ + "/stderr.txt");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The commands are registered after the ports start: wait until /rampart/info answers.
    for (int i = 0; i < 200; ++i) {
      auto v = client_.query("/rampart/info");
      ASSERT_TRUE(v.has_value()) << client_.error().message;
      if (!v->is_null()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }

  void TearDown() override {
    client_.close();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);  // only when a test failed before stopping it; our own child, by pid
      wait_process(pid_, 5, dir_ + "/stdout.txt", dir_ + "/stderr.txt");
    }
    remove_tree("/var/run/dpdk/" + prefix_);
    if (!HasFailure()) remove_tree(dir_);
  }

  json::Value q(const std::string& cmd) {
    auto v = client_.query(cmd);
    EXPECT_TRUE(v.has_value()) << cmd << ": " << client_.error().message;
    return v.value_or(json::Value());
  }

  static uint64_t at(const json::Value& v, std::initializer_list<std::string_view> keys) {
    const json::Value* cur = &v;
    for (auto k : keys) {
      cur = cur->find(k);
      if (!cur) {
        ADD_FAILURE() << "missing key " << k << " in " << json::write(v);
        return 0;
      }
    }
    EXPECT_TRUE(cur->is_number()) << json::write(*cur);
    return cur->as_uint();
  }

  // SIGINT: a clean stop, exit 0, in under 5 s, the summary printed, no mbuf leaked.
  void stop_with_sigint() {
    client_.close();
    ASSERT_EQ(kill(pid_, SIGINT), 0);
    const ProcResult r = wait_process(pid_, 5, dir_ + "/stdout.txt", dir_ + "/stderr.txt");
    pid_ = -1;
    EXPECT_FALSE(r.timed_out) << "rampart did not stop within 5 s of SIGINT";
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(r.seconds, 5.0);
    EXPECT_NE(r.out.find("Rampart summary"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(no leak)"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("mbuf leak"), std::string::npos) << r.err;
  }

  std::string dir_, prefix_;
  pid_t pid_ = -1;
  Client client_;
};

TEST_F(RunningRampart, AnswersEveryCommandAndStopsCleanlyOnSigint) {
  // info
  const json::Value info = q("/rampart/info");
  ASSERT_TRUE(info.is_object()) << json::write(info);
  EXPECT_EQ(at(info, {"pid"}), static_cast<uint64_t>(pid_));
  EXPECT_EQ(client_.server().pid, pid_);
  ASSERT_NE(info.find("version"), nullptr);
  EXPECT_TRUE(info.find("version")->is_string());
  EXPECT_EQ(at(info, {"main_lcore"}), 0u);
  ASSERT_NE(info.find("lcores"), nullptr);
  ASSERT_NE(info.find("lcores")->find("1"), nullptr) << json::write(info);
  EXPECT_NE(info.find("lcores")->find("1")->as_string().find("classify"), std::string::npos);
  ASSERT_NE(info.find("ports"), nullptr);
  ASSERT_NE(info.find("ports")->find("wire0"), nullptr) << json::write(info);
  EXPECT_NE(info.find("ports")->find("wire0")->as_string().find("net_pcap"), std::string::npos);
  for (const char* s : {"classify", "arp", "dns", "tcp", "other", "tx"})
    EXPECT_NE(info.find("stages")->find(s), nullptr) << s;

  // stats: ports, stages, totals; RX grows while rampart replays the pcap.
  const json::Value s1 = q("/rampart/stats");
  ASSERT_TRUE(s1.is_object()) << json::write(s1);
  for (const char* k : {"totals", "port_wire0", "stage_classify", "stage_arp", "stage_dns", "stage_tcp",
                        "stage_other", "stage_tx"})
    EXPECT_NE(s1.find(k), nullptr) << k << " missing in " << json::write(s1);
  const uint64_t rx1 = at(s1, {"port_wire0", "rx_packets"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const json::Value s2 = q("/rampart/stats");
  const uint64_t rx2 = at(s2, {"port_wire0", "rx_packets"});
  EXPECT_GT(rx2, rx1) << "RX did not grow";
  EXPECT_GE(at(s2, {"stage_classify", "in"}), at(s1, {"stage_classify", "in"}));
  EXPECT_GT(at(s2, {"stage_classify", "path_dns"}), 0u);
  EXPECT_EQ(at(s2, {"totals", "rx_packets"}), at(s2, {"port_wire0", "rx_packets"}));

  // drops: every reason as a key, malformed ones counting up.
  const json::Value d = q("/rampart/drops");
  ASSERT_TRUE(d.is_object()) << json::write(d);
  for (const char* k : {"eth_truncated", "vlan_truncated", "ipv4_bad_checksum", "l4_bad_checksum",
                        "policy_drop", "no_route", "ring_full", "tx_full", "stage_overflow", "shutdown"})
    EXPECT_NE(d.find(k), nullptr) << k << " missing in " << json::write(d);
  EXPECT_GT(at(d, {"ipv4_bad_checksum"}), 0u);
  EXPECT_EQ(at(d, {"policy_drop"}), 0u);

  // lcores: the worker, busy.
  const json::Value l = q("/rampart/lcores");
  ASSERT_NE(l.find("lcore_1"), nullptr) << json::write(l);
  EXPECT_GT(at(l, {"lcore_1", "busy_polls"}), 0u);
  EXPECT_GT(at(l, {"lcore_1", "packets"}), 0u);
  EXPECT_EQ(l.find("lcore_1")->find("stages")->as_string(), "classify,arp,dns,tcp,other,tx");

  // mempool: still running, so no exit figure yet.
  const json::Value m = q("/rampart/mempool");
  ASSERT_TRUE(m.is_object()) << json::write(m);
  EXPECT_EQ(at(m, {"size"}), 8191u);
  // in_use and available are read at two instants while lcore 1 allocates and frees.
  EXPECT_LE(at(m, {"in_use"}), 8191u);
  EXPECT_LE(at(m, {"available"}), 8191u);
  EXPECT_GT(at(m, {"in_use_at_start"}), 0u) << "infinite_rx holds the pcap in mbufs";
  ASSERT_NE(m.find("in_use_at_exit"), nullptr);
  EXPECT_EQ(m.find("in_use_at_exit")->as_int(), -1);

  // Lists of records arrive as one dict per record with every field (as JSON text inside an array,
  // DPDK cut them at 127 characters): the sample traffic's ARP neighbours and events.
  const json::Value table = q("/rampart/arp/table");
  const json::Value* n0 = table.find("neighbours/0");
  ASSERT_TRUE(n0 && n0->is_object()) << json::write(table);
  for (const char* f : {"ip", "mac", "port", "vlan", "state", "first_seen", "last_seen", "flags"})
    EXPECT_TRUE(n0->find(f)) << f << " missing: " << json::write(*n0);
  EXPECT_TRUE(table.find("neighbours/" + std::to_string(at(table, {"shown"}) - 1))) << "the last record shown";
  const json::Value events = q("/rampart/arp/events");
  const json::Value* e0 = events.find("events/0");
  ASSERT_TRUE(e0 && e0->is_object()) << json::write(events);
  for (const char* f : {"time_unix", "kind", "ip", "new_mac", "port", "vlan"})
    EXPECT_TRUE(e0->find(f)) << f << " missing: " << json::write(*e0);

  // The command list holds ours.
  const auto cmds = client_.list_commands();
  ASSERT_TRUE(cmds.has_value());
  for (const char* c : {"/rampart/info", "/rampart/stats", "/rampart/drops", "/rampart/lcores", "/rampart/mempool"})
    EXPECT_NE(std::find(cmds->begin(), cmds->end(), c), cmds->end()) << c;

  // Bad command and bad parameters: an error or null, and rampart keeps serving.
  const json::Value unknown = q("/rampart/no_such_command");
  EXPECT_TRUE(unknown.is_null()) << json::write(unknown);
  const json::Value bad_params = q("/rampart/stats,port9");
  EXPECT_TRUE(bad_params.is_null() ||
              (bad_params.is_object() && bad_params.find("error") != nullptr))
      << json::write(bad_params);
  if (bad_params.is_object()) {
    EXPECT_NE(bad_params.find("error")->as_string().find("takes no parameters"), std::string::npos);
  }
  const json::Value junk = q("/rampart/info,\x01\x02");
  EXPECT_TRUE(junk.is_null() || junk.find("error")) << json::write(junk);
  // Non-ASCII and invalid UTF-8 echoed in an error: DPDK 22.11 writes any byte >= 0x80 as invalid
  // JSON, so Rampart hands it ASCII (docs/telemetry.md); operator input byte for byte, as \xNN (a
  // folded 'wire?' would look like a port name that does exist).
  const json::Value echo = q("/rampart/arp/add_address,w\xc3\xafre\xff,10.9.9.9/24");
  ASSERT_TRUE(echo.is_object() && echo.find("error")) << json::write(echo);
  EXPECT_EQ(echo.find("error")->as_string(), "no port named 'w\\xc3\\xafre\\xff'");
  // A second client at the same time works too, and the first one still does.
  Client other;
  ASSERT_TRUE(other.connect_prefix(prefix_)) << other.error().message;
  EXPECT_TRUE(other.query("/rampart/drops").has_value());
  const json::Value s3 = q("/rampart/stats");
  EXPECT_GE(at(s3, {"port_wire0", "rx_packets"}), rx2);
  other.close();
  stop_with_sigint();
}

// Random commands with random parameters (fixed seed): known words, numbers out of range, CIDRs,
// separators, format directives, bytes >= 0x80, long garbage. Every answer is JSON (an object, or
// null for what DPDK refuses), rampart keeps serving, and it still stops cleanly with no leak.
TEST_F(RunningRampart, SurvivesRandomCommandsAndParameters) {
  const json::Value list = q("/");  // every registered command
  ASSERT_TRUE(list.is_array()) << json::write(list);
  std::vector<std::string> cmds;
  for (const auto& c : list.as_array())
    // Not scan_save: it writes a file wherever its parameter says (tested on its own).
    if (c.is_string() && c.as_string().rfind("/rampart/", 0) == 0 && c.as_string() != "/rampart/arp/scan_save")
      cmds.push_back(c.as_string());
  ASSERT_GT(cmds.size(), 10u);
  static const char* const kWords[] = {
      "", "wire0", "wire9", "0", "1", "-1", "65536", "18446744073709551616", "3.5", "1e9", "names",
      "domains", "clients", "nxdomain", "10", "100000", "10.9.0.0/30", "10.9.9.9/24", "::1/128",
      "300.1.1.1/8", "10.9.0.0/0", "start", "stop", "all", "lan", "on", "off", "true", "%s%n", "\\",
      "\"", "\xff\xfe", "\xc3\xa9", " ", "\t"};
  XorShift64 next{0x2545f4914f6cdd1dull};
  size_t errors = 0, nulls = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string cmd = cmds[next() % cmds.size()];
    switch (next() % 4) {
      case 0: break;  // as registered
      case 1:
      case 2:
        for (unsigned k = 0, n = 1 + next() % 4; k < n; ++k) cmd += std::string(",") + kWords[next() % std::size(kWords)];
        break;
      case 3: {
        cmd += ',';
        for (unsigned k = 0, n = next() % 200; k < n; ++k) cmd += static_cast<char>(1 + next() % 255);
        break;
      }
    }
    const auto v = client_.query(cmd);
    ASSERT_TRUE(v.has_value()) << "no JSON answer to #" << i << ": " << client_.error().message;
    if (v->is_null()) ++nulls;
    else if (v->is_object() && v->find("error")) ++errors;
  }
  EXPECT_GT(errors, 100u) << "bad parameters are refused with an error";
  const json::Value info = q("/rampart/info");
  ASSERT_TRUE(info.is_object()) << json::write(info);
  EXPECT_EQ(at(info, {"pid"}), static_cast<uint64_t>(pid_));
  std::printf("  1500 random commands: %zu errors, %zu null answers\n", errors, nulls);
  stop_with_sigint();
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

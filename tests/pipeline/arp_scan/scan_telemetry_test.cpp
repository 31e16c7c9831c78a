// The ARP scanner through its real command path: the rampart binary on a net_pcap port, asked over
// its DPDK telemetry socket by the C++ client (app/common), as rampartctl does.
//
// The port replays a capture forever (infinite_rx): ARP replies addressed to Rampart from
// 10.0.0.5 and 10.0.0.9 (untagged), from 10.0.7.9 on VLAN 7, and from 10.0.7.10 untagged
// (another network reusing VLAN 7's numbers). Whatever Rampart sends lands in tx_pcap. Checked:
//   - /rampart/arp/scan's errors (bad CIDR, range wider than stages.arp.scan_max_prefix, bad VLAN,
//     unknown port), and that the config key widens the range (a second rampart);
//   - two scans started at the same moment from two clients (each on its own telemetry thread),
//     running at the same time: one untagged, one on VLAN 7, each with its own source address,
//     each finding exactly its own hosts; their requests in the TX capture;
//   - /rampart/arp/scan_save's JSON (and CSV) files: the scan as /rampart/arp/scans shows it and
//     every host row.
//
// Environment (set by meson): RAMPART.
#include <pcap/pcap.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "../pipeline_util.h"
#include "arp/addr_text.h"
#include "arp/oui.h"
#include "common/json.h"
#include "common/telemetry_client.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

using proto::PacketBuilder;
using telemetry::Client;

constexpr const char* kOurMac = "02:aa:00:00:00:01";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

Bytes reply_to_us(const char* mac, const char* ip, const char* our_ip, uint16_t vlan) {
  PacketBuilder b;
  b.eth(mac, kOurMac);
  if (vlan) b.vlan(vlan);
  return b.arp(2, mac, ip, kOurMac, our_ip).pad_to(60).build();
}

std::string str(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  return f && f->is_string() ? f->as_string() : "<missing " + std::string(key) + ">";
}
uint64_t num(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  EXPECT_TRUE(f && f->is_number()) << key << " in " << json::write(v);
  return f && f->is_number() ? f->as_uint() : 0;
}
std::string error_of(const json::Value& v) {
  const json::Value* e = v.is_object() ? v.find("error") : nullptr;
  return e && e->is_string() ? e->as_string() : "";
}

// One rampart process with the capture above, and a telemetry client of it.
class Rampart {
 public:
  Rampart(const std::string& dir, const std::string& tag, std::vector<std::string> sets) : dir_(dir) {
    prefix_ = unique_prefix(tag);
    write_file(dir + "/" + tag + ".toml",
               "[eal]\nargs = [\"--no-pci\", \"--no-huge\", \"-m\", \"128\"]\nlcores = \"0-1\"\n"
               "[mempool]\nmbufs = 2047\n"
               "[ports.lan]\nprofile = \"net_pcap\"\n"
               "args = { rx_pcap = \"" + dir + "/in.pcap\", infinite_rx = 1, tx_pcap = \"" + dir + "/" +
                   tag + "-out.pcap\" }\n"
               "ipv4 = [\"10.0.0.1/24\", \"10.0.7.1/24 vlan 7\"]\nmac = \"" + kOurMac + "\"\n"
               "[stages.arp]\npolicy = \"drop\"\n");
    std::vector<std::string> argv = {env_or_fail("RAMPART"), "--", "-c", dir + "/" + tag + ".toml",
                                     "--set", "eal.file_prefix=" + prefix_, "--log-level", "error"};
    for (auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    out_ = dir + "/" + tag + ".stdout";
    err_ = dir + "/" + tag + ".stderr";
    pid_ = spawn(argv, out_, err_);
  }
  ~Rampart() {
    client.close();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);  // only after a failure; our own child, by pid
      wait_process(pid_, 5, out_, err_);
    }
    remove_tree("/var/run/dpdk/" + prefix_);
  }

  // Connected, and the commands registered (they are, once /rampart/info answers).
  void wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!client.connect_prefix(prefix_)) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "rampart exited early:\n" << read_file(err_);
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no telemetry socket:\n" << read_file(err_);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (int i = 0; i < 400; ++i) {
      auto v = client.query("/rampart/arp/scans");
      ASSERT_TRUE(v.has_value()) << client.error().message;
      if (v->is_object()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "/rampart/arp/scans never answered";
  }

  json::Value q(const std::string& cmd) { return q_with(client, cmd); }
  static json::Value q_with(Client& c, const std::string& cmd) {
    auto v = c.query(cmd);
    EXPECT_TRUE(v.has_value()) << cmd << ": " << c.error().message;
    return v.value_or(json::Value());
  }

  // SIGINT, then a clean exit.
  void stop() {
    client.close();
    ASSERT_EQ(kill(pid_, SIGINT), 0);
    const ProcResult r = wait_process(pid_, 20, out_, err_);
    pid_ = -1;
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }

  const std::string& prefix() const { return prefix_; }
  Client client;

 private:
  std::string dir_, prefix_, out_, err_;
  pid_t pid_ = -1;
};

class ScanTelemetry : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("pipe-arpscan-tel");
    write_pcap(dir_ + "/in.pcap", {reply_to_us("00:16:3e:00:00:05", "10.0.0.5", "10.0.0.1", 0),
                                   reply_to_us("00:16:3e:00:00:09", "10.0.0.9", "10.0.0.1", 0),
                                   reply_to_us("00:16:3e:00:07:09", "10.0.7.9", "10.0.7.1", 7),
                                   reply_to_us("00:16:3e:00:07:0a", "10.0.7.10", "10.0.7.1", 0)});
  }
  void TearDown() override {
    if (!HasFailure()) remove_tree(dir_);
  }
  std::string dir_;
};

TEST_F(ScanTelemetry, StartErrorsAndTheConfigKeyThatWidensTheRange) {
  {
    Rampart r(dir_, "errs", {});
    r.wait_ready();
    ASSERT_FALSE(HasFailure());
    for (const char* bad : {"10.0.0.300/24", "10.0.0.0/33", "10.0.0.0/", "ten/24", "10.0.0.0/24x"}) {
      const json::Value v = r.q(std::string("/rampart/arp/scan,lan,") + bad);
      EXPECT_NE(error_of(v).find("bad"), std::string::npos) << bad << ": " << json::write(v);
    }
    json::Value v = r.q("/rampart/arp/scan,lan,10.0.0.0/15");
    EXPECT_EQ(error_of(v), "range /15 too large: at most /16 (stages.arp.scan_max_prefix)") << json::write(v);
    v = r.q("/rampart/arp/scan,lan,10.0.0.0/16,0,1,10,4095");
    EXPECT_NE(error_of(v).find("vlan must be"), std::string::npos) << json::write(v);
    v = r.q("/rampart/arp/scan,wan,10.0.0.0/24");
    EXPECT_NE(error_of(v).find("unknown port 'wan'"), std::string::npos) << json::write(v);
    v = r.q("/rampart/arp/scan,lan,10.0.0.0/24,1,1,1,1,1");
    EXPECT_NE(error_of(v).find("usage"), std::string::npos) << json::write(v);
    EXPECT_EQ(num(r.q("/rampart/arp/scans"), "count"), 0u) << "no scan was started by any of them";
    r.stop();
  }
  {
    Rampart r(dir_, "wide", {"stages.arp.scan_max_prefix=14"});
    r.wait_ready();
    ASSERT_FALSE(HasFailure());
    json::Value v = r.q("/rampart/arp/scan,lan,10.0.0.0/15,1000");
    ASSERT_EQ(error_of(v), "") << json::write(v);
    EXPECT_EQ(num(v, "hosts"), 131070u);
    EXPECT_EQ(str(v, "src_ip"), "10.0.0.1");
    v = r.q("/rampart/arp/scan,lan,10.0.0.0/13");
    EXPECT_EQ(error_of(v), "range /13 too large: at most /14 (stages.arp.scan_max_prefix)") << json::write(v);
    r.q("/rampart/arp/scan_cancel,1");
    r.stop();
  }
}

TEST_F(ScanTelemetry, TwoConcurrentScansOneOnAVlanAndTheirSavedResults) {
  Rampart r(dir_, "two", {});
  r.wait_ready();
  ASSERT_FALSE(HasFailure());
  // Two clients, two telemetry threads in rampart, both asking at once. 2000 pps: a pass over a
  // /24 takes ~127 ms, so the scans overlap.
  Client other;
  ASSERT_TRUE(other.connect_prefix(r.prefix())) << other.error().message;
  json::Value started[2];
  std::thread a([&] { started[0] = Rampart::q_with(r.client, "/rampart/arp/scan,lan,10.0.0.0/24,2000,2,100"); });
  std::thread b([&] { started[1] = Rampart::q_with(other, "/rampart/arp/scan,lan,10.0.7.0/24,2000,2,100,7"); });
  a.join();
  b.join();
  ASSERT_EQ(error_of(started[0]), "") << json::write(started[0]);
  ASSERT_EQ(error_of(started[1]), "") << json::write(started[1]);
  const uint64_t id_a = num(started[0], "id"), id_b = num(started[1], "id");
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(str(started[0], "src_ip"), "10.0.0.1");
  EXPECT_EQ(str(started[1], "src_ip"), "10.0.7.1") << "the source is our address on the scan's VLAN";
  EXPECT_EQ(num(started[1], "vlan"), 7u);
  const std::string key_a = "scan_" + std::to_string(id_a), key_b = "scan_" + std::to_string(id_b);

  bool both_running = false;
  json::Value list;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    list = r.q("/rampart/arp/scans");
    const json::Value* sa = list.find(key_a);
    const json::Value* sb = list.find(key_b);
    ASSERT_TRUE(sa && sb) << json::write(list);
    both_running |= str(*sa, "state") == "running" && str(*sb, "state") == "running";
    if (str(*sa, "state") != "running" && str(*sb, "state") != "running") break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << json::write(list);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(both_running) << "the two scans never ran at the same time";
  const json::Value& sa = *list.find(key_a);
  const json::Value& sb = *list.find(key_b);
  EXPECT_EQ(str(sa, "state"), "done");
  EXPECT_EQ(str(sb, "state"), "done");
  EXPECT_EQ(num(sa, "answered"), 2u) << json::write(sa);
  EXPECT_EQ(num(sb, "answered"), 1u) << "only 10.0.7.9, on VLAN 7: " << json::write(sb);
  EXPECT_EQ(num(sa, "results"), 2u);
  EXPECT_EQ(num(sb, "results"), 1u);
  EXPECT_EQ(num(sa, "remaining"), 0u);
  EXPECT_EQ(num(sa, "sent"), 254u + 252u) << "the silent hosts asked twice";
  EXPECT_EQ(num(sb, "sent"), 254u + 253u);
  EXPECT_EQ(num(sa, "vlan"), 0u);
  EXPECT_EQ(num(sb, "vlan"), 7u);
  EXPECT_EQ(str(sb, "src_ip"), "10.0.7.1");

  // scan_save: JSON (any name not ending in .csv) and CSV.
  const std::string json_path = dir_ + "/scan-a.json", csv_path = dir_ + "/scan-a.csv";
  json::Value saved = r.q("/rampart/arp/scan_save," + std::to_string(id_a) + "," + json_path);
  EXPECT_EQ(str(saved, "format"), "json") << json::write(saved);
  EXPECT_EQ(num(saved, "rows"), 2u);
  saved = r.q("/rampart/arp/scan_save," + std::to_string(id_a) + "," + csv_path);
  EXPECT_EQ(str(saved, "format"), "csv") << json::write(saved);
  const auto doc = json::parse(read_file(json_path));
  ASSERT_TRUE(doc.value) << doc.error << "\n" << read_file(json_path);
  ASSERT_TRUE(doc.value->is_object());
  const json::Value* scan = doc.value->find("scan");
  ASSERT_TRUE(scan && scan->is_object()) << read_file(json_path);
  // The scan as /rampart/arp/scans shows it (it is over: nothing moves any more).
  for (const char* k : {"id", "hosts", "sent", "answered", "remaining", "results", "vlan", "pps", "tries",
                        "timeout_ms", "started_unix_ms", "finished_unix_ms", "elapsed_us"})
    EXPECT_EQ(num(*scan, k), num(sa, k)) << k;
  for (const char* k : {"port", "cidr", "state", "src_ip"}) EXPECT_EQ(str(*scan, k), str(sa, k)) << k;
  const json::Value* hosts = doc.value->find("hosts");
  ASSERT_TRUE(hosts && hosts->is_array()) << read_file(json_path);
  ASSERT_EQ(hosts->as_array().size(), 2u);
  arp::OuiTable oui;
  std::string loaded, err;
  oui.load_default(&loaded, &err);
  std::map<std::string, const json::Value*> by_ip;
  for (const json::Value& h : hosts->as_array()) by_ip[str(h, "ip")] = &h;
  ASSERT_EQ(by_ip.size(), 2u) << json::write(*hosts);
  std::string csv = "ip,mac,vendor,rtt_us,replies,dup\n";
  for (const json::Value& h : hosts->as_array()) {
    const std::string ip = str(h, "ip");
    ASSERT_TRUE(ip == "10.0.0.5" || ip == "10.0.0.9") << ip;
    const std::string mac = ip == "10.0.0.5" ? "00:16:3e:00:00:05" : "00:16:3e:00:00:09";
    EXPECT_EQ(str(h, "mac"), mac);
    EXPECT_EQ(str(h, "vendor"), oui.vendor(ip == "10.0.0.5" ? arp::MacBytes{0, 0x16, 0x3e, 0, 0, 5}
                                                            : arp::MacBytes{0, 0x16, 0x3e, 0, 0, 9}));
    EXPECT_GE(num(h, "replies"), 1u);
    EXPECT_EQ(num(h, "dup"), 1u);
    EXPECT_LT(num(h, "rtt_us"), 1000000u);
    csv += ip + "," + mac + ",\"" + str(h, "vendor") + "\"," + std::to_string(num(h, "rtt_us")) + "," +
           std::to_string(num(h, "replies")) + ",1\n";
  }
  // The CSV was written a moment later: replies may have grown; compare all but that column.
  const auto strip_replies = [](const std::string& text) {
    std::string out, line;
    for (char c : text) {
      if (c != '\n') {
        line += c;
        continue;
      }
      const size_t last = line.rfind(','), before = line.rfind(',', last - 1);
      out += line.substr(0, before) + line.substr(last) + "\n";
      line.clear();
    }
    return out;
  };
  EXPECT_EQ(strip_replies(read_file(csv_path)), strip_replies(csv));

  r.stop();
  // What went out: each scan's requests, tagged or not, from its source (and the announcements).
  std::map<std::string, std::set<std::string>> targets;  // "vlan/src" -> targets
  for (const Bytes& f : read_pcap(dir_ + "/two-out.pcap")) {
    const bool tagged = f.size() >= 18 && f[12] == 0x81 && f[13] == 0x00;
    const size_t arp = tagged ? 18 : 14;
    ASSERT_GE(f.size(), arp + 28);
    if (f[arp + 7] != 1) continue;  // requests only
    const auto ip_at = [&](size_t o) {
      return arp::format_ipv4(uint32_t{f[o]} << 24 | uint32_t{f[o + 1]} << 16 | uint32_t{f[o + 2]} << 8 | f[o + 3]);
    };
    const std::string spa = ip_at(arp + 14), tpa = ip_at(arp + 24);
    // Our own address is a target like any other: that request is the same frame as our
    // announcement at start, so the set does not tell them apart (nor need to).
    targets[std::to_string(tagged ? ((f[14] & 0x0f) << 8 | f[15]) : 0) + "/" + spa].insert(tpa);
  }
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets["0/10.0.0.1"].size(), 254u);
  EXPECT_EQ(targets["7/10.0.7.1"].size(), 254u);
  EXPECT_EQ(*targets["7/10.0.7.1"].begin(), "10.0.7.1");
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

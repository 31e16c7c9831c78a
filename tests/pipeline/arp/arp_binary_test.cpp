// The rampart binary on net_pcap with an ARP capture written here: pcap in -> pcap + report out.
// The port owns 10.0.0.1/24 (MAC 02:aa:00:00:00:01) and the ARP path's policy is drop, so the
// output pcap holds exactly what the ARP stage generated: the gratuitous announcement at start and
// one reply per request for our address. The report must show the flip-flop event and the
// malformed frames counted by reason.
//
// Environment (set by meson): RAMPART.
#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "../pipeline_util.h"
#include "common/json.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

using proto::PacketBuilder;

constexpr const char* kOurMac = "02:aa:00:00:00:01";
constexpr const char* kHostMac = "02:00:00:00:00:0a";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";
constexpr const char* kZero = "00:00:00:00:00:00";

const json::Value& at(const json::Value& v, std::initializer_list<std::string_view> keys) {
  static const json::Value missing;
  const json::Value* cur = &v;
  for (auto k : keys) {
    cur = cur->find(k);
    if (!cur) {
      ADD_FAILURE() << "missing key " << k;
      return missing;
    }
  }
  return *cur;
}

Bytes padded(Bytes b) {
  b.resize(std::max<size_t>(b.size(), 60), 0);
  return b;
}

TEST(ArpBinary, AnswersAnnouncesDetectsAndCountsMalformedArp) {
  const std::string dir = make_temp_dir("pipe-arp");
  const Bytes req = PacketBuilder().eth(kHostMac, kBcast)
                        .arp(1, kHostMac, "10.0.0.10", kZero, "10.0.0.1").pad_to(60).build();
  Bytes hlen = req, plen = req, op = req, truncated = req;
  hlen[14 + 4] = 8;
  plen[14 + 5] = 16;
  op[14 + 7] = 9;
  truncated.resize(14 + 20);
  const std::vector<Bytes> in = {
      req,
      // 10.0.0.20 announces itself, then answers with another MAC: a flip-flop.
      PacketBuilder().eth("02:00:00:00:00:21", kBcast)
          .arp(2, "02:00:00:00:00:21", "10.0.0.20", kBcast, "10.0.0.20").build(),
      PacketBuilder().eth("02:00:00:00:00:22", "02:00:00:00:00:30")
          .arp(2, "02:00:00:00:00:22", "10.0.0.20", "02:00:00:00:00:30", "10.0.0.30").build(),
      // A request for somebody else: not ours, dropped by the path policy.
      PacketBuilder().eth(kHostMac, kBcast).arp(1, kHostMac, "10.0.0.10", kZero, "10.0.0.99").build(),
      hlen, plen, op, truncated,
  };
  write_pcap(dir + "/in.pcap", in);
  write_file(dir + "/arp.toml",
             "[eal]\nargs = [\"--no-pci\", \"--no-huge\", \"-m\", \"128\"]\nlcores = \"0-1\"\n"
             "[mempool]\nmbufs = 2047\n"
             "[ports.wire0]\nprofile = \"net_pcap\"\n"
             "args = { rx_pcap = \"" + dir + "/in.pcap\", tx_pcap = \"" + dir + "/out.pcap\" }\n"
             "ipv4 = [\"10.0.0.1/24\"]\nmac = \"" + kOurMac + "\"\n"
             "[stages.arp]\npolicy = \"drop\"\n");
  const std::string prefix = unique_prefix("arpbin");
  const ProcResult r = run_process({env_or_fail("RAMPART"), "--", "-c", dir + "/arp.toml", "--set",
                                    "eal.file_prefix=" + prefix, "--idle-exit", "0.5", "--report",
                                    dir + "/report.json", "--log-level", "warn"},
                                   60, dir);
  remove_tree("/var/run/dpdk/" + prefix);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Output: the announcement and exactly one reply, byte for byte.
  const std::vector<Bytes> out = read_pcap(dir + "/out.pcap");
  const Bytes announcement = padded(PacketBuilder().eth(kOurMac, kBcast)
                                        .arp(1, kOurMac, "10.0.0.1", kZero, "10.0.0.1").build());
  const Bytes reply = PacketBuilder().eth(kOurMac, kHostMac)
                          .arp(2, kOurMac, "10.0.0.1", kHostMac, "10.0.0.10").pad_to(60).build();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::count(out.begin(), out.end(), announcement), 1) << hex(out[0]);
  EXPECT_EQ(std::count(out.begin(), out.end(), reply), 1) << hex(out[1]);

  const auto parsed = json::parse(read_file(dir + "/report.json"));
  ASSERT_TRUE(parsed.value) << parsed.error;
  const json::Value& rep = *parsed.value;
  const json::Value& stats = at(rep, {"/rampart/arp/stats"});
  EXPECT_EQ(at(stats, {"replies_out"}).as_uint(), 1u);
  EXPECT_EQ(at(stats, {"gratuitous_out"}).as_uint(), 1u);
  EXPECT_EQ(at(stats, {"requests_in"}).as_uint(), 2u);
  EXPECT_EQ(at(stats, {"replies_in"}).as_uint(), 2u);
  EXPECT_EQ(at(stats, {"events", "flip_flop"}).as_uint(), 1u);
  EXPECT_EQ(at(stats, {"table_size"}).as_uint(), 2u);
  // The table takes paging parameters now, and its first page is still in the report.
  const json::Value& table = at(rep, {"/rampart/arp/table"});
  EXPECT_EQ(at(table, {"entries"}).as_uint(), 2u);
  EXPECT_EQ(at(table, {"shown"}).as_uint(), 2u);
  EXPECT_EQ(at(table, {"next_offset"}).as_uint(), 2u);
  // Each neighbour is a record of its own, "neighbours/<i>", with every field (not JSON text that
  // DPDK would cut at 127 characters).
  EXPECT_EQ(at(table, {"neighbours/0", "ip"}).as_string(), "10.0.0.10");
  EXPECT_EQ(at(table, {"neighbours/1", "ip"}).as_string(), "10.0.0.20");
  EXPECT_EQ(at(table, {"neighbours/1", "mac"}).as_string(), "02:00:00:00:00:22");
  EXPECT_NE(at(table, {"neighbours/1", "flags"}).as_string().find("mac_changed"), std::string::npos);
  EXPECT_FALSE(table.find("neighbours/2"));
  // The malformed frames, by reason: classify's format checks, the stage's operation check.
  const json::Value& drops = at(rep, {"/rampart/drops"});
  EXPECT_EQ(at(drops, {"arp_bad_format"}).as_uint(), 2u);
  EXPECT_EQ(at(drops, {"arp_truncated"}).as_uint(), 1u);
  EXPECT_EQ(at(drops, {"arp_bad_op"}).as_uint(), 1u);
  EXPECT_EQ(at(drops, {"policy_drop"}).as_uint(), 3u) << "the two 10.0.0.20 frames and the other request";
  // The events, as telemetry serves them: one record per event, "events/<i>".
  bool flip = false;
  for (const auto& [key, ev] : at(rep, {"/rampart/arp/events"}).as_object()) {
    if (key.rfind("events/", 0) != 0) continue;
    if (at(ev, {"kind"}).as_string() != "flip_flop") continue;
    flip = true;
    EXPECT_EQ(at(ev, {"ip"}).as_string(), "10.0.0.20");
    EXPECT_EQ(at(ev, {"old_mac"}).as_string(), "02:00:00:00:00:21");
    EXPECT_EQ(at(ev, {"new_mac"}).as_string(), "02:00:00:00:00:22");
    EXPECT_EQ(at(ev, {"port"}).as_string(), "wire0");
    EXPECT_EQ(at(ev, {"vlan"}).as_uint(), 0u) << "the last field, beyond 127 characters of JSON text";
  }
  EXPECT_TRUE(flip) << json::write(at(rep, {"/rampart/arp/events"}));
  if (!HasFailure()) remove_tree(dir);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

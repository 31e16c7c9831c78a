// rampartctl's `arp scan`: argument handling, the start command it sends, how result pages are
// read back in row order, and the arp-scan-like table.
#include <gtest/gtest.h>

#include "common/json.h"
#include "rampartctl/arp_scan.h"
#include "rampartctl/cli.h"

using namespace rampart;

static ctl::Resolved resolve(std::vector<std::string> args) {
  auto parsed = ctl::parse_args(args);
  EXPECT_TRUE(parsed.options) << parsed.error;
  if (!parsed.options) return {};
  return ctl::resolve(*parsed.options);
}

TEST(RampartctlArpScan, StartCommandWithDefaultsLeftEmpty) {
  auto r = resolve({"arp", "scan", "lan", "10.0.0.0/24"});
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->kind, ctl::Request::Kind::arp_scan);
  EXPECT_EQ(r.request->telemetry, "/rampart/arp/scan,lan,10.0.0.0/24,,,");
  r = resolve({"--pps", "1000", "arp", "scan", "0", "10.0.0.0/24", "--timeout-ms=200", "--retries", "3"});
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->telemetry, "/rampart/arp/scan,0,10.0.0.0/24,1000,3,200");
  r = resolve({"arp", "scan", "lan", "10.0.7.0/24", "--vlan", "7"});
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->telemetry, "/rampart/arp/scan,lan,10.0.7.0/24,,,,7");
}

TEST(RampartctlArpScan, UsageErrors) {
  EXPECT_FALSE(resolve({"arp", "scan", "lan"}).request);
  EXPECT_FALSE(resolve({"arp", "table", "5"}).request);  // paging takes OFFSET and COUNT
  EXPECT_FALSE(resolve({"arp", "scan", "lan", "10.0.0.0/24", "--pps", "fast"}).request);
  EXPECT_FALSE(resolve({"stats", "--pps", "10"}).request);  // scan options elsewhere
  EXPECT_FALSE(resolve({"arp", "scan", "lan", "10.0.0.0/24", "--vlan", "x7"}).request);
  EXPECT_FALSE(resolve({"stats", "--vlan", "7"}).request);
  EXPECT_FALSE(ctl::parse_args({"arp", "scan", "lan", "10.0.0.0/24", "--pps"}).options);
  EXPECT_NE(ctl::usage().find("arp scan PORT CIDR"), std::string::npos);
}

static json::Value row(const char* ip, const char* mac, const char* vendor, uint64_t dup, uint64_t replies) {
  json::Value v = json::Value::object();
  v.set("ip", ip);
  v.set("mac", mac);
  v.set("vendor", vendor);
  v.set("rtt_us", uint64_t{120});
  v.set("replies", replies);
  v.set("dup", dup);
  return v;
}

TEST(RampartctlArpScan, PageRowsInRowOrderAndOldServersJsonText) {
  json::Value page = json::Value::object();
  page.set("id", uint64_t{1});
  page.set("total", uint64_t{12});
  page.set("h10", row("10.0.0.10", "00:16:3e:00:00:0a", "Xensource, Inc.", 1, 1));
  page.set("h2", row("10.0.0.2", "00:16:3e:00:00:02", "Xensource, Inc.", 1, 1));
  page.set("h11", json::write(row("10.0.0.2", "02:00:00:00:00:99", "(Unknown)", 2, 3)));
  page.set("hx", row("1.1.1.1", "x", "x", 1, 1));  // not a row key
  const auto rows = ctl::scan_page_rows(page);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].find("ip")->as_string(), "10.0.0.2");
  EXPECT_EQ(rows[1].find("ip")->as_string(), "10.0.0.10");
  EXPECT_EQ(rows[2].find("mac")->as_string(), "02:00:00:00:00:99");
}

TEST(RampartctlArpScan, TableLikeArpScan) {
  const std::string t = ctl::render_scan_hosts({row("10.0.0.2", "00:16:3e:00:00:02", "Xensource, Inc.", 1, 1),
                                                row("10.0.0.2", "02:00:00:00:00:99", "(Unknown)", 2, 3)});
  EXPECT_EQ(t,
            "10.0.0.2\t00:16:3e:00:00:02\tXensource, Inc.\n"
            "10.0.0.2\t02:00:00:00:00:99\t(Unknown) (DUP: 2) (replies: 3)\n");
  json::Value scan = json::Value::object();
  scan.set("id", uint64_t{4});
  scan.set("state", "done");
  scan.set("hosts", uint64_t{254});
  scan.set("answered", uint64_t{1});
  scan.set("duplicates", uint64_t{3});
  scan.set("sent", uint64_t{507});
  scan.set("elapsed_us", uint64_t{127000});
  EXPECT_EQ(ctl::render_scan_summary(scan),
            "Ending Rampart scan 4 (done): 254 hosts scanned in 0.127 seconds (2000.00 hosts/sec). "
            "1 responded, 3 duplicate replies, 507 requests sent\n");
}

// rampartctl rates: the per-second change of every counter between two readings of /rampart/stats.
#include "rampartctl/rates.h"

#include <gtest/gtest.h>

#include "rampartctl/cli.h"

namespace {

using rampart::json::Value;
using rampart::ctl::per_second;

Value j(const char* text) {
  auto r = rampart::json::parse(text);
  EXPECT_TRUE(r.value) << r.error;
  return r.value ? *r.value : Value();
}

TEST(RampartctlRates, CountersPerSecondOneLevelDown) {
  const Value a = j(R"({"totals": {"rx_packets": 1000, "drops": 10}, "port_wire0": {"port_id": 0,
    "rx_packets": 1000, "name": "wire0"}, "uptime_s": 5})");
  const Value b = j(R"({"totals": {"rx_packets": 4000, "drops": 10}, "port_wire0": {"port_id": 0,
    "rx_packets": 4000, "name": "wire0"}, "uptime_s": 7, "new": {"x": 1}})");
  EXPECT_EQ(rampart::json::write(per_second(a, b, 2.0)),
            R"({"totals":{"rx_packets":1500,"drops":0},"port_wire0":{"rx_packets":1500},"uptime_s":1})");
}

TEST(RampartctlRates, BackwardsNonCountersAndDepth) {
  // A counter that went back (a restart in between) gives 0; negatives, doubles, strings and
  // anything two levels down are not counters.
  const Value a = j(R"({"c": 10, "neg": -5, "d": 1.5, "s": "x", "o": {"deep": {"n": 1}}})");
  const Value b = j(R"({"c": 4, "neg": -1, "d": 9.5, "s": "y", "o": {"deep": {"n": 9}}})");
  EXPECT_EQ(rampart::json::write(per_second(a, b, 1.0)), R"({"c":0})");
  // Counters beyond int64 arrive as uint64.
  EXPECT_EQ(rampart::json::write(per_second(j(R"({"c": 9223372036854775808})"),
                                            j(R"({"c": 9223372036854776808})"), 10.0)),
            R"({"c":100})");
  EXPECT_EQ(rampart::json::write(per_second(j("[1]"), j("{}"), 1.0)), "{}");
  EXPECT_EQ(rampart::json::write(per_second(j(R"({"c": 1})"), j(R"({"c": 2})"), 0.0)), R"({"c":0})");
}

TEST(RampartctlRates, TheNeighbourGaugeIsShownAsItIs) {
  const Value a = j(R"({"stage_arp": {"in": 100, "neighbours": 24}})");
  const Value b = j(R"({"stage_arp": {"in": 300, "neighbours": 30}})");
  EXPECT_EQ(rampart::json::write(per_second(a, b, 2.0)), R"({"stage_arp":{"in":100,"neighbours":30}})");
}

TEST(RampartctlRates, CommandLine) {
  using rampart::ctl::parse_args;
  using rampart::ctl::Request;
  using rampart::ctl::resolve;
  auto r = resolve(*parse_args({"rates"}).options);
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->kind, Request::Kind::rates);
  EXPECT_EQ(r.request->interval, std::chrono::milliseconds(1000));
  r = resolve(*parse_args({"rates", "0.25"}).options);
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->interval, std::chrono::milliseconds(250));
  for (const char* bad : {"0", "-1", "x", "601"})
    EXPECT_FALSE(resolve(*parse_args({"rates", bad}).options).request) << bad;
  EXPECT_FALSE(resolve(*parse_args({"rates", "1", "2"}).options).request);
}

}  // namespace

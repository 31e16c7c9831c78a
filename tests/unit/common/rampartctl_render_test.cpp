#include "rampartctl/render.h"

#include <gtest/gtest.h>

#include "common/json.h"

namespace {

using rampart::ctl::cell_text;
using rampart::ctl::format_table;
using rampart::ctl::render;
using rampart::ctl::RenderOptions;
using rampart::ctl::Table;
using rampart::json::Value;

Value j(std::string_view text) {
  auto r = rampart::json::parse(text);
  EXPECT_TRUE(r.value) << r.error;
  return r.value.value_or(Value());
}

TEST(RampartctlRender, ObjectOfObjectsIsOneTable) {
  Value stats = j(R"({
    "totals": {"rx_packets": 1000, "tx_packets": 990, "drops": 10},
    "port.wire0": {"rx_packets": 1000, "tx_packets": 990},
    "stage.classify": {"in": 1000, "out": 995, "drops": 5}
  })");
  EXPECT_EQ(render(stats),
            "                rx_packets  tx_packets  drops    in  out\n"
            "totals                1000         990     10     -    -\n"
            "port.wire0            1000         990      -     -    -\n"
            "stage.classify           -           -      5  1000  995\n");
}

TEST(RampartctlRender, MixedColumnsAlignLeftAndDoublesAreShort) {
  Value lcores = j(R"({
    "lcore.1": {"busy_polls": 10, "idle_polls": 30, "busy_pct": 25.0, "packets": 320,
                "cycles_per_packet": 87.333333, "role": "worker"},
    "lcore.12": {"busy_polls": 7, "idle_polls": 1234567, "busy_pct": 0.0005, "packets": 0,
                 "cycles_per_packet": 0.0, "role": 3}
  })");
  EXPECT_EQ(render(lcores),
            "          busy_polls  idle_polls  busy_pct  packets  cycles_per_packet  role\n"
            "lcore.1           10          30        25      320              87.33  worker\n"
            "lcore.12           7     1234567    0.0005        0                  0  3\n");
}

TEST(RampartctlRender, DropsHideZerosAndSortDescending) {
  Value drops = j(R"({"eth-truncated": 0, "ipv4-bad-checksum": 3, "ring-full": 120,
                      "ttl": 0, "bad-cookie": 3, "huge": 18446744073709551615})");
  RenderOptions opts;
  opts.hide_zero = true;
  opts.sort_desc = true;
  EXPECT_EQ(render(drops, opts),
            "huge               18446744073709551615\n"
            "ring-full                           120\n"
            "ipv4-bad-checksum                     3\n"
            "bad-cookie                            3\n");
  // Without options: every row, server order.
  EXPECT_EQ(render(drops),
            "eth-truncated                         0\n"
            "ipv4-bad-checksum                     3\n"
            "ring-full                           120\n"
            "ttl                                   0\n"
            "bad-cookie                            3\n"
            "huge               18446744073709551615\n");
  opts.empty_text = "no drops";
  EXPECT_EQ(render(j(R"({"a": 0, "b": 0})"), opts), "no drops\n");
}

TEST(RampartctlRender, SortPutsNonNumbersLastAndHandlesNegatives) {
  RenderOptions opts;
  opts.sort_desc = true;
  EXPECT_EQ(render(j(R"({"a": "x", "b": -5, "c": 2.5, "d": 9223372036854775808, "e": -1})"), opts),
            "d  9223372036854775808\n"
            "c  2.5\n"
            "e  -1\n"
            "b  -5\n"
            "a  x\n");
}

TEST(RampartctlRender, InfoShapeIsKeyValuesThenSections) {
  Value info = j(R"({"version": "0.1.0", "pid": 42, "uptime_s": 7, "config": "/etc/rampart.toml",
    "main_lcore": 0, "lcores": {"1": "rx=wire0:0 stages=classify,arp,dns,tcp,other,tx"},
    "stages": {"classify": "1", "tx": "1"},
    "ports": {"wire0": "port 0 net_pcap rxq=1 txq=1"}})");
  EXPECT_EQ(render(info),
            "version     0.1.0\n"
            "pid         42\n"
            "uptime_s    7\n"
            "config      /etc/rampart.toml\n"
            "main_lcore  0\n"
            "\n"
            "lcores:\n"
            "  1  rx=wire0:0 stages=classify,arp,dns,tcp,other,tx\n"
            "\n"
            "stages:\n"
            "  classify  1\n"
            "  tx        1\n"
            "\n"
            "ports:\n"
            "  wire0  port 0 net_pcap rxq=1 txq=1\n");
}

TEST(RampartctlRender, SectionsOnlyAndEmptySections) {
  EXPECT_EQ(render(j(R"({"n": 1, "empty": {}})")),
            "n  1\n"
            "\n"
            "empty:\n"
            "  (empty)\n");
}

TEST(RampartctlRender, Arrays) {
  EXPECT_EQ(render(j(R"(["/", "/rampart/info", "/rampart/stats"])")),
            "/\n/rampart/info\n/rampart/stats\n");
  EXPECT_EQ(render(j(R"([{"ip": "10.0.0.1", "age": 5}, {"ip": "10.0.0.22", "mac": "aa:bb"}])")),
            "#  ip         age  mac\n"
            "0  10.0.0.1     5  -\n"
            "1  10.0.0.22    -  aa:bb\n");
  EXPECT_EQ(render(j(R"([1, [2, 3], {"a": null}])")), "1\n[2,3]\n{\"a\":null}\n");
  EXPECT_EQ(render(j("[]")), "(empty)\n");
}

// A list of records as Rampart serves it (one member "list/<i>" per record, DPDK cannot put a
// dict in an array): one table in index order, at the place of the first record.
TEST(RampartctlRender, RecordMembersMakeOneTable) {
  EXPECT_EQ(render(j(R"({"active": 2, "alerts/1": {"kind": "nxdomain_flood", "rate": 900},
    "alerts/0": {"kind": "amplification", "rate": 12000}, "tail": {"x": 1}})")),
            "active  2\n"
            "\n"
            "alerts:\n"
            "  #  kind             rate\n"
            "  0  amplification   12000\n"
            "  1  nxdomain_flood    900\n"
            "\n"
            "tail:\n"
            "  x  1\n");
  // Not records: no digits after the slash, or not an object.
  EXPECT_EQ(render(j(R"({"a/b": {"x": 1}, "c/1": 5})")),
            "c/1  5\n"
            "\n"
            "a/b:\n"
            "  x  1\n");
}

// A top-N answer: parallel lists become the columns of one ranked table.
TEST(RampartctlRender, ParallelListsMakeOneRankedTable) {
  EXPECT_EQ(render(j(R"({"list": "names", "total": 30, "keys": ["a.test.", "bb.test."],
    "counts": [20, 10], "errors": [0, 1]})")),
            "list   names\n"
            "total  30\n"
            "\n"
            "#  keys      counts  errors\n"
            "1  a.test.       20       0\n"
            "2  bb.test.      10       1\n");
  // Lists of different lengths (or a single list) stay cells.
  EXPECT_EQ(render(j(R"({"a": [1, 2], "b": [3]})")), "a  1, 2\nb  3\n");
  EXPECT_EQ(render(j(R"({"a": [1, 2]})")), "a  1, 2\n");
}

TEST(RampartctlRender, Scalars) {
  EXPECT_EQ(render(j("5")), "5\n");
  EXPECT_EQ(render(j("\"text\"")), "text\n");
  EXPECT_EQ(render(j("null")), "null\n");
  EXPECT_EQ(render(j("{}")), "(empty)\n");
}

TEST(RampartctlRender, CellText) {
  EXPECT_EQ(cell_text(Value(37.5)), "37.5");
  EXPECT_EQ(cell_text(Value(50.0)), "50");
  EXPECT_EQ(cell_text(Value(2.0 / 3.0)), "0.67");
  EXPECT_EQ(cell_text(Value(-0.001)), "-0.001");
  EXPECT_EQ(cell_text(Value(1e20)), "1e+20");
  EXPECT_EQ(cell_text(Value(-7)), "-7");
  EXPECT_EQ(cell_text(Value(true)), "true");
  EXPECT_EQ(cell_text(Value("\x1b[31mred\n")), "\\x1b[31mred\\x0a");
  EXPECT_EQ(cell_text(j(R"(["a", 1, null])")), "a, 1, null");
  EXPECT_EQ(cell_text(j(R"([{"a": 1}])")), "[{\"a\":1}]");
  EXPECT_EQ(cell_text(j(R"({"a": [1]})")), "{\"a\":[1]}");
}

TEST(RampartctlRender, FormatTableCountsUtf8AsOneColumn) {
  Table t;
  t.header = {"name", "n"};
  t.right_align = {false, true};
  t.rows = {{"caf\xc3\xa9", "1"}, {"ab", "10"}, {"x"}};
  EXPECT_EQ(format_table(t),
            "name   n\n"
            "caf\xc3\xa9   1\n"
            "ab    10\n"
            "x\n");
}

TEST(RampartctlRender, KeysWithControlBytesAreEscaped) {
  EXPECT_EQ(render(j(R"({"evil\u001b[2J": 1})")), "evil\\x1b[2J  1\n");
}

}  // namespace

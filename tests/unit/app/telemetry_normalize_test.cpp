// normalize_for_telemetry: each rule of docs/telemetry.md's table ("DPDK 22.11 constraints and how
// Rampart shapes answers"), on handler-shaped values. No EAL: the function is plain JSON work.
#include "app/rampart/telemetry.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::app {
namespace {

std::string shaped(const char* handler_json) {
  const auto v = json::parse(handler_json);
  EXPECT_TRUE(v.value) << v.error;
  return json::write(normalize_for_telemetry(v.value ? *v.value : json::Value()));
}

TEST(TelemetryNormalize, KeysKeepOnlyWhatDpdkAccepts) {
  EXPECT_EQ(shaped(R"({"port wire0": 1, "a.b-c": 2, "ok/_9": 3, "": 4})"),
            R"({"port_wire0":1,"a_b_c":2,"ok/_9":3,"_":4})");
  const std::string long_key(200, 'k');
  EXPECT_EQ(shaped(("{\"" + long_key + "\": 1}").c_str()), "{\"" + std::string(127, 'k') + "\":1}");
}

TEST(TelemetryNormalize, ScalarsDpdkCannotCarry) {
  EXPECT_EQ(shaped(R"({"t": true, "f": false, "d": 0.125, "n": null, "i": -3, "s": "x"})"),
            R"({"t":1,"f":0,"d":"0.125","n":"null","i":-3,"s":"x"})");
  // DPDK's signed integers are 32 bits: wider ones go as u64 when not negative, else as text.
  json::Value wide = json::Value::object();
  wide.set("big", int64_t{5000000000});
  wide.set("low", int64_t{-5000000000});
  wide.set("min", int64_t{-2147483648});
  wide.set("arr", json::Array{json::Value(int64_t{-1}), json::Value(int64_t{5000000000})});
  const json::Value w = normalize_for_telemetry(wide);
  EXPECT_TRUE(w.find("big")->is_uint());
  EXPECT_EQ(json::write(w), R"({"big":5000000000,"low":"-5000000000","min":-2147483648,"arr":["-1","5000000000"]})");
}

// DPDK 22.11 turns any byte >= 0x80 into invalid JSON (or drops it), and drops control characters:
// strings reach it as ASCII, readable where an ASCII form exists and '?' where none does.
// Folding "w\u00efre0" to ASCII would echo 'wire0', a port that exists, in "unknown port".
TEST(TelemetryNormalize, OperatorInputIsQuotedByteForByte) {
  EXPECT_EQ(quoted_input("wire0"), "'wire0'");
  EXPECT_EQ(quoted_input("w\xc3\xafre0"), "'w\\xc3\\xafre0'");
  EXPECT_EQ(quoted_input(std::string("a\0b\\c", 5)), "'a\\x00b\\x5cc'");
  for (const char c : quoted_input("\xff\x01\n\x7f")) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);
}

TEST(TelemetryNormalize, StringsBecomeAsciiDpdkCanCarry) {
  EXPECT_EQ(shaped(R"({"vendor": "SECURITAS DIRECT ESPA\u00d1A, SAU", "other": "SHENZHEN BILIAN CO.\uff0cLTD"})"),
            R"({"vendor":"SECURITAS DIRECT ESPANA, SAU","other":"SHENZHEN BILIAN CO.,LTD"})");
  EXPECT_EQ(shaped(R"({"v": "J\u00f6rgen Stra\u00dfe \u00c6 \u2019quoted\u201d \u2013 x"})"),
            R"({"v":"Jorgen Strasse AE 'quoted\" - x"})");
  // CJK, an emoji (a 4-byte sequence), a control character DPDK would drop: one '?' each.
  EXPECT_EQ(shaped(R"({"v": "\u6df1\u5733 \ud83d\ude00 a\u0001b"})"), R"({"v":"?? ? a?b"})");
  // What DPDK escapes itself stays as it is.
  EXPECT_EQ(shaped(R"({"v": "a\"b\\c\nd\te"})"), R"({"v":"a\"b\\c\nd\te"})");
  // Invalid UTF-8 (as an error echoing a raw parameter carries it): one '?' per bad byte.
  json::Value bad = json::Value::object();
  bad.set("error", std::string("bad scan id '\xc3' \xe2\x82 \xc0\xaf \xed\xa0\x80 ok"));
  EXPECT_EQ(json::write(normalize_for_telemetry(bad)), R"({"error":"bad scan id '?' ?? ?? ??? ok"})");
  // In arrays, in records and in the JSON text of deeper levels too.
  EXPECT_EQ(shaped(R"({"a": ["\u00e9"], "r": [{"n": "\u00e9"}], "d": {"x": {"y": "\u00e9"}}})"),
            R"({"a":["e"],"r/0":{"n":"e"},"d":{"x":"{\"y\":\"e\"}"}})");
}

TEST(TelemetryNormalize, TwoLevelsThenJsonText) {
  EXPECT_EQ(shaped(R"({"a": {"b": {"c": 1}, "l": [1, 2]}, "arr": [1, 2]})"),
            R"({"a":{"b":"{\"c\":1}","l":"[1,2]"},"arr":[1,2]})");
  EXPECT_EQ(shaped(R"([1, "x", {"k": 2}])"), R"(["1","x","{\"k\":2}"])");
}

// Records: DPDK cannot put a dict in an array, and JSON text in a string would be cut at 127
// characters, so each record of a list in the top-level object becomes a member of its own.
TEST(TelemetryNormalize, ListsOfRecordsBecomeOneMemberPerRecord) {
  const std::string evidence(120, 'e');
  const std::string in = R"({"active": 2, "alerts": [{"kind": "nxdomain_flood", "ratio": 2.5, "evidence": ")" +
                         evidence + R"("}, {"kind": "amplification", "deep": {"x": 1}}], "after": 1})";
  EXPECT_EQ(shaped(in.c_str()),
            R"({"active":2,"alerts/0":{"kind":"nxdomain_flood","ratio":"2.500","evidence":")" + evidence +
                R"("},"alerts/1":{"kind":"amplification","deep":"{\"x\":1}"},"after":1})");
  // An empty list stays a list; so do lists of scalars and mixed lists.
  EXPECT_EQ(shaped(R"({"alerts": []})"), R"({"alerts":[]})");
  EXPECT_EQ(shaped(R"({"keys": ["a.", "b."], "counts": [3, 1]})"), R"({"keys":["a.","b."],"counts":[3,1]})");
  EXPECT_EQ(shaped(R"({"m": [{"a": 1}, 2]})"), R"({"m":["{\"a\":1}","2"]})");
  // Only in the top-level object: one level down they are JSON text as before.
  EXPECT_EQ(shaped(R"({"sec": {"rows": [{"a": 1}]}})"), R"({"sec":{"rows":"[{\"a\":1}]"}})");
}

TEST(TelemetryNormalize, PagingParameters) {
  uint64_t offset = 9, count = 9;
  EXPECT_TRUE(parse_paging("", 24, &offset, &count));
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(count, 24u);
  EXPECT_TRUE(parse_paging("48,100", 24, &offset, &count));
  EXPECT_EQ(offset, 48u);
  EXPECT_EQ(count, 24u);
  for (const char* bad : {"5", "5,", ",5", "1,0", "a,1", "1,b", "-1,2", "1,2,3", "99999999999999999999,1"})
    EXPECT_FALSE(parse_paging(bad, 24, &offset, &count)) << bad;
}

}  // namespace
}  // namespace rampart::app

#include "common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace {

using rampart::json::Array;
using rampart::json::Object;
using rampart::json::parse;
using rampart::json::Value;
using rampart::json::write;

Value must_parse(std::string_view text) {
  auto r = parse(text);
  EXPECT_TRUE(r.value.has_value()) << "input: " << text << " error: " << r.error;
  return r.value.value_or(Value());
}

std::string parse_error(std::string_view text) {
  auto r = parse(text);
  EXPECT_FALSE(r.value.has_value()) << "accepted: " << text;
  EXPECT_FALSE(r.error.empty()) << "no message for: " << text;
  return r.error;
}

TEST(JsonValue, Accessors) {
  Value v = Value::object();
  v.set("a", 1);
  v.set("b", "x");
  v.set("a", 2u);  // replaces, keeps position
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.as_object().size(), 2u);
  EXPECT_EQ(v.as_object()[0].first, "a");
  EXPECT_TRUE(v.find("a")->is_uint());
  EXPECT_EQ(v.find("a")->as_uint(), 2u);
  EXPECT_EQ(v.find("b")->as_string(), "x");
  EXPECT_EQ(v.find("zz"), nullptr);
  EXPECT_EQ(Value(3).find("a"), nullptr);

  Value a;
  a.push(1);
  a.push(true);
  ASSERT_TRUE(a.is_array());
  EXPECT_EQ(a.as_array().size(), 2u);

  Value n;
  n.set("k", nullptr);
  EXPECT_TRUE(n.is_object());
}

TEST(JsonValue, NumericConversions) {
  EXPECT_EQ(Value(-5).as_int(), -5);
  EXPECT_EQ(Value(-5).as_uint(), 0u);
  EXPECT_EQ(Value(-5).as_double(), -5.0);
  EXPECT_EQ(Value(std::numeric_limits<uint64_t>::max()).as_int(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value(2.9).as_int(), 2);
  EXPECT_EQ(Value(1e300).as_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value(-1e300).as_int(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value(1e300).as_uint(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(Value(std::nan("")).as_int(), 0);
  EXPECT_EQ(Value("12").as_int(), 0);
  EXPECT_EQ(Value(true).as_double(), 0.0);
}

TEST(JsonWrite, Compact) {
  Value v = Value::object();
  v.set("s", "hi");
  v.set("i", -3);
  v.set("u", 18446744073709551615ull);
  v.set("d", 0.5);
  v.set("b", false);
  v.set("n", nullptr);
  v.set("a", Array{1, 2});
  v.set("o", Value::object());
  v.set("e", Value::array());
  EXPECT_EQ(write(v),
            R"({"s":"hi","i":-3,"u":18446744073709551615,"d":0.5,"b":false,"n":null,)"
            R"("a":[1,2],"o":{},"e":[]})");
}

TEST(JsonWrite, Pretty) {
  Value v = Value::object();
  v.set("a", Array{1, Value::object()});
  Value inner = Value::object();
  inner.set("x", "y");
  v.set("b", inner);
  EXPECT_EQ(write(v, 2),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {}\n"
            "  ],\n"
            "  \"b\": {\n"
            "    \"x\": \"y\"\n"
            "  }\n"
            "}");
  EXPECT_EQ(write(Value(1), 2), "1");
  EXPECT_EQ(write(Value::array(), 4), "[]");
}

TEST(JsonWrite, Int64Extremes) {
  EXPECT_EQ(write(Value(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(write(Value(std::numeric_limits<int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(write(Value(std::numeric_limits<uint64_t>::max())), "18446744073709551615");
}

TEST(JsonWrite, Doubles) {
  EXPECT_EQ(write(Value(0.1)), "0.1");
  EXPECT_EQ(write(Value(1.0)), "1.0");
  EXPECT_EQ(write(Value(-0.0)), "-0.0");
  EXPECT_EQ(write(Value(1e300)), "1e+300");
  EXPECT_EQ(write(Value(std::nan(""))), "null");
  EXPECT_EQ(write(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(write(Value(-std::numeric_limits<double>::infinity())), "null");
  // Shortest round-trip representation.
  for (double d : {0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, 123456.789, -2.5e-7,
                   9007199254740993.0}) {
    Value back = must_parse(write(Value(d)));
    ASSERT_TRUE(back.is_double()) << write(Value(d));
    EXPECT_EQ(back.as_double(), d) << write(Value(d));
  }
}

TEST(JsonWrite, StringEscapes) {
  EXPECT_EQ(write(Value("a\"b\\c/d")), R"("a\"b\\c/d")");
  EXPECT_EQ(write(Value("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(write(Value(std::string("\x01\x1f\x7f", 3))), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(write(Value(std::string("nul\0x", 5))), R"("nul\u0000x")");
  // Valid UTF-8 passes through untouched.
  EXPECT_EQ(write(Value("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // Invalid UTF-8 bytes are escaped so the output stays valid JSON.
  EXPECT_EQ(write(Value("a\xff" "b")), R"("a\u00ffb")");
  EXPECT_EQ(write(Value("\xc3")), R"("\u00c3")");              // truncated sequence
  EXPECT_EQ(write(Value("\xc0\xaf")), R"("\u00c0\u00af")");    // overlong
  EXPECT_EQ(write(Value("\xed\xa0\x80")), R"("\u00ed\u00a0\u0080")");  // encoded surrogate
  EXPECT_EQ(write(Value("\xf4\x90\x80\x80")), R"("\u00f4\u0090\u0080\u0080")");  // > U+10FFFF
  // Keys are escaped the same way.
  Value o = Value::object();
  o.set("k\"\n", 1);
  EXPECT_EQ(write(o), R"({"k\"\n":1})");
  // Whatever the bytes, the output parses.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_TRUE(parse(write(Value(all))).value.has_value());
}

TEST(JsonRoundTrip, Documents) {
  Value v = Value::object();
  v.set("version", "0.1.0");
  v.set("pid", 1234);
  v.set("big", 18446744073709551615ull);
  v.set("neg", std::numeric_limits<int64_t>::min());
  v.set("ratio", 0.375);
  v.set("text", "tab\there \xe2\x9c\x93 \"q\" \\ \x01");
  Value lc = Value::object();
  lc.set("1", "rx=wire0:0 stages=classify,arp");
  v.set("lcores", lc);
  v.set("list", Array{Value(nullptr), Value(true), Value(false), Value(-1), Value(2.5),
                      Value(Array{}), Value(Object{})});
  for (int indent : {-1, 0, 2, 4}) {
    auto r = parse(write(v, indent));
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(*r.value, v) << "indent " << indent;
  }
}

TEST(JsonParse, Scalars) {
  EXPECT_EQ(must_parse("null"), Value(nullptr));
  EXPECT_EQ(must_parse("true"), Value(true));
  EXPECT_EQ(must_parse(" false "), Value(false));
  EXPECT_EQ(must_parse("\"x\""), Value("x"));
  EXPECT_EQ(must_parse("0"), Value(0));
  EXPECT_EQ(must_parse("-0"), Value(0));
  EXPECT_EQ(must_parse("-0.0").as_double(), 0.0);
  EXPECT_TRUE(std::signbit(must_parse("-0.0").as_double()));
  EXPECT_EQ(must_parse("12.5e-1"), Value(1.25));
  EXPECT_EQ(must_parse("1E2"), Value(100.0));
  EXPECT_EQ(must_parse("1e+2"), Value(100.0));
  EXPECT_EQ(must_parse("\t\r\n [ ] \n"), Value::array());
}

TEST(JsonParse, BigNumbers) {
  Value v = must_parse("9223372036854775807");
  ASSERT_TRUE(v.is_int());
  EXPECT_EQ(v.as_int(), std::numeric_limits<int64_t>::max());
  v = must_parse("9223372036854775808");
  ASSERT_TRUE(v.is_uint());
  EXPECT_EQ(v.as_uint(), 9223372036854775808ull);
  v = must_parse("18446744073709551615");
  ASSERT_TRUE(v.is_uint());
  EXPECT_EQ(v.as_uint(), std::numeric_limits<uint64_t>::max());
  v = must_parse("18446744073709551616");
  ASSERT_TRUE(v.is_double());
  EXPECT_EQ(v.as_double(), 18446744073709551616.0);
  v = must_parse("-9223372036854775808");
  ASSERT_TRUE(v.is_int());
  EXPECT_EQ(v.as_int(), std::numeric_limits<int64_t>::min());
  v = must_parse("-9223372036854775809");
  ASSERT_TRUE(v.is_double());
  EXPECT_EQ(v.as_double(), -9223372036854775808.0);
  v = must_parse("123456789012345678901234567890");
  ASSERT_TRUE(v.is_double());
  EXPECT_DOUBLE_EQ(v.as_double(), 1.2345678901234568e29);
  // Integral-looking with a fraction or exponent is a double.
  EXPECT_TRUE(must_parse("1.0").is_double());
  EXPECT_TRUE(must_parse("1e0").is_double());
  // Underflow reads as zero; overflow has no representation and is rejected.
  EXPECT_EQ(must_parse("1e-400").as_double(), 0.0);
  EXPECT_TRUE(std::signbit(must_parse("-1e-400").as_double()));
  EXPECT_EQ(must_parse("0.0000001e-320").as_double(), 0.0);
  EXPECT_EQ(must_parse("0e999999999999999999999").as_double(), 0.0);
  EXPECT_EQ(must_parse("5e-324").as_double(), 5e-324);
  EXPECT_NE(parse_error("1e400").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("-1e99999999999999999999").find("out of range"), std::string::npos);
  std::string long_int(400, '9');
  EXPECT_NE(parse_error(long_int).find("out of range"), std::string::npos);
  EXPECT_EQ(must_parse("0." + long_int).as_double(), 1.0);
}

TEST(JsonParse, UnicodeEscapes) {
  EXPECT_EQ(must_parse(R"("\u0041\u00e9\u20ac")"), Value("A\xc3\xa9\xe2\x82\xac"));
  EXPECT_EQ(must_parse(R"("\uD83D\uDE00")"), Value("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_EQ(must_parse(R"("\udbff\udfff")"), Value("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_EQ(must_parse(R"("\ud800\udc00")"), Value("\xf0\x90\x80\x80"));  // U+10000
  EXPECT_EQ(must_parse(R"("\u0000")"), Value(std::string("\0", 1)));
  EXPECT_EQ(must_parse(R"("\"\\\/\b\f\n\r\t")"), Value("\"\\/\b\f\n\r\t"));
  EXPECT_NE(parse_error(R"("\ud83d")").find("surrogate"), std::string::npos);
  EXPECT_NE(parse_error(R"("\ud83dx")").find("surrogate"), std::string::npos);
  EXPECT_NE(parse_error(R"("\ud83d\u0041")").find("surrogate"), std::string::npos);
  EXPECT_NE(parse_error(R"("\ude00")").find("surrogate"), std::string::npos);
  EXPECT_NE(parse_error(R"("\ud83d\ud83d")").find("surrogate"), std::string::npos);
  parse_error(R"("\u12")");
  parse_error(R"("\u12G4")");
  parse_error(R"("\x41")");
  parse_error(R"("\U0041")");
  // Raw UTF-8 is accepted when well formed, rejected otherwise.
  EXPECT_EQ(must_parse("\"\xe2\x82\xac\""), Value("\xe2\x82\xac"));
  parse_error("\"\xff\"");
  parse_error("\"\xc0\xaf\"");
  parse_error("\"\xed\xa0\x80\"");
  parse_error("\"\xe2\x82\"");
}

TEST(JsonParse, ObjectsKeepOrderAndLastDuplicateWins) {
  Value v = must_parse(R"({"b":1,"a":2,"b":3})");
  ASSERT_EQ(v.as_object().size(), 2u);
  EXPECT_EQ(v.as_object()[0].first, "b");
  EXPECT_EQ(v.as_object()[0].second, Value(3));
  EXPECT_EQ(v.as_object()[1].first, "a");
  // Same rule past the size where the parser switches to an index.
  std::string text = "{";
  for (int i = 0; i < 40; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k3\":100,\"k30\":300}";
  v = must_parse(text);
  ASSERT_EQ(v.as_object().size(), 40u);
  EXPECT_EQ(*v.find("k3"), Value(100));
  EXPECT_EQ(*v.find("k30"), Value(300));
  EXPECT_EQ(v.as_object()[39].first, "k39");
}

TEST(JsonParse, MalformedInputsGiveErrors) {
  const char* bad[] = {
      "",         " ",        "nul",         "nulll",       "True",        "NaN",
      "Infinity", "-",        "+1",          "01",          "-01",         "1.",
      ".5",       "1e",       "1e+",         "0x10",        "1 2",         "[1,]",
      "[,1]",     "[1 2]",    "[",           "]",           "{",           "}",
      "{\"a\"}",  "{\"a\":}", "{\"a\":1,}",  "{a:1}",       "{'a':1}",     "{\"a\" 1}",
      "{1:2}",    "\"abc",    "\"a\nb\"",    "\"tab\there\"", "[1]x",      "/*c*/1",
      "\xef\xbb\xbf{}",       "[\"\\\"]",    "{\"a\":1 \"b\":2}",          "[1,,2]",
      "\"\\",     "-a",       "1.e5",        "tru",         "[true false]",
  };
  for (const char* text : bad) {
    auto r = parse(text);
    EXPECT_FALSE(r.value.has_value()) << "accepted: " << text;
    EXPECT_EQ(r.error.rfind("line ", 0), 0u) << text << " -> " << r.error;
  }
  // Embedded NUL outside strings.
  EXPECT_FALSE(parse(std::string_view("[1]\0", 4)).value);
  EXPECT_FALSE(parse(std::string_view("[\0]", 3)).value);
}

TEST(JsonParse, ErrorPositions) {
  EXPECT_EQ(parse_error("[1,\n  2,\n  x]"), "line 3 col 3: unexpected 'x', expected a value");
  EXPECT_EQ(parse_error("{\"a\":1,}"), "line 1 col 8: unexpected '}', expected a string key");
  EXPECT_EQ(parse_error("[1]\n\n  ]"), "line 3 col 3: unexpected content after the JSON value");
  EXPECT_EQ(parse_error("01"), "line 1 col 1: invalid number: leading zero");
  EXPECT_EQ(parse_error("\"abc"), "line 1 col 1: unterminated string");
  EXPECT_EQ(parse_error(""), "line 1 col 1: unexpected end of input, expected a value");
  EXPECT_EQ(parse_error("[\"a\x01\"]"),
            "line 1 col 4: unescaped control character byte 0x01 in string");
}

TEST(JsonParse, DepthCap) {
  auto nested = [](int depth, char open, char close) {
    return std::string(static_cast<size_t>(depth), open) + std::string(static_cast<size_t>(depth), close);
  };
  EXPECT_TRUE(parse(nested(64, '[', ']')).value);
  EXPECT_NE(parse_error(nested(65, '[', ']')).find("nesting deeper than 64"), std::string::npos);
  std::string objs;
  for (int i = 0; i < 64; ++i) objs += "{\"a\":";
  objs += "1" + std::string(64, '}');
  EXPECT_TRUE(parse(objs).value);
  EXPECT_FALSE(parse("{\"a\":" + objs + "}").value);
  // Far deeper input fails cleanly instead of exhausting the stack.
  EXPECT_FALSE(parse(std::string(1'000'000, '[')).value);
  EXPECT_FALSE(parse(std::string(1'000'000, '{')).value);
}

TEST(JsonParse, TruncationsNeverCrash) {
  std::string doc =
      R"({"version":"0.1.0","pid":42,"n":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude00"],)"
      R"("o":{"a":{"b":[]}}})";
  ASSERT_TRUE(parse(doc).value);
  for (size_t n = 0; n < doc.size(); ++n) {
    auto r = parse(std::string_view(doc).substr(0, n));
    EXPECT_FALSE(r.value.has_value()) << n;
    EXPECT_FALSE(r.error.empty());
  }
}

}  // namespace

namespace {
// Doubles read back exactly, in plain decimals where people read them (Unix times in the query
// log were written 1.7e+09).
TEST(JsonWrite, DoublesArePlainDecimalsInTheReadableRange) {
  using rampart::json::Value;
  using rampart::json::write;
  EXPECT_EQ(write(Value(1700000000.0)), "1700000000.0");
  EXPECT_EQ(write(Value(1700000000.123456)), "1700000000.123456");
  EXPECT_EQ(write(Value(0.5)), "0.5");
  EXPECT_EQ(write(Value(0.0)), "0.0");
  EXPECT_EQ(write(Value(-2.25)), "-2.25");
  EXPECT_EQ(write(Value(1e20)), "1e+20");
  EXPECT_EQ(write(Value(1e-7)), "1e-07");
  for (const double d : {1700000000.123456, 0.1, 123456.789, 1e-4, 9.99e14}) {
    const auto r = rampart::json::parse(write(Value(d)));
    ASSERT_TRUE(r.value);
    EXPECT_EQ(r.value->as_double(), d);
  }
}
}  // namespace

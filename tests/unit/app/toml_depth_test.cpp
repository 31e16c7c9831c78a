// The guard in front of toml++ counts a key's components and nothing else: dots inside strings
// and comments, and a float's dot, never count.
#include "app/rampart/toml_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::app {
namespace {

std::string dotted(unsigned components) {
  std::string k = "k";
  for (unsigned i = 1; i < components; ++i) k += ".k";
  return k;
}

TEST(TomlDepth, KeysUpToTheLimitPass) {
  EXPECT_EQ(line_of_too_deep_key(dotted(kMaxKeyComponents) + " = 1\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("[" + dotted(kMaxKeyComponents) + "]\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("[[" + dotted(kMaxKeyComponents) + "]]\n"), 0u);
}

TEST(TomlDepth, DeeperKeysAreFoundOnTheirLine) {
  const std::string deep = dotted(kMaxKeyComponents + 1);
  EXPECT_EQ(line_of_too_deep_key("a = 1\n\n" + deep + " = 1\n"), 3u);
  EXPECT_EQ(line_of_too_deep_key("a = 1\n[" + deep + "]\n"), 2u);
  EXPECT_EQ(line_of_too_deep_key("t = { " + deep + " = 1 }\n"), 1u);
  EXPECT_EQ(line_of_too_deep_key("\"a\"." + deep + " = 1\n"), 1u);  // quoted components count
}

TEST(TomlDepth, DotsInValuesStringsAndCommentsDoNotCount) {
  const std::string dots(500, '.');
  EXPECT_EQ(line_of_too_deep_key("a = \"" + dots + "\"\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("a = '" + dots + "'\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("a = \"\"\"\n" + dots + "\n\"\"\"\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("a = '''" + dots + "'''\n"), 0u);
  EXPECT_EQ(line_of_too_deep_key("a = \"\\\"" + dots + "\"\n"), 0u);  // escaped quote inside
  EXPECT_EQ(line_of_too_deep_key("# " + dots + "\na = 1\n"), 0u);
  std::string floats = "a = [";
  for (int i = 0; i < 200; ++i) floats += "1.5, ";
  EXPECT_EQ(line_of_too_deep_key(floats + "2.5]\n"), 0u);
}

TEST(TomlDepth, LinesAreCountedThroughMultiLineStrings) {
  const std::string deep = dotted(kMaxKeyComponents + 1);
  EXPECT_EQ(line_of_too_deep_key("a = \"\"\"\none\ntwo\\\nthree\"\"\"\n" + deep + " = 1\n"), 5u);
  EXPECT_EQ(line_of_too_deep_key("a = '''\none\n'''\n" + deep + " = 1\n"), 4u);
}

}  // namespace
}  // namespace rampart::app

// Pipeline plans in which a DNS query and its response reach different DNS-stage instances
// (dns/topology_check.h).
#include <gtest/gtest.h>

#include "dns/topology_check.h"

using namespace rampart::dns;

namespace {

LcorePlan lcore(unsigned id, bool classify, bool dns, std::vector<std::pair<std::string, unsigned>> rx) {
  LcorePlan l;
  l.lcore = id;
  l.classify = classify;
  l.dns = dns;
  l.rx = std::move(rx);
  return l;
}

const std::vector<std::pair<std::string, std::string>> kBump = {{"a", "b"}, {"b", "a"}};

}  // namespace

TEST(DnsTopologyCheck, EachSideOfABumpOnItsOwnLcoreSplitsTransactions) {
  const std::string why = split_transactions(
      {lcore(1, true, true, {{"a", 0}}), lcore(2, true, true, {{"b", 0}})}, kBump);
  ASSERT_FALSE(why.empty());
  EXPECT_NE(why.find("lcore 1 polls a:0 but none of b"), std::string::npos) << why;
  EXPECT_NE(why.find("allow_split_transactions"), std::string::npos) << why;
}

TEST(DnsTopologyCheck, SafePlans) {
  // One lcore does everything.
  EXPECT_EQ(split_transactions({lcore(1, true, true, {{"a", 0}, {"b", 0}})}, kBump), "");
  // RSS: each lcore polls the same queue of both sides.
  EXPECT_EQ(split_transactions({lcore(1, true, true, {{"a", 0}, {"b", 0}}),
                                lcore(2, true, true, {{"a", 1}, {"b", 1}})},
                               kBump),
            "");
  // Sides on different lcores, but dns on lcores fed by rings (flow hash): safe.
  EXPECT_EQ(split_transactions({lcore(1, true, false, {{"a", 0}}), lcore(2, true, false, {{"b", 0}}),
                                lcore(3, false, true, {}), lcore(4, false, true, {})},
                               kBump),
            "");
  // One dns instance sees everything, however RX is spread.
  EXPECT_EQ(split_transactions({lcore(1, true, false, {{"a", 0}}), lcore(2, true, true, {{"b", 0}})}, kBump), "");
  // Ports that are not peers are not judged.
  EXPECT_EQ(split_transactions({lcore(1, true, true, {{"a", 0}}), lcore(2, true, true, {{"b", 0}})}, {}), "");
}

TEST(DnsTopologyCheck, MixedLocalAndRingFedInstancesStillNeedBothSidesTogether) {
  // Lcore 1 hashes a's flows over the dns instances (2 and 3); lcore 2 keeps b's for itself.
  const std::string why = split_transactions(
      {lcore(1, true, false, {{"a", 0}}), lcore(2, true, true, {{"b", 0}}), lcore(3, false, true, {})}, kBump);
  EXPECT_FALSE(why.empty());
}

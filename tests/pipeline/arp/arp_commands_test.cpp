// The ARP telemetry answers over real stages in EAL: /rampart/arp/table paging (offset, count)
// over a neighbour table bigger than one page, merged from two lcores' ARP stages, in
// port/VLAN/IP order; malformed paging parameters answered with an error.
#include <rte_errno.h>
#include <rte_lcore.h>

#include <gtest/gtest.h>

#include "../pipeline_util.h"
#include "app/rampart/app_state.h"
#include "app/rampart/arp_commands.h"
#include "arp/addr_text.h"
#include "arp/arp_stage.h"
#include "classify/classify_stage.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

constexpr uint64_t kHz = 1000000000;

class ArpCommandsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("arpcmd_pool", 511, 0, core::kMetaPrivSize,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  }
  static void TearDownTestSuite() { rte_mempool_free(pool_); }

 protected:
  void SetUp() override {
    arp::PortAddresses& p = app_.arp_addresses.port(0);
    const auto m = proto::parse_mac("02:aa:00:00:00:01");
    std::copy(m.begin(), m.end(), p.mac.addr_bytes);
    p.add({0x0a000001, 16, 0});
    for (unsigned lcore = 0; lcore < 2; ++lcore) {
      auto r = std::make_unique<core::LcoreRunner>(lcore, 32, 1000);
      r->set_local_stage(std::make_unique<classify::ClassifyStage>(classify::ClassifyConfig{}));
      arp::ArpStageParams sp;
      sp.forward.policy = core::Policy::drop;
      sp.addresses = &app_.arp_addresses;
      sp.ports = {0};
      sp.pool = pool_;
      sp.tsc_hz = kHz;
      sp.announce = false;
      r->set_local_stage(std::make_unique<arp::ArpStage>(sp));
      app_.runners.push_back(std::move(r));
    }
    app_.start_tsc = rte_rdtsc();
  }
  void TearDown() override { app_.runners.clear(); }

  // `n` hosts 10.0.X.Y announce themselves, spread over the two lcores.
  void learn(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      const std::string ip = arp::format_ipv4(0x0a000100 + i * 3);
      char mac[18];
      std::snprintf(mac, sizeof mac, "02:00:00:00:%02x:%02x", i >> 8, i & 255);
      rte_mbuf* m = mbuf_from(pool_, proto::PacketBuilder().eth(mac, "ff:ff:ff:ff:ff:ff")
                                         .arp(1, mac, ip.c_str(), "00:00:00:00:00:00", ip.c_str())
                                         .build());
      app_.runners[i % 2]->receive(0, &m, 1);
    }
  }

  std::vector<std::string> ips_of(const json::Value& page) {
    std::vector<std::string> out;
    for (const json::Value& row : page.find("neighbours")->as_array()) out.push_back(row.find("ip")->as_string());
    return out;
  }

  static rte_mempool* pool_;
  app::AppState app_;
};

rte_mempool* ArpCommandsTest::pool_ = nullptr;

TEST_F(ArpCommandsTest, TablePagesThroughEveryNeighbourInOrder) {
  learn(150);
  const json::Value first = app::arp_table(app_);
  EXPECT_EQ(first.find("entries")->as_uint(), 150u);
  EXPECT_EQ(first.find("offset")->as_uint(), 0u);
  EXPECT_EQ(first.find("shown")->as_uint(), 64u);
  EXPECT_EQ(first.find("next_offset")->as_uint(), 64u);
  EXPECT_TRUE(first.find("truncated")->as_bool());
  // Page by page, 64 at most per page whatever is asked, every neighbour once, in IP order.
  std::vector<std::string> all;
  uint64_t offset = 0, pages = 0;
  for (;;) {
    const json::Value page = app::arp_table(app_, std::to_string(offset) + ",1000");
    ASSERT_EQ(page.find("error"), nullptr) << json::write(page);
    const auto ips = ips_of(page);
    EXPECT_LE(ips.size(), 64u);
    all.insert(all.end(), ips.begin(), ips.end());
    ++pages;
    offset = page.find("next_offset")->as_uint();
    if (!page.find("truncated")->as_bool()) break;
    ASSERT_LT(pages, 10u);
  }
  EXPECT_EQ(pages, 3u);
  ASSERT_EQ(all.size(), 150u);
  for (uint32_t i = 0; i < 150; ++i) EXPECT_EQ(all[i], arp::format_ipv4(0x0a000100 + i * 3)) << i;
  EXPECT_EQ(ips_of(app::arp_table(app_)), std::vector<std::string>(all.begin(), all.begin() + 64));
  // A page in the middle; past the end.
  const json::Value mid = app::arp_table(app_, "100,5");
  EXPECT_EQ(ips_of(mid), std::vector<std::string>(all.begin() + 100, all.begin() + 105));
  EXPECT_EQ(mid.find("next_offset")->as_uint(), 105u);
  const json::Value past = app::arp_table(app_, "150,10");
  EXPECT_EQ(past.find("shown")->as_uint(), 0u);
  EXPECT_FALSE(past.find("truncated")->as_bool());
  // The row itself.
  const json::Value& row = mid.find("neighbours")->as_array()[0];
  EXPECT_EQ(row.find("mac")->as_string(), "02:00:00:00:00:64");
  EXPECT_EQ(row.find("state")->as_string(), "reachable");
  EXPECT_EQ(row.find("flags")->as_string(), "gratuitous");
}

TEST_F(ArpCommandsTest, BadPagingParametersAreAnError) {
  learn(3);
  for (const char* bad : {"5", "a,b", "0,0", "1,", ",5", "-1,5", "1,2,3"}) {
    const json::Value v = app::arp_table(app_, bad);
    ASSERT_NE(v.find("error"), nullptr) << bad << ": " << json::write(v);
    EXPECT_NE(v.find("error")->as_string().find("offset"), std::string::npos);
  }
  EXPECT_EQ(app::arp_table(app_, "2,1").find("shown")->as_uint(), 1u);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new rampart::pipetest::EalEnvironment("arpcmd", {"-l", "0", "--no-telemetry"}, 128));
  return RUN_ALL_TESTS();
}

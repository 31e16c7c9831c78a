#include "common/telemetry_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fake_telemetry_server.h"

namespace {

using namespace std::chrono_literals;
using rampart::json::Value;
using rampart::telemetry::Client;
using rampart::telemetry::ErrorKind;
using rampart::testing::default_rampart_handler;
using rampart::testing::FakeTelemetryServer;
using rampart::testing::TempDir;

class TelemetryClient : public ::testing::Test {
 protected:
  std::string sock() const { return dir_.path() + "/dpdk_telemetry.v2"; }
  TempDir dir_;
};

TEST(TelemetryPaths, SocketPathForPrefix) {
  EXPECT_EQ(rampart::telemetry::socket_path_for_prefix("rampart", "/var/run/dpdk"),
            "/var/run/dpdk/rampart/dpdk_telemetry.v2");
}

TEST(TelemetryPaths, RuntimeDirFollowsEal) {
  const char* saved = std::getenv("RUNTIME_DIRECTORY");
  std::string saved_value = saved ? saved : "";
  ::setenv("RUNTIME_DIRECTORY", "/run/custom", 1);
  EXPECT_EQ(rampart::telemetry::default_runtime_dir(), "/run/custom/dpdk");
  ::unsetenv("RUNTIME_DIRECTORY");
  if (::getuid() == 0) {
    EXPECT_EQ(rampart::telemetry::default_runtime_dir(), "/var/run/dpdk");
  } else {
    EXPECT_NE(rampart::telemetry::default_runtime_dir(), "/var/run/dpdk");
  }
  if (saved) ::setenv("RUNTIME_DIRECTORY", saved_value.c_str(), 1);
}

TEST_F(TelemetryClient, GreetingAndQueries) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s)) << c.error().message;
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.server().version, "DPDK 22.11.0");
  EXPECT_EQ(c.server().pid, 4242);
  EXPECT_EQ(c.server().max_output_len, 16384u);
  EXPECT_EQ(c.socket_path(), sock());

  auto stats = c.query("/rampart/stats");
  ASSERT_TRUE(stats) << c.error().message;
  ASSERT_TRUE(stats->is_object());
  EXPECT_EQ(stats->find("totals")->find("rx_packets")->as_uint(), 1000u);

  auto full = c.request("/ethdev/stats,0");
  ASSERT_TRUE(full);
  ASSERT_NE(full->find("/ethdev/stats"), nullptr);
  EXPECT_EQ(full->find("/ethdev/stats")->find("ipackets")->as_int(), 5);

  // Unknown commands and bad parameters answer null; that is not a transport error.
  auto unknown = c.query("/no/such/command");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->is_null());
  EXPECT_EQ(c.error().kind, ErrorKind::none);
  auto bad_param = c.query("/ethdev/stats,99");
  ASSERT_TRUE(bad_param);
  EXPECT_TRUE(bad_param->is_null());
  EXPECT_TRUE(c.connected());
}

TEST_F(TelemetryClient, ListAndHelp) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s)) << c.error().message;
  auto cmds = c.list_commands();
  ASSERT_TRUE(cmds);
  ASSERT_EQ(cmds->size(), 6u);
  EXPECT_EQ((*cmds)[0], "/");
  EXPECT_EQ((*cmds)[4], "/rampart/stats");
  auto help = c.help("/rampart/stats");
  ASSERT_TRUE(help);
  EXPECT_EQ(*help, "Packet counters. Takes no parameters");
  EXPECT_FALSE(c.help("/nothing"));
  EXPECT_EQ(c.error().kind, ErrorKind::none);
}

TEST_F(TelemetryClient, MovesKeepTheConnection) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client a;
  ASSERT_TRUE(a.connect(sock(), 2s));
  Client b = std::move(a);
  EXPECT_FALSE(a.connected());
  ASSERT_TRUE(b.query("/rampart/drops"));
  Client c;
  c = std::move(b);
  EXPECT_TRUE(c.query("/rampart/drops"));
}

TEST_F(TelemetryClient, SocketMissing) {
  Client c;
  EXPECT_FALSE(c.connect(sock(), 1s));
  EXPECT_EQ(c.error().kind, ErrorKind::not_found);
  EXPECT_NE(c.error().message.find(sock()), std::string::npos);
  EXPECT_FALSE(c.connected());
  EXPECT_FALSE(c.query("/rampart/stats"));
}

TEST_F(TelemetryClient, PrefixNotFoundMessage) {
  std::string prefix = "rampart-unit-absent-" + std::to_string(::getpid());
  Client c;
  EXPECT_FALSE(c.connect_prefix(prefix, 1s));
  EXPECT_EQ(c.error().kind, ErrorKind::not_found);
  EXPECT_EQ(c.error().message, "no Rampart/DPDK process with file-prefix " + prefix + ": " +
                                   rampart::telemetry::socket_path_for_prefix(prefix) +
                                   " not found");
}

TEST_F(TelemetryClient, StaleSocketIsRefused) {
  // A bound but not listening socket is what a crashed process leaves behind.
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock().c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  Client c;
  EXPECT_FALSE(c.connect(sock(), 1s));
  EXPECT_EQ(c.error().kind, ErrorKind::connect);
  EXPECT_NE(c.error().message.find("stale"), std::string::npos) << c.error().message;
}

TEST_F(TelemetryClient, RegularFileIsNotASocket) {
  FILE* f = std::fopen(sock().c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  Client c;
  EXPECT_FALSE(c.connect(sock(), 1s));
  EXPECT_EQ(c.error().kind, ErrorKind::connect);
  EXPECT_EQ(c.error().message, sock() + " is not a socket");
}

TEST_F(TelemetryClient, PathTooLong) {
  Client c;
  EXPECT_FALSE(c.connect("/tmp/" + std::string(200, 'a'), 1s));
  EXPECT_EQ(c.error().kind, ErrorKind::connect);
  EXPECT_NE(c.error().message.find("too long"), std::string::npos);
}

TEST_F(TelemetryClient, NoGreetingTimesOut) {
  FakeTelemetryServer::Config cfg;
  cfg.accept = false;
  FakeTelemetryServer server(sock(), default_rampart_handler, cfg);
  Client c;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.connect(sock(), 200ms));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(c.error().kind, ErrorKind::timeout);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(c.connected());
}

TEST_F(TelemetryClient, SilentReplyTimesOutAndDisconnects) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 200ms));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.query("/slow"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(c.error().kind, ErrorKind::timeout);
  EXPECT_NE(c.error().message.find("200 ms"), std::string::npos) << c.error().message;
  EXPECT_FALSE(c.connected());
}

TEST_F(TelemetryClient, ServerClosesBeforeGreeting) {
  // DPDK closes connections beyond its client limit right after accepting them.
  FakeTelemetryServer::Config cfg;
  cfg.hang_up = true;
  FakeTelemetryServer server(sock(), default_rampart_handler, cfg);
  Client c;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.connect(sock(), 300ms));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(c.error().kind, ErrorKind::closed);
  EXPECT_NE(c.error().message.find("too many clients"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("until the timeout (300 ms)"), std::string::npos) << c.error().message;
  // Retried until (about) the timeout, not beyond it.
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 2s);
}

TEST_F(TelemetryClient, ClientLimitReachedThenASlotFrees) {
  // The first connections are refused the way DPDK refuses an eleventh client; then one is served.
  FakeTelemetryServer::Config cfg;
  cfg.hang_up_first = 3;
  FakeTelemetryServer server(sock(), default_rampart_handler, cfg);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s)) << c.error().message;
  EXPECT_EQ(c.server().max_output_len, 16384u);
  auto v = c.query("/rampart/info");
  ASSERT_TRUE(v) << c.error().message;
}

TEST_F(TelemetryClient, GreetingButNoAnswers) {
  FakeTelemetryServer::Config cfg;
  cfg.greet = true;
  FakeTelemetryServer server(sock(), [](const std::string&) { return std::nullopt; }, cfg);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 150ms));
  EXPECT_FALSE(c.list_commands());
  EXPECT_EQ(c.error().kind, ErrorKind::timeout);
}

TEST_F(TelemetryClient, ServerClosesAfterCommand) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s));
  EXPECT_FALSE(c.query("/close"));
  EXPECT_EQ(c.error().kind, ErrorKind::closed);
}

TEST_F(TelemetryClient, BadGreeting) {
  for (const char* greeting : {"hello", R"({"version":"x","pid":1})", "[1,2]"}) {
    FakeTelemetryServer::Config cfg;
    cfg.greeting = greeting;
    FakeTelemetryServer server(sock(), default_rampart_handler, cfg);
    Client c;
    EXPECT_FALSE(c.connect(sock(), 2s)) << greeting;
    EXPECT_EQ(c.error().kind, ErrorKind::protocol) << greeting;
  }
}

TEST_F(TelemetryClient, BadReplies) {
  FakeTelemetryServer server(sock(), default_rampart_handler);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s));
  EXPECT_FALSE(c.query("/garbage"));
  EXPECT_EQ(c.error().kind, ErrorKind::protocol);
  EXPECT_NE(c.error().message.find("invalid JSON"), std::string::npos);
  // Larger than the announced max_output_len.
  EXPECT_FALSE(c.query("/big"));
  EXPECT_EQ(c.error().kind, ErrorKind::protocol);
  EXPECT_NE(c.error().message.find("larger than"), std::string::npos) << c.error().message;
  EXPECT_FALSE(c.query(""));
}

TEST_F(TelemetryClient, LargerMaxOutputLenIsHonoured) {
  FakeTelemetryServer::Config cfg;
  cfg.greeting = R"({"version":"x","pid":1,"max_output_len":65536})";
  FakeTelemetryServer server(sock(), default_rampart_handler, cfg);
  Client c;
  ASSERT_TRUE(c.connect(sock(), 2s));
  auto big = c.query("/big");
  ASSERT_TRUE(big) << c.error().message;
  EXPECT_EQ(big->as_string().size(), 20000u);
}

TEST_F(TelemetryClient, ReconnectWithSameClient) {
  Client c;
  EXPECT_FALSE(c.connect(sock(), 1s));
  FakeTelemetryServer server(sock(), default_rampart_handler);
  ASSERT_TRUE(c.connect(sock(), 2s)) << c.error().message;
  EXPECT_EQ(c.error().kind, ErrorKind::none);
  EXPECT_TRUE(c.query("/rampart/info"));
}

}  // namespace

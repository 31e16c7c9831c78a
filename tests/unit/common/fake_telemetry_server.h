// A stand-in for DPDK's telemetry v2 socket: SOCK_SEQPACKET, a JSON greeting on connect, then one
// reply message per command. Lets client code be tested without EAL.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace rampart::testing {

// A private directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rampart-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    [[maybe_unused]] int rc = std::system(cmd.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class FakeTelemetryServer {
 public:
  // Returns the reply to send for a command, or nullopt to stay silent (to test timeouts).
  // The special reply "<close>" closes the client connection instead.
  using Handler = std::function<std::optional<std::string>(const std::string& command)>;

  struct Config {
    bool accept = true;     // false: listen but never accept (connect succeeds, no greeting)
    bool greet = true;      // send the greeting after accept
    bool hang_up = false;   // close each connection right after accepting it
    int hang_up_first = 0;  // ... or only the first this many (DPDK at its client limit)
    std::string greeting = R"({"version":"DPDK 22.11.0","pid":4242,"max_output_len":16384})";
  };

  FakeTelemetryServer(std::string path, Handler handler) : FakeTelemetryServer(std::move(path), std::move(handler), Config{}) {}
  FakeTelemetryServer(std::string path, Handler handler, Config config)
      : path_(std::move(path)), handler_(std::move(handler)), config_(std::move(config)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen failed on " + path_);
    }
    thread_ = std::thread([this] { run(); });
  }

  ~FakeTelemetryServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }
  int commands_seen() const { return commands_.load(); }

 private:
  // Waits for fd to be readable, checking the stop flag every 20 ms.
  bool readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void run() {
    if (!config_.accept) {
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    while (readable(listen_fd_)) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  }

  void serve(int fd) {
    if (config_.hang_up) return;
    if (hung_up_ < config_.hang_up_first) {
      ++hung_up_;
      return;
    }
    if (config_.greet) {
      if (::send(fd, config_.greeting.data(), config_.greeting.size(), MSG_NOSIGNAL) < 0) return;
    }
    char buf[1024];
    while (readable(fd)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      ++commands_;
      auto reply = handler_(std::string(buf, static_cast<size_t>(n)));
      if (!reply) continue;
      if (*reply == "<close>") return;
      if (::send(fd, reply->data(), reply->size(), MSG_NOSIGNAL) < 0) return;
    }
  }

  std::string path_;
  Handler handler_;
  Config config_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> commands_{0};
  int hung_up_ = 0;  // server thread only
  std::thread thread_;
};

// Answers like DPDK does for the commands tests use; unknown commands get {"<cmd>": null}.
inline std::optional<std::string> default_rampart_handler(const std::string& command) {
  std::string cmd = command.substr(0, command.find(','));
  std::string params = command.find(',') == std::string::npos ? "" : command.substr(command.find(',') + 1);
  if (cmd == "/") return R"({"/":["/","/help","/info","/rampart/info","/rampart/stats","/rampart/drops"]})";
  if (cmd == "/help") {
    if (params == "/rampart/stats") return R"({"/help":{"/rampart/stats":"Packet counters. Takes no parameters"}})";
    return R"({"/help":null})";
  }
  if (cmd == "/rampart/info") {
    return R"({"/rampart/info":{"version":"0.1.0","pid":4242,"uptime_s":12,"config":"/etc/rampart.toml",)"
           R"("main_lcore":0,"lcores":{"1":"rx=wire0:0 stages=classify,tx"},)"
           R"("stages":{"classify":"1","tx":"1"},"ports":{"wire0":"port 0 net_pcap rxq=1 txq=1"}}})";
  }
  if (cmd == "/rampart/stats") {
    return R"({"/rampart/stats":{"totals":{"rx_packets":1000,"tx_packets":990,"drops":10},)"
           R"("port.wire0":{"rx_packets":1000,"tx_packets":990}}})";
  }
  if (cmd == "/rampart/drops") {
    return R"({"/rampart/drops":{"eth-truncated":0,"ipv4-bad-checksum":3,"ring-full":120,"ttl":0}})";
  }
  if (cmd == "/rampart/lcores") return R"({"/rampart/lcores":{}})";
  if (cmd == "/ethdev/stats") {
    if (params != "0") return R"({"/ethdev/stats":null})";
    return R"({"/ethdev/stats":{"ipackets":5,"opackets":4}})";
  }
  if (cmd == "/slow") return std::nullopt;
  if (cmd == "/close") return "<close>";
  if (cmd == "/garbage") return "this is not json";
  if (cmd == "/big") return "{\"/big\":\"" + std::string(20000, 'x') + "\"}";
  return "{\"" + cmd + "\":null}";
}

}  // namespace rampart::testing

// Client of the DPDK telemetry v2 socket (AF_UNIX, SOCK_SEQPACKET): the same protocol that
// dpdk-telemetry.py speaks, so rampartctl and tools work against rampart or any DPDK process.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

struct sockaddr_un;

namespace rampart::telemetry {

inline constexpr std::string_view kSocketName = "dpdk_telemetry.v2";
inline constexpr std::chrono::milliseconds kDefaultTimeout{5000};
// DPDK 22.11 answers at most 16 KiB; a larger max_output_len from the hello is honoured.
inline constexpr size_t kMinReplyBuffer = 16384;

// Directory holding <file-prefix>/dpdk_telemetry.v2, chosen as EAL and dpdk-telemetry.py do:
// $RUNTIME_DIRECTORY, else /var/run for root, else $XDG_RUNTIME_DIR or /tmp; plus "/dpdk".
std::string default_runtime_dir();
// <runtime_dir>/<prefix>/dpdk_telemetry.v2
std::string socket_path_for_prefix(std::string_view prefix,
                                   std::string_view runtime_dir = default_runtime_dir());

enum class ErrorKind {
  none,
  not_found,   // no socket file at the path: the process is not running (or another prefix)
  connect,     // the file exists but connecting failed (stale socket, permissions, too long)
  timeout,     // no hello or reply within the timeout
  closed,      // the server closed the connection (e.g. its client limit was reached)
  io,          // other socket errors
  protocol,    // the server sent something that is not the expected JSON
};

struct Error {
  ErrorKind kind = ErrorKind::none;
  std::string message;
};

// Server hello: {"version": ..., "pid": ..., "max_output_len": N}.
struct ServerInfo {
  std::string version;
  int64_t pid = 0;
  size_t max_output_len = 0;
  json::Value raw;
};

// One connection. Not thread-safe: the server runs one client's commands in order, so callers
// that want parallelism open several clients.
class Client {
 public:
  Client() = default;
  ~Client();
  Client(Client&& o) noexcept;
  Client& operator=(Client&& o) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects to the socket of the DPDK process started with --file-prefix `prefix`.
  bool connect_prefix(std::string_view prefix,
                      std::chrono::milliseconds timeout = kDefaultTimeout);
  // Connects to an explicit socket path and reads the hello. On failure returns false and
  // error() says why; the client can be reused for another attempt.
  bool connect(const std::string& socket_path,
               std::chrono::milliseconds timeout = kDefaultTimeout);
  bool connected() const { return fd_ >= 0; }
  void close();

  // Sends `command` (e.g. "/rampart/stats" or "/ethdev/stats,0") and returns the whole reply
  // object {"<command>": data}. nullopt on transport or protocol errors (see error()).
  std::optional<json::Value> request(std::string_view command);
  // The data part of the reply. A JSON null here means the server does not know the command or
  // rejected its parameters; transport errors give nullopt.
  std::optional<json::Value> query(std::string_view command);
  // All registered commands ("/" on the server).
  std::optional<std::vector<std::string>> list_commands();
  // The server's help text for one command ("/help,<command>"); nullopt if none.
  std::optional<std::string> help(std::string_view command);

  const ServerInfo& server() const { return server_; }
  const std::string& socket_path() const { return path_; }
  const Error& error() const { return error_; }

 private:
  bool fail(ErrorKind kind, std::string message);
  bool open_socket(const sockaddr_un& addr, std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> receive(size_t buffer_size);

  int fd_ = -1;
  std::chrono::milliseconds timeout_ = kDefaultTimeout;
  std::string path_;
  std::string prefix_;  // only for messages; empty when connected by path
  ServerInfo server_;
  Error error_;
};

}  // namespace rampart::telemetry

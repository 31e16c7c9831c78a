#include "common/telemetry_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace rampart::telemetry {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline; returns 1 ready, 0 timed out, -1 error (errno).
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r;
    return 1;
  }
}

}  // namespace

std::string default_runtime_dir() {
  if (const char* d = std::getenv("RUNTIME_DIRECTORY"); d && *d) return std::string(d) + "/dpdk";
  if (::getuid() == 0) return "/var/run/dpdk";
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/dpdk";
  return "/tmp/dpdk";
}

std::string socket_path_for_prefix(std::string_view prefix, std::string_view runtime_dir) {
  std::string p(runtime_dir);
  p += '/';
  p += prefix;
  p += '/';
  p += kSocketName;
  return p;
}

Client::~Client() { close(); }

Client::Client(Client&& o) noexcept
    : fd_(o.fd_),
      timeout_(o.timeout_),
      path_(std::move(o.path_)),
      prefix_(std::move(o.prefix_)),
      server_(std::move(o.server_)),
      error_(std::move(o.error_)) {
  o.fd_ = -1;
}

Client& Client::operator=(Client&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    o.fd_ = -1;
    timeout_ = o.timeout_;
    path_ = std::move(o.path_);
    prefix_ = std::move(o.prefix_);
    server_ = std::move(o.server_);
    error_ = std::move(o.error_);
  }
  return *this;
}

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Client::fail(ErrorKind kind, std::string message) {
  error_ = Error{kind, std::move(message)};
  return false;
}

bool Client::connect_prefix(std::string_view prefix, std::chrono::milliseconds timeout) {
  std::string path = socket_path_for_prefix(prefix);
  bool ok = connect(path, timeout);
  prefix_ = prefix;
  if (!ok && error_.kind == ErrorKind::not_found) {
    error_.message = "no Rampart/DPDK process with file-prefix " + prefix_ + ": " + path +
                     " not found";
  }
  return ok;
}

// One connect() to the server, non-blocking so that it and every later wait honour the deadline.
bool Client::open_socket(const sockaddr_un& addr, Clock::time_point deadline) {
  const std::string& socket_path = path_;
  fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return fail(ErrorKind::io, "socket(): " + errno_text(errno));
  for (;;) {
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
    int err = errno;
    if (err == EINTR) continue;
    // A full listen backlog gives EAGAIN on AF_UNIX; the server drains it, so retry briefly.
    if (err == EAGAIN && remaining_ms(deadline) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    close();
    switch (err) {
      case ENOENT:
        return fail(ErrorKind::not_found,
                    "no Rampart/DPDK process at " + socket_path + ": socket not found");
      case ECONNREFUSED:
        if (struct stat st; ::stat(socket_path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
          return fail(ErrorKind::connect, socket_path + " is not a socket");
        }
        return fail(ErrorKind::connect, "nothing is listening on " + socket_path +
                                            " (stale socket left by a process that exited?)");
      case EACCES:
      case EPERM:
        return fail(ErrorKind::connect, "permission denied on " + socket_path +
                                            " (run as root or as the user running rampart)");
      case EAGAIN:
        return fail(ErrorKind::timeout, "timed out connecting to " + socket_path);
      default:
        return fail(ErrorKind::connect, "cannot connect to " + socket_path + ": " + errno_text(err));
    }
  }
}

bool Client::connect(const std::string& socket_path, std::chrono::milliseconds timeout) {
  close();
  path_ = socket_path;
  prefix_.clear();
  timeout_ = timeout;
  server_ = ServerInfo{};
  error_ = Error{};

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorKind::connect, "socket path too long (max " +
                                        std::to_string(sizeof(addr.sun_path) - 1) +
                                        " bytes): " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());

  // DPDK accepts a connection beyond its client limit (10) and closes it at once. The limit is
  // reached only while other clients are connected (a Prometheus scrape, scripts, several
  // operators), and a slot frees as soon as one of them finishes, so such a refusal is retried
  // until the timeout, backing off from 10 to 160 ms.
  const auto deadline = Clock::now() + timeout;
  std::optional<std::string> hello;
  for (auto backoff = std::chrono::milliseconds(10);; backoff = std::min(backoff * 2, std::chrono::milliseconds(160))) {
    if (!open_socket(addr, deadline)) return false;
    hello = receive(kMinReplyBuffer);
    if (hello) break;
    close();
    if (error_.kind != ErrorKind::closed) return false;
    if (remaining_ms(deadline) <= backoff.count()) {
      error_.message = "server at " + socket_path +
                       " closed the connection before its greeting, until the timeout (" +
                       std::to_string(timeout.count()) + " ms): too many clients?";
      return false;
    }
    std::this_thread::sleep_for(backoff);
  }
  auto parsed = json::parse(*hello);
  if (!parsed.value || !parsed.value->is_object()) {
    close();
    return fail(ErrorKind::protocol, "unexpected greeting from " + socket_path + ": " +
                                         (parsed.value ? *hello : parsed.error));
  }
  server_.raw = std::move(*parsed.value);
  if (auto v = server_.raw.find("version"); v && v->is_string()) server_.version = v->as_string();
  if (auto p = server_.raw.find("pid"); p && p->is_number()) server_.pid = p->as_int();
  auto m = server_.raw.find("max_output_len");
  if (!m || !m->is_number()) {
    close();
    return fail(ErrorKind::protocol,
                "greeting from " + socket_path + " has no max_output_len: " + *hello);
  }
  server_.max_output_len = static_cast<size_t>(m->as_uint());
  return true;
}

std::optional<std::string> Client::receive(size_t buffer_size) {
  const auto deadline = Clock::now() + timeout_;
  int r = wait_for(fd_, POLLIN, deadline);
  if (r == 0) {
    fail(ErrorKind::timeout, "no answer from " + path_ + " within " +
                                 std::to_string(timeout_.count()) + " ms");
    return std::nullopt;
  }
  if (r < 0) {
    fail(ErrorKind::io, "poll(): " + errno_text(errno));
    return std::nullopt;
  }
  // One extra byte lets a reply of exactly buffer_size be told apart from a truncated one even
  // where MSG_TRUNC is not reported.
  std::string buf(buffer_size + 1, '\0');
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd_, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (wait_for(fd_, POLLIN, deadline) > 0) continue;
        fail(ErrorKind::timeout, "no answer from " + path_);
        return std::nullopt;
      }
      fail(ErrorKind::io, "recv from " + path_ + ": " + errno_text(errno));
      return std::nullopt;
    }
    if (n == 0) {
      fail(ErrorKind::closed, "server at " + path_ + " closed the connection");
      return std::nullopt;
    }
    if ((msg.msg_flags & MSG_TRUNC) || static_cast<size_t>(n) > buffer_size) {
      fail(ErrorKind::protocol, "reply from " + path_ + " larger than " +
                                    std::to_string(buffer_size) + " bytes");
      return std::nullopt;
    }
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
}

std::optional<json::Value> Client::request(std::string_view command) {
  error_ = Error{};
  if (fd_ < 0) {
    fail(ErrorKind::io, "not connected");
    return std::nullopt;
  }
  if (command.empty()) {
    fail(ErrorKind::protocol, "empty command");
    return std::nullopt;
  }
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    ssize_t n = ::send(fd_, command.data(), command.size(), MSG_NOSIGNAL);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN && wait_for(fd_, POLLOUT, deadline) > 0) continue;
    if (errno == EAGAIN) {
      fail(ErrorKind::timeout, "timed out sending to " + path_);
    } else if (errno == EPIPE || errno == ECONNRESET) {
      fail(ErrorKind::closed, "server at " + path_ + " closed the connection");
    } else {
      fail(ErrorKind::io, "send to " + path_ + ": " + errno_text(errno));
    }
    close();
    return std::nullopt;
  }

  auto text = receive(std::max(server_.max_output_len, kMinReplyBuffer));
  if (!text) {
    // After a timeout a late reply would be read as the answer to the next command.
    close();
    return std::nullopt;
  }
  auto parsed = json::parse(*text);
  if (!parsed.value) {
    fail(ErrorKind::protocol, "invalid JSON in reply to " + std::string(command) + ": " +
                                  parsed.error);
    return std::nullopt;
  }
  if (!parsed.value->is_object() || parsed.value->as_object().size() != 1) {
    fail(ErrorKind::protocol, "unexpected reply to " + std::string(command) + ": " + *text);
    return std::nullopt;
  }
  return std::move(parsed.value);
}

std::optional<json::Value> Client::query(std::string_view command) {
  auto reply = request(command);
  if (!reply) return std::nullopt;
  return std::move(reply->as_object().front().second);
}

std::optional<std::vector<std::string>> Client::list_commands() {
  auto data = query("/");
  if (!data) return std::nullopt;
  if (!data->is_array()) {
    fail(ErrorKind::protocol, "command list is not an array: " + json::write(*data));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& v : data->as_array()) {
    if (v.is_string()) out.push_back(v.as_string());
  }
  return out;
}

std::optional<std::string> Client::help(std::string_view command) {
  std::string cmd = "/help,";
  cmd += command;
  auto data = query(cmd);
  if (!data) return std::nullopt;
  if (auto text = data->find(command); text && text->is_string()) return text->as_string();
  return std::nullopt;
}

}  // namespace rampart::telemetry

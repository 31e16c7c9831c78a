#include "app/rampart/dns_query_log.h"

#include <rte_cycles.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "app/rampart/text.h"
#include "common/json.h"
#include "dns/dns_stage.h"
#include "dns/names.h"

namespace rampart::app {

namespace fs = std::filesystem;

QueryLogCounters& dns_query_log_counters() {
  static QueryLogCounters counters;
  return counters;
}

QueryLogWriter::QueryLogWriter(std::string path, uint64_t rotate_bytes, uint32_t keep,
                               std::vector<dns::QueryLogRing*> rings,
                               std::function<double(uint64_t)> to_unix, QueryLogCounters* counters,
                               uint32_t retry_ms)
    : path_(std::move(path)),
      rotate_bytes_(rotate_bytes),
      keep_(keep),
      rings_(std::move(rings)),
      to_unix_(std::move(to_unix)),
      c_(counters ? counters : &own_),
      retry_(retry_ms) {
  open_file();
}

QueryLogWriter::~QueryLogWriter() {
  if (f_ && std::fclose(f_) != 0) {
    f_ = nullptr;
    fail("close", errno, 0);
  }
  if (unflushed_) c_->written += unflushed_;
}

void QueryLogWriter::log_failure(const std::string& what) {
  // Once at the first failure, then at most once a minute while it lasts.
  const auto now = std::chrono::steady_clock::now();
  const uint64_t lost = c_->lost.load();
  if (!failing_) {
    spdlog::error("dns query log: {}; records are counted as lost (query_log_lost) until it works again", what);
  } else if (now - last_log_ >= std::chrono::minutes(1)) {
    spdlog::error("dns query log: {}; {} records lost since the last message", what, lost - lost_at_log_);
  } else {
    return;
  }
  failing_ = true;
  last_log_ = now;
  lost_at_log_ = lost;
}

void QueryLogWriter::open_file() {
  last_open_ = std::chrono::steady_clock::now();
  f_ = std::fopen(path_.c_str(), "a");
  if (!f_) {
    ++c_->write_errors;
    log_failure("cannot open " + path_ + ": " + std::strerror(errno));
    return;
  }
  std::error_code ec;
  regular_ = fs::is_regular_file(path_, ec);
  size_ = regular_ ? fs::file_size(path_, ec) : 0;
  if (ec) size_ = 0;
  // "Writing again" is said once records have reached the file (flush below), not on reopening:
  // a file that opens but cannot be written (a full disk, /dev/full) is still failing.
}

void QueryLogWriter::fail(const char* what, int err, uint64_t records) {
  c_->lost += unflushed_ + records;
  unflushed_ = 0;
  ++c_->write_errors;
  if (f_) {
    std::fclose(f_);
    f_ = nullptr;
  }
  log_failure(std::string("cannot ") + what + " " + path_ + ": " + std::strerror(err));
}

void QueryLogWriter::rotate() {
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) {
    fail("close", errno, 0);
  } else {
    c_->written += unflushed_;
    unflushed_ = 0;
  }
  std::error_code ec;
  if (keep_ == 0) {
    fs::remove(path_, ec);
  } else {
    for (uint32_t i = keep_; i > 1; --i)
      fs::rename(path_ + "." + std::to_string(i - 1), path_ + "." + std::to_string(i), ec);
    ec.clear();
    fs::rename(path_, path_ + ".1", ec);
  }
  if (ec) {
    ++c_->write_errors;
    log_failure("cannot rotate " + path_ + ": " + ec.message() + " (the file keeps growing)");
  }
  ++c_->rotations;
  open_file();
  // A failed rename leaves the file full: wait for another rotate_bytes before trying again.
  if (f_ && size_ >= rotate_bytes_) size_ = 0;
}

namespace {

// Header flags by their bit in the header's second 16-bit word.
constexpr BitName kHeaderFlags[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
                                    {0x0080, "ra"}, {0x0020, "ad"}, {0x0010, "cd"}};

}  // namespace

std::string QueryLogWriter::line(const dns::QueryLogRecord& r) const {
  json::Value v = json::Value::object();
  const double t = to_unix_(r.query_tsc);
  v.set("time", std::round(t * 1e6) / 1e6);
  v.set("client", address_text(r.client, r.family));
  v.set("client_port", static_cast<uint64_t>(r.client_port));
  v.set("server", address_text(r.server, r.family));
  v.set("server_port", static_cast<uint64_t>(r.server_port));
  v.set("transport", r.transport ? "tcp" : "udp");
  v.set("qname", dns::wire_to_text(r.qname, r.qname_len));
  v.set("qtype", dns::qtype_name(r.qtype));
  v.set("rcode", dns::rcode_name(r.rcode));
  v.set("latency_us", std::round(static_cast<double>(r.latency_ns) / 100.0) / 10.0);
  v.set("answers", static_cast<uint64_t>(r.answers));
  v.set("flags", bit_names(r.flags, kHeaderFlags, ' '));
  v.set("do", r.edns_do != 0);
  v.set("response_bytes", static_cast<uint64_t>(r.response_len));
  return json::write(v);
}

size_t QueryLogWriter::poll() {
  if (!f_ && std::chrono::steady_clock::now() - last_open_ >= retry_) open_file();
  size_t n = 0;
  dns::QueryLogRecord r;
  for (auto* ring : rings_) {
    while (ring->pop(r)) {
      ++n;
      if (!f_) {
        ++c_->lost;
        continue;
      }
      const std::string l = line(r) + "\n";
      if (std::fwrite(l.data(), 1, l.size(), f_) != l.size()) {
        fail("write", errno, 1);
        continue;
      }
      ++unflushed_;
      size_ += l.size();
      if (regular_ && size_ >= rotate_bytes_) rotate();
    }
  }
  if (f_ && unflushed_) {
    if (std::fflush(f_) != 0) {
      fail("write", errno, 0);
    } else {
      c_->written += unflushed_;
      unflushed_ = 0;
      if (failing_) {
        spdlog::info("dns query log: writing to {} again ({} records lost in all)", path_, c_->lost.load());
        failing_ = false;
      }
    }
  }
  if (n && !f_) log_failure("cannot write " + path_);
  return n;
}

void start_dns_query_log(AppState& app) {
  const auto& cfg = app.cfg.dns;
  if (cfg.query_log_path.empty()) return;
  std::vector<dns::QueryLogRing*> rings;
  for (const auto* s : app.stages_of<dns::DnsStage>(core::StageId::dns))
    if (s->query_log()) rings.push_back(s->query_log());
  if (rings.empty()) return;
  // Started even when the file cannot be opened now: it keeps draining (and counting) and retries.
  auto* w = new QueryLogWriter(cfg.query_log_path, cfg.query_log_rotate_bytes, cfg.query_log_keep,
                               std::move(rings), [&app](uint64_t tsc) { return app.unix_time(tsc); },
                               &dns_query_log_counters());
  if (w->ok()) spdlog::info("dns query log: {}", cfg.query_log_path);
  // Runs until the pipeline has quit, then writes what is left and closes the file.
  app.control_threads.emplace_back([&app, w] {
    for (;;) {
      const bool last = app.control.state.load() == core::RunState::quit;
      w->poll();
      if (last) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    w->poll();
    delete w;
  });
}

}  // namespace rampart::app

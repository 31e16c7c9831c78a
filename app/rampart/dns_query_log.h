// The DNS query log's writer (control plane): drains the DNS stage's per-lcore rings and writes
// one JSON object per line per matched transaction, rotating the file by size
// (PATH -> PATH.1 -> PATH.2 ..., `keep` old files; only regular files are rotated).
//
// The rings are always drained, so the lcores never see them fill because the file is gone: a
// record that cannot be written (the file cannot be opened, a write or flush fails) is counted as
// lost. A failure is logged at once, then at most once a minute with the count since; the file is
// opened again every `retry_ms` until it works, and the recovery is logged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "app/rampart/app_state.h"
#include "dns/query_log.h"

namespace rampart::app {

// What the writer did; read by /rampart/dns/stats (query_log_written, query_log_lost,
// query_log_write_errors, query_log_rotations).
struct QueryLogCounters {
  std::atomic<uint64_t> written{0};       // lines written and flushed
  std::atomic<uint64_t> lost{0};          // records taken from the rings and not written
  std::atomic<uint64_t> write_errors{0};  // failed opens, writes, flushes and renames
  std::atomic<uint64_t> rotations{0};
};

// The counters of the process's writer (they outlive it: the final report reads them).
QueryLogCounters& dns_query_log_counters();

class QueryLogWriter {
 public:
  // `to_unix`: a record's TSC time as Unix seconds (AppState::unix_time). `counters`: where to
  // count (nullptr: its own). `retry_ms`: how often a file that cannot be opened is tried again.
  QueryLogWriter(std::string path, uint64_t rotate_bytes, uint32_t keep,
                 std::vector<dns::QueryLogRing*> rings, std::function<double(uint64_t)> to_unix,
                 QueryLogCounters* counters = nullptr, uint32_t retry_ms = 1000);
  ~QueryLogWriter();
  QueryLogWriter(const QueryLogWriter&) = delete;
  QueryLogWriter& operator=(const QueryLogWriter&) = delete;

  bool ok() const { return f_ != nullptr; }
  // Writes every record waiting in the rings (or counts it lost); returns how many it took.
  size_t poll();
  uint64_t written() const { return c_->written.load(); }
  uint64_t lost() const { return c_->lost.load(); }
  uint64_t write_errors() const { return c_->write_errors.load(); }
  uint64_t rotations() const { return c_->rotations.load(); }
  // Records are being lost and no write has worked since (what the log's messages say).
  bool failing() const { return failing_; }

  std::string line(const dns::QueryLogRecord& r) const;

 private:
  void open_file();
  void rotate();
  // A write, flush or close failed: what was not known to be written is lost; the file is closed
  // and opened again later.
  void fail(const char* what, int err, uint64_t records);
  void log_failure(const std::string& what);

  std::string path_;
  uint64_t rotate_bytes_;
  uint32_t keep_;
  std::vector<dns::QueryLogRing*> rings_;
  std::function<double(uint64_t)> to_unix_;
  QueryLogCounters own_;
  QueryLogCounters* c_;
  std::chrono::milliseconds retry_;
  FILE* f_ = nullptr;
  bool regular_ = false;        // the path is a regular file (rotated by size)
  uint64_t size_ = 0;
  uint64_t unflushed_ = 0;      // lines written since the last successful flush
  std::chrono::steady_clock::time_point last_open_{};
  bool failing_ = false;        // since the last failure, not yet recovered
  std::chrono::steady_clock::time_point last_log_{};
  uint64_t lost_at_log_ = 0;
};

// Starts the writer thread when [stages.dns] query_log_path is set (after build_topology).
void start_dns_query_log(AppState& app);

}  // namespace rampart::app

// The DNS query log's writer (control plane): drains the DNS stage's per-lcore rings and writes
// one JSON object per line per matched transaction, rotating the file by size
// (PATH -> PATH.1 -> PATH.2 ..., `keep` old files).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app/rampart/app_state.h"
#include "dns/query_log.h"

namespace rampart::app {

class QueryLogWriter {
 public:
  // Times: unix = start_unix + (tsc - start_tsc) / hz.
  QueryLogWriter(std::string path, uint64_t rotate_bytes, uint32_t keep,
                 std::vector<dns::QueryLogRing*> rings, double start_unix, uint64_t start_tsc, uint64_t hz);
  ~QueryLogWriter();
  QueryLogWriter(const QueryLogWriter&) = delete;
  QueryLogWriter& operator=(const QueryLogWriter&) = delete;

  bool ok() const { return f_ != nullptr; }
  // Writes every record waiting in the rings; returns how many.
  size_t poll();
  uint64_t written() const { return written_; }
  uint64_t rotations() const { return rotations_; }

  std::string line(const dns::QueryLogRecord& r) const;

 private:
  void open_file();
  void rotate();

  std::string path_;
  uint64_t rotate_bytes_;
  uint32_t keep_;
  std::vector<dns::QueryLogRing*> rings_;
  double start_unix_;
  uint64_t start_tsc_;
  double hz_;
  FILE* f_ = nullptr;
  uint64_t size_ = 0;
  uint64_t written_ = 0;
  uint64_t rotations_ = 0;
};

// Starts the writer thread when [stages.dns] query_log_path is set (after build_topology).
void start_dns_query_log(AppState& app);

}  // namespace rampart::app

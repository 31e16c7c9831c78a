#include "app/rampart/dns_query_log.h"

#include <arpa/inet.h>
#include <rte_cycles.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/json.h"
#include "dns/dns_stage.h"
#include "dns/names.h"

namespace rampart::app {

namespace fs = std::filesystem;

QueryLogWriter::QueryLogWriter(std::string path, uint64_t rotate_bytes, uint32_t keep,
                               std::vector<dns::QueryLogRing*> rings, double start_unix,
                               uint64_t start_tsc, uint64_t hz)
    : path_(std::move(path)),
      rotate_bytes_(rotate_bytes),
      keep_(keep),
      rings_(std::move(rings)),
      start_unix_(start_unix),
      start_tsc_(start_tsc),
      hz_(static_cast<double>(hz ? hz : 1)) {
  open_file();
}

QueryLogWriter::~QueryLogWriter() {
  if (f_) std::fclose(f_);
}

void QueryLogWriter::open_file() {
  f_ = std::fopen(path_.c_str(), "a");
  if (!f_) {
    spdlog::error("dns query log: cannot open {}: {}", path_, std::strerror(errno));
    return;
  }
  std::error_code ec;
  size_ = fs::exists(path_, ec) ? fs::file_size(path_, ec) : 0;
}

void QueryLogWriter::rotate() {
  std::fclose(f_);
  f_ = nullptr;
  std::error_code ec;
  if (keep_ == 0) {
    fs::remove(path_, ec);
  } else {
    for (uint32_t i = keep_; i > 1; --i)
      fs::rename(path_ + "." + std::to_string(i - 1), path_ + "." + std::to_string(i), ec);
    fs::rename(path_, path_ + ".1", ec);
  }
  ++rotations_;
  open_file();
}

namespace {

std::string addr(const uint8_t* a, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, sizeof buf);
  return buf;
}

std::string flag_text(uint16_t f) {
  std::string out;
  const std::pair<uint16_t, const char*> bits[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"},
                                                   {0x0100, "rd"}, {0x0080, "ra"}, {0x0020, "ad"},
                                                   {0x0010, "cd"}};
  for (const auto& [b, n] : bits)
    if (f & b) out += (out.empty() ? "" : " ") + std::string(n);
  return out;
}

}  // namespace

std::string QueryLogWriter::line(const dns::QueryLogRecord& r) const {
  json::Value v = json::Value::object();
  const double t = start_unix_ + (static_cast<double>(r.query_tsc) - static_cast<double>(start_tsc_)) / hz_;
  v.set("time", std::round(t * 1e6) / 1e6);
  v.set("client", addr(r.client, r.family));
  v.set("client_port", static_cast<uint64_t>(r.client_port));
  v.set("server", addr(r.server, r.family));
  v.set("server_port", static_cast<uint64_t>(r.server_port));
  v.set("transport", r.transport ? "tcp" : "udp");
  v.set("qname", dns::wire_to_text(r.qname, r.qname_len));
  v.set("qtype", dns::qtype_name(r.qtype));
  v.set("rcode", dns::rcode_name(r.rcode));
  v.set("latency_us", std::round(static_cast<double>(r.latency_ns) / 100.0) / 10.0);
  v.set("answers", static_cast<uint64_t>(r.answers));
  v.set("flags", flag_text(r.flags));
  v.set("do", r.edns_do != 0);
  v.set("response_bytes", static_cast<uint64_t>(r.response_len));
  return json::write(v);
}

size_t QueryLogWriter::poll() {
  size_t n = 0;
  dns::QueryLogRecord r;
  for (auto* ring : rings_) {
    while (ring->pop(r)) {
      ++n;
      if (!f_) continue;  // the file could not be opened: records are consumed, not kept
      const std::string l = line(r) + "\n";
      std::fwrite(l.data(), 1, l.size(), f_);
      size_ += l.size();
      ++written_;
      if (size_ >= rotate_bytes_) rotate();
    }
  }
  if (n && f_) std::fflush(f_);
  return n;
}

void start_dns_query_log(AppState& app) {
  const auto& cfg = app.cfg.dns;
  if (cfg.query_log_path.empty()) return;
  std::vector<dns::QueryLogRing*> rings;
  for (const auto& r : app.runners)
    if (const auto* s = dynamic_cast<const dns::DnsStage*>(r->local_stage(core::StageId::dns)))
      if (s->query_log()) rings.push_back(s->query_log());
  if (rings.empty()) return;
  auto* w = new QueryLogWriter(cfg.query_log_path, cfg.query_log_rotate_bytes, cfg.query_log_keep,
                               std::move(rings), static_cast<double>(app.start_unix), app.start_tsc,
                               rte_get_tsc_hz());
  if (!w->ok()) {
    delete w;
    return;
  }
  spdlog::info("dns query log: {}", cfg.query_log_path);
  // Runs until the pipeline has quit, then writes what is left and closes the file.
  std::thread([&app, w] {
    for (;;) {
      const bool last = app.control.state.load() == core::RunState::quit;
      w->poll();
      if (last) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    w->poll();
    delete w;
  }).detach();
}

}  // namespace rampart::app

#include "app/rampart/summary.h"

#include <algorithm>
#include <string>
#include <vector>

namespace rampart::app {

namespace {

uint64_t num(const json::Value* v, const char* key) {
  if (!v) return 0;
  const json::Value* e = v->find(key);
  return e ? e->as_uint() : 0;
}

}  // namespace

void print_summary(const json::Value& snap, std::FILE* out) {
  const json::Value* stats = snap.find("/rampart/stats");
  const json::Value* drops = snap.find("/rampart/drops");
  const json::Value* lcores = snap.find("/rampart/lcores");
  const json::Value* pool = snap.find("/rampart/mempool");

  std::fprintf(out, "\n== Rampart summary ==\n");
  if (stats && stats->is_object()) {
    std::fprintf(out, "%-22s %12s %12s %10s %10s\n", "port", "rx", "tx", "rx_missed", "rx_nombuf");
    for (const auto& [k, v] : stats->as_object())
      if (k.rfind("port_", 0) == 0)
        std::fprintf(out, "%-22s %12lu %12lu %10lu %10lu\n", k.substr(5).c_str(), num(&v, "rx_packets"),
                     num(&v, "tx_packets"), num(&v, "rx_missed"), num(&v, "rx_nombuf"));
    std::fprintf(out, "\n%-22s %12s %12s %10s\n", "stage", "in", "out", "drops");
    for (const auto& [k, v] : stats->as_object())
      if (k.rfind("stage_", 0) == 0)
        std::fprintf(out, "%-22s %12lu %12lu %10lu\n", k.substr(6).c_str(), num(&v, "in"), num(&v, "out"),
                     num(&v, "drops"));
    // What each stage found beyond in/out/drops.
    for (const auto& [k, v] : stats->as_object()) {
      if (k.rfind("stage_", 0) != 0 || !v.is_object()) continue;
      std::string found;
      for (const auto& [ck, cv] : v.as_object()) {
        if (ck == "in" || ck == "out" || ck == "drops" || !cv.is_number() || cv.as_uint() == 0) continue;
        found += (found.empty() ? "" : ", ") + ck + "=" + std::to_string(cv.as_uint());
      }
      if (!found.empty()) std::fprintf(out, "  %s: %s\n", k.substr(6).c_str(), found.c_str());
    }
  }
  if (drops && drops->is_object()) {
    std::vector<std::pair<std::string, uint64_t>> nonzero;
    for (const auto& [k, v] : drops->as_object())
      if (v.as_uint() > 0) nonzero.emplace_back(k, v.as_uint());
    std::sort(nonzero.begin(), nonzero.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::fprintf(out, "\ndrops by reason:%s\n", nonzero.empty() ? " none" : "");
    for (const auto& [k, v] : nonzero) std::fprintf(out, "  %-26s %10lu\n", k.c_str(), v);
  }
  if (lcores && lcores->is_object()) {
    std::fprintf(out, "\n%-10s %-32s %12s %12s %12s %8s %10s\n", "lcore", "stages", "busy_polls", "idle_polls",
                 "waiting", "busy%", "cyc/pkt");
    for (const auto& [k, v] : lcores->as_object()) {
      const json::Value* st = v.find("stages");
      std::fprintf(out, "%-10s %-32s %12lu %12lu %12lu %8lu %10lu\n", k.c_str(),
                   st && st->is_string() ? st->as_string().c_str() : "", num(&v, "busy_polls"),
                   num(&v, "idle_polls"), num(&v, "waiting_polls"), num(&v, "busy_pct"),
                   num(&v, "cycles_per_packet"));
    }
  }
  if (pool) {
    const json::Value* at_exit = pool->find("in_use_at_exit");
    const int64_t exit_v = at_exit ? at_exit->as_int() : -1;
    const uint64_t start_v = num(pool, "in_use_at_start");
    std::fprintf(out, "\nmbufs in use: %lu at start, %ld at exit%s\n", start_v, exit_v,
                 exit_v >= 0 && static_cast<uint64_t>(exit_v) == start_v ? " (no leak)" : " (LEAK)");
  }
}

}  // namespace rampart::app

#include "arp/event_logger.h"

#include <algorithm>

#include "arp/addr_text.h"

namespace rampart::arp {

namespace {
constexpr size_t kReadBatch = 4096;  // events taken from one log per read
}

EventLogger::EventLogger(uint32_t per_second, Sink sink, Clock clock)
    : per_second_(per_second), sink_(std::move(sink)), clock_(std::move(clock)) {}

void EventLogger::poll(const std::vector<const EventLog*>& logs) {
  const uint64_t now = clock_();
  // Fixed one-second windows from the first poll: the budget is per_second lines per window.
  if (!started_ || now - window_start_ms_ >= 1000) {
    window_start_ms_ = started_ ? now - (now - window_start_ms_) % 1000 : now;
    started_ = true;
    budget_ = per_second_;
  }
  cursor_.resize(std::max(cursor_.size(), logs.size()), 0);
  std::vector<Event> evs;
  for (size_t i = 0; i < logs.size(); ++i) {
    for (;;) {
      evs.clear();
      uint64_t lost = 0;
      const uint64_t next = logs[i]->read(cursor_[i], evs, kReadBatch, lost);
      suppressed_ += lost;
      const bool more = next != cursor_[i] && next < logs[i]->written();
      cursor_[i] = next;
      for (const Event& e : evs) {
        if (budget_ == 0) {
          ++suppressed_;
          continue;
        }
        --budget_;
        sink_(e, suppressed_);
        suppressed_ = 0;
        ++logged_;
      }
      if (!more) break;
    }
  }
}

std::string event_line(const Event& e, std::string_view port_name, uint64_t earlier) {
  std::string line = "arp " + std::string(to_string(e.kind)) + ": " + format_ipv4(e.ip) + " " +
                     (e.old_mac == proto::ArpMac{} ? std::string("-") : format_mac(e.old_mac)) + " -> " +
                     format_mac(e.new_mac) + " on " + std::string(port_name) + " vlan " + std::to_string(e.vlan);
  if (earlier) line += " (" + std::to_string(earlier) + " earlier events not logged)";
  return line;
}

}  // namespace rampart::arp

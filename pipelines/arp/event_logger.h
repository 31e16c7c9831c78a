// The control plane's logger of ARP detection events: it drains every ARP lcore's EventLog and
// hands at most `per_second` events a second to a sink (spdlog, in the app); the others, and the
// events a log overwrote before they could be read, are counted and reported with the next event
// that gets through ("N earlier events not logged"). The data plane never logs; this runs on a
// control thread. The clock and the sink are injected, so tests drive both.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "arp/event_log.h"

namespace rampart::arp {

class EventLogger {
 public:
  using Clock = std::function<uint64_t()>;  // monotonic milliseconds
  // `earlier_not_logged`: events skipped or lost since the previous line.
  using Sink = std::function<void(const Event& e, uint64_t earlier_not_logged)>;

  // per_second 0: nothing is logged (everything is counted as not logged).
  EventLogger(uint32_t per_second, Sink sink, Clock clock);

  // Reads what each log holds past this logger's cursor for it. logs[i] must be the same log on
  // every call; more logs may be appended later.
  void poll(const std::vector<const EventLog*>& logs);

  uint64_t logged() const { return logged_; }
  // Skipped or lost, and not reported in a line yet.
  uint64_t pending_not_logged() const { return suppressed_; }

 private:
  uint32_t per_second_;
  Sink sink_;
  Clock clock_;
  std::vector<uint64_t> cursor_;
  bool started_ = false;
  uint64_t window_start_ms_ = 0;
  uint32_t budget_ = 0;
  uint64_t suppressed_ = 0;
  uint64_t logged_ = 0;
};

// The log line of one event: "arp flip_flop: 10.0.0.20 02:..:21 -> 02:..:22 on lan vlan 0",
// plus " (N earlier events not logged)" when N > 0.
std::string event_line(const Event& e, std::string_view port_name, uint64_t earlier_not_logged);

}  // namespace rampart::arp

// The control plane's rate-limited logger of ARP events, with a fake clock and a recording sink:
// at most log_events_per_second lines per second, the skipped (and the overwritten) events
// reported in the next line that gets through, several logs drained, 0 = silence.
#include <gtest/gtest.h>

#include "arp/event_logger.h"

namespace rampart::arp {
namespace {

struct Line {
  uint32_t ip;
  uint64_t earlier;
};

class EventLoggerTest : public ::testing::Test {
 protected:
  EventLogger make(uint32_t per_second) {
    return EventLogger(
        per_second, [this](const Event& e, uint64_t earlier) { lines_.push_back({e.ip, earlier}); },
        [this] { return now_ms_; });
  }
  static void push(EventLog& log, uint32_t from, uint32_t to) {
    for (uint32_t ip = from; ip <= to; ++ip) {
      Event e;
      e.kind = EventKind::new_station;
      e.ip = ip;
      log.push(e);
    }
  }
  uint64_t now_ms_ = 5000;
  std::vector<Line> lines_;
};

TEST_F(EventLoggerTest, AtMostTheRateThenTheSkippedCountInTheNextLine) {
  EventLog log(1024);
  EventLogger logger = make(3);
  push(log, 1, 10);
  logger.poll({&log});
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[0].ip, 1u);
  EXPECT_EQ(lines_[2].ip, 3u);
  EXPECT_EQ(lines_[2].earlier, 0u);
  EXPECT_EQ(logger.pending_not_logged(), 7u);
  // Later in the same second: still over budget, the new ones are skipped too.
  now_ms_ += 900;
  push(log, 11, 11);
  logger.poll({&log});
  EXPECT_EQ(lines_.size(), 3u);
  EXPECT_EQ(logger.pending_not_logged(), 8u);
  // The next second: the first line carries the count of what was skipped.
  now_ms_ += 100;
  push(log, 12, 13);
  logger.poll({&log});
  ASSERT_EQ(lines_.size(), 5u);
  EXPECT_EQ(lines_[3].ip, 12u);
  EXPECT_EQ(lines_[3].earlier, 8u);
  EXPECT_EQ(lines_[4].earlier, 0u);
  EXPECT_EQ(logger.pending_not_logged(), 0u);
  EXPECT_EQ(logger.logged(), 5u);
  EXPECT_EQ(event_line(Event{0, 0, EventKind::flip_flop, 0, 7, 0x0a000014, {2, 0, 0, 0, 0, 0x21},
                             {2, 0, 0, 0, 0, 0x22}},
                       "lan", 8),
            "arp flip_flop: 10.0.0.20 02:00:00:00:00:21 -> 02:00:00:00:00:22 on lan vlan 7 "
            "(8 earlier events not logged)");
  EXPECT_EQ(event_line(Event{0, 0, EventKind::new_station, 0, 0, 0x0a000014, {}, {2, 0, 0, 0, 0, 1}}, "lan", 0),
            "arp new_station: 10.0.0.20 - -> 02:00:00:00:00:01 on lan vlan 0");
}

TEST_F(EventLoggerTest, EventsOverwrittenBeforeTheyWereReadCountAsNotLogged) {
  EventLog log(4);
  EventLogger logger = make(100);
  push(log, 1, 10);  // 1..6 overwritten by the time the logger reads
  logger.poll({&log});
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[0].ip, 7u);
  EXPECT_EQ(lines_[0].earlier, 6u);
}

TEST_F(EventLoggerTest, DrainsEveryLogAndSharesOneBudget) {
  EventLog a(64), b(64);
  EventLogger logger = make(4);
  push(a, 1, 3);
  push(b, 101, 103);
  logger.poll({&a, &b});
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[3].ip, 101u);
  now_ms_ += 1000;
  push(b, 104, 104);
  logger.poll({&a, &b});
  ASSERT_EQ(lines_.size(), 5u);
  EXPECT_EQ(lines_[4].ip, 104u);
  EXPECT_EQ(lines_[4].earlier, 2u) << "102 and 103 were skipped";
}

TEST_F(EventLoggerTest, ZeroPerSecondLogsNothing) {
  EventLog log(64);
  EventLogger logger = make(0);
  push(log, 1, 5);
  logger.poll({&log});
  now_ms_ += 10000;
  logger.poll({&log});
  EXPECT_TRUE(lines_.empty());
  EXPECT_EQ(logger.pending_not_logged(), 5u);
}

}  // namespace
}  // namespace rampart::arp

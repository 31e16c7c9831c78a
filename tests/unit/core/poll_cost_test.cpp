// The poll-cost histogram's quantiles: exact on bucket centres, robust to a few huge outliers
// (the preemptions it exists to ignore).
#include <gtest/gtest.h>

#include <memory>

#include "core/lcore_counters.h"

using rampart::core::PollCostHistogram;

TEST(PollCostHistogram, EmptyIsZero) {
  auto h = std::make_unique<PollCostHistogram>();
  EXPECT_EQ(h->quantile(0.5), 0u);
}

TEST(PollCostHistogram, MedianOfUniformValues) {
  auto h = std::make_unique<PollCostHistogram>();
  for (uint64_t v = 100; v < 200; ++v) h->record(v);
  // 100 values 100..199: the median falls in the bucket holding 150.
  EXPECT_NEAR(static_cast<double>(h->quantile(0.5)), 150.0, PollCostHistogram::kStep);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.9)), 190.0, PollCostHistogram::kStep);
}

TEST(PollCostHistogram, OutliersDoNotMoveTheMedian) {
  auto h = std::make_unique<PollCostHistogram>();
  for (int i = 0; i < 1000; ++i) h->record(80);
  for (int i = 0; i < 10; ++i) h->record(10'000'000);  // a preempted iteration
  EXPECT_NEAR(static_cast<double>(h->quantile(0.5)), 80.0, PollCostHistogram::kStep);
  // The tail sees them, clamped to the last bucket.
  EXPECT_EQ(h->quantile(0.999), uint64_t{PollCostHistogram::kBuckets - 1} * PollCostHistogram::kStep +
                                    PollCostHistogram::kStep / 2);
}

TEST(PollCostHistogram, SingleValue) {
  auto h = std::make_unique<PollCostHistogram>();
  h->record(0);
  EXPECT_EQ(h->quantile(0.5), PollCostHistogram::kStep / 2);
  EXPECT_EQ(h->quantile(0.0), PollCostHistogram::kStep / 2);
}

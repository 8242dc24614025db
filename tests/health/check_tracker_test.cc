// The active-check state machine: N failures in a row take a backend out, one pass brings it
// back, and a pass clears the data plane's passive failure count.
#include "health/check_tracker.h"

#include <memory>

#include "gtest/gtest.h"

namespace modelgate::health {
namespace {

using Change = CheckTracker::Change;

TEST(CheckTracker, UnhealthyAfterExactlyNFailedChecksInARow) {
  auto health = std::make_shared<routing::BackendHealth>();
  CheckTracker tracker(health, 3);
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kNone);
  EXPECT_EQ(tracker.Record(CheckResult::kTimeout), Change::kNone);
  EXPECT_TRUE(health->healthy());
  EXPECT_EQ(tracker.Record(CheckResult::kNotServing), Change::kBecameUnhealthy);
  EXPECT_FALSE(health->healthy());
  EXPECT_FALSE(health->active_ok.load());
  EXPECT_EQ(tracker.failed_in_a_row(), 3);
  // Staying down is not a new change.
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kNone);
  EXPECT_FALSE(health->healthy());
}

TEST(CheckTracker, APassingCheckInBetweenRestartsTheCount) {
  auto health = std::make_shared<routing::BackendHealth>();
  CheckTracker tracker(health, 2);
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kNone);
  EXPECT_EQ(tracker.Record(CheckResult::kServing), Change::kNone);
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kNone);
  EXPECT_TRUE(health->healthy());
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kBecameUnhealthy);
}

TEST(CheckTracker, OnePassingCheckMakesItHealthyAgain) {
  auto health = std::make_shared<routing::BackendHealth>();
  CheckTracker tracker(health, 1);
  EXPECT_EQ(tracker.Record(CheckResult::kNotServing), Change::kBecameUnhealthy);
  EXPECT_EQ(tracker.Record(CheckResult::kServing), Change::kBecameHealthy);
  EXPECT_TRUE(health->healthy());
  EXPECT_EQ(tracker.failed_in_a_row(), 0);
}

TEST(CheckTracker, APassingCheckClearsPassiveFailures) {
  auto health = std::make_shared<routing::BackendHealth>();
  health->unhealthy_after.store(2);
  CheckTracker tracker(health, 2);
  health->consecutive_failures.store(5);  // the data plane could not reach it
  EXPECT_FALSE(health->healthy());
  // The backend answers the check: the passive dip is over and was never reported.
  EXPECT_EQ(tracker.Record(CheckResult::kServing), Change::kNone);
  EXPECT_EQ(health->consecutive_failures.load(), 0);
  EXPECT_TRUE(health->healthy());
}

TEST(CheckTracker, PassiveFailuresWithAFailedCheckAreReportedAsUnhealthy) {
  auto health = std::make_shared<routing::BackendHealth>();
  health->unhealthy_after.store(3);
  CheckTracker tracker(health, 3);
  health->consecutive_failures.store(3);
  // One failed check is below the active threshold, but routing already avoids the backend.
  EXPECT_EQ(tracker.Record(CheckResult::kError), Change::kBecameUnhealthy);
  EXPECT_TRUE(health->active_ok.load());
  EXPECT_EQ(tracker.Record(CheckResult::kServing), Change::kBecameHealthy);
}

TEST(CheckTracker, ResultNamesAreTheMetricLabels) {
  EXPECT_EQ(CheckResultName(CheckResult::kServing), "serving");
  EXPECT_EQ(CheckResultName(CheckResult::kNotServing), "not_serving");
  EXPECT_EQ(CheckResultName(CheckResult::kTimeout), "timeout");
  EXPECT_EQ(CheckResultName(CheckResult::kError), "error");
}

}  // namespace
}  // namespace modelgate::health

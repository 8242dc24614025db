// The unary exchange's state machine over a fake host: which legs it starts, when it falls
// back, how it joins and merges, what it does when the client goes away, and which answer the
// client gets. No sockets: the test plays the transport and the clock.
#include "proxy/unary_exchange.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

using ::testing::ElementsAre;

constexpr int kOk = 0;
constexpr int kCancelled = 1;
constexpr int kDeadlineExceeded = 4;
constexpr int kNotFound = 5;
constexpr int kUnavailable = 14;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

class FakeHost : public ExchangeHost {
 public:
  void StartLeg(int leg, int arm, absl::Time deadline) override {
    events.push_back(absl::StrCat("start leg ", leg, " arm ", arm));
    deadlines.push_back(deadline);
  }
  void CancelLeg(int leg) override { events.push_back(absl::StrCat("cancel leg ", leg)); }
  void StartShadow(int arm) override { events.push_back(absl::StrCat("shadow arm ", arm)); }
  absl::Time Now() override { return now; }
  absl::Cord LegResponse(int leg) override { return absl::Cord(absl::StrCat("list", leg)); }
  void RespondWithLeg(int leg) override { events.push_back(absl::StrCat("answer leg ", leg)); }
  void RespondMerged(routing::MergeResult merged, int metadata_leg) override {
    events.push_back(absl::StrCat("answer merged ", std::string(merged.response),
                                  " metadata from leg ", metadata_leg));
  }
  void CountFallback(int arm, int code) override {
    events.push_back(absl::StrCat("fallback after arm ", arm, " code ", code));
  }
  void CountUnmerged(const char* reason) override {
    events.push_back(absl::StrCat("unmerged ", reason));
  }

  absl::Time now = kT0;
  std::vector<std::string> events;
  std::vector<absl::Time> deadlines;
};

// Concatenates the rankers' "lists" in plan order, or fails when asked to.
class FakeMerger : public routing::Merger {
 public:
  absl::StatusOr<routing::MergeResult> Merge(const std::vector<routing::MergeInput>& inputs,
                                             uint64_t, SplitMix64&) const override {
    if (fail) return absl::InvalidArgumentError("cannot decode");
    routing::MergeResult r;
    for (const auto& in : inputs) r.response.Append(*in.response);
    return r;
  }
  bool fail = false;
};

routing::RoutePlan CanaryPlan() {
  routing::RoutePlan plan;
  plan.primary = 1;  // the candidate
  plan.fallbacks.push_back(0);
  plan.fallback_codes = (1u << kUnavailable) | (1u << kDeadlineExceeded);
  return plan;
}

class UnaryExchangeTest : public ::testing::Test {
 protected:
  UnaryExchange Make(routing::RoutePlan plan, absl::Time deadline = kT0 + absl::Seconds(1)) {
    return UnaryExchange(std::move(plan), &merger_, deadline, &rng_, &host_);
  }
  FakeHost host_;
  FakeMerger merger_;
  SplitMix64 rng_{1};
};

TEST_F(UnaryExchangeTest, OneLegAnsweredAsReceived) {
  UnaryExchange x = Make(routing::RoutePlan{});
  x.Start();
  EXPECT_FALSE(x.finished());
  x.OnLegDone(0, kOk);
  EXPECT_TRUE(x.finished());
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "answer leg 0"));
  EXPECT_THAT(host_.deadlines, ElementsAre(kT0 + absl::Seconds(1)));
}

TEST_F(UnaryExchangeTest, OneLegErrorIsPassedThroughWithoutFallbacks) {
  UnaryExchange x = Make(routing::RoutePlan{});
  x.Start();
  x.OnLegDone(0, kUnavailable);
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, FallbackCodeMovesToTheNextArmWithTheSameDeadline) {
  UnaryExchange x = Make(CanaryPlan());
  x.Start();
  host_.now = kT0 + absl::Milliseconds(300);
  x.OnLegDone(0, kUnavailable);
  EXPECT_FALSE(x.finished());
  x.OnLegDone(1, kOk);
  EXPECT_TRUE(x.finished());
  EXPECT_THAT(host_.events,
              ElementsAre("start leg 0 arm 1", "fallback after arm 1 code 14", "start leg 1 arm 0",
                          "answer leg 1"));
  // The fallback gets what is left of the call's deadline, not a fresh one.
  EXPECT_THAT(host_.deadlines, ElementsAre(kT0 + absl::Seconds(1), kT0 + absl::Seconds(1)));
}

TEST_F(UnaryExchangeTest, CodesThatAreNotFallbackCodesAreAnsweredAsTheyAre) {
  UnaryExchange x = Make(CanaryPlan());
  x.Start();
  x.OnLegDone(0, kNotFound);  // an application answer, not a failure of the candidate
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 1", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, DeadlineSpentBeforeTheFallbackAnswersThePrimarysError) {
  UnaryExchange x = Make(CanaryPlan());
  x.Start();
  host_.now = kT0 + absl::Seconds(1);  // the candidate used the whole budget
  x.OnLegDone(0, kDeadlineExceeded);
  EXPECT_TRUE(x.finished());
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 1", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, FallbacksAreTriedInOrderUntilTheyRunOut) {
  routing::RoutePlan plan = CanaryPlan();
  plan.fallbacks.push_back(2);
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kUnavailable);
  x.OnLegDone(1, kUnavailable);
  x.OnLegDone(2, kUnavailable);
  EXPECT_THAT(host_.events,
              ElementsAre("start leg 0 arm 1", "fallback after arm 1 code 14", "start leg 1 arm 0",
                          "fallback after arm 0 code 14", "start leg 2 arm 2", "answer leg 2"));
}

TEST_F(UnaryExchangeTest, ClientCancellingDuringTheFallbackCancelsItAndAnswersNobody) {
  UnaryExchange x = Make(CanaryPlan());
  x.Start();
  x.OnLegDone(0, kUnavailable);
  x.OnClientCancelled();
  EXPECT_FALSE(x.finished());  // the cancelled leg has not reported its end yet
  x.OnLegDone(1, kCancelled);
  EXPECT_TRUE(x.finished());
  EXPECT_FALSE(x.answered());
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 1", "fallback after arm 1 code 14",
                                        "start leg 1 arm 0", "cancel leg 1"));
}

TEST_F(UnaryExchangeTest, ShadowsStartAfterThePrimaryAndTheCallDoesNotWaitForThem) {
  routing::RoutePlan plan;
  plan.shadows = {1, 2};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kOk);
  // Answered and finished although no shadow has ended: they belong to the dispatcher and may
  // outlive the call.
  EXPECT_TRUE(x.finished());
  EXPECT_THAT(host_.events,
              ElementsAre("start leg 0 arm 0", "shadow arm 1", "shadow arm 2", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, MergeJoinsEveryRankerThenAnswersTheMergedList) {
  routing::RoutePlan plan;
  plan.merge = {0, 1};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(1, kOk);
  EXPECT_FALSE(x.answered());  // waits for the other ranker
  x.OnLegDone(0, kOk);
  EXPECT_TRUE(x.finished());
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "start leg 1 arm 1",
                                        "answer merged list0list1 metadata from leg 0"));
}

TEST_F(UnaryExchangeTest, MergeWithOneFailedRankerAnswersTheOtherUnmixed) {
  routing::RoutePlan plan;
  plan.merge = {0, 1};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kDeadlineExceeded);
  x.OnLegDone(1, kOk);
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "start leg 1 arm 1",
                                        "unmerged leg_failed", "answer leg 1"));
}

TEST_F(UnaryExchangeTest, MergeWhereEveryRankerFailedAnswersTheFirstError) {
  routing::RoutePlan plan;
  plan.merge = {0, 1};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kUnavailable);
  x.OnLegDone(1, kUnavailable);
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "start leg 1 arm 1", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, MergerErrorAnswersTheFirstRankerUnmixed) {
  merger_.fail = true;
  routing::RoutePlan plan;
  plan.merge = {0, 1};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kOk);
  x.OnLegDone(1, kOk);
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "start leg 1 arm 1",
                                        "unmerged merge_error", "answer leg 0"));
}

TEST_F(UnaryExchangeTest, ClientCancellingAMergeCancelsEveryRunningRanker) {
  routing::RoutePlan plan;
  plan.merge = {0, 1};
  UnaryExchange x = Make(plan);
  x.Start();
  x.OnLegDone(0, kOk);
  x.OnClientCancelled();
  x.OnLegDone(1, kCancelled);
  EXPECT_TRUE(x.finished());
  EXPECT_FALSE(x.answered());
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "start leg 1 arm 1", "cancel leg 1"));
}

TEST_F(UnaryExchangeTest, LateAndDuplicateLegEndsAreIgnored) {
  UnaryExchange x = Make(routing::RoutePlan{});
  x.Start();
  x.OnLegDone(0, kOk);
  x.OnLegDone(0, kUnavailable);  // a duplicate
  x.OnLegDone(7, kOk);           // no such leg
  EXPECT_THAT(host_.events, ElementsAre("start leg 0 arm 0", "answer leg 0"));
}

}  // namespace
}  // namespace modelgate::proxy

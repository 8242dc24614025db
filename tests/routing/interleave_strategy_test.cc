// Interleave plans: every healthy ranker is a merge leg; fewer than two healthy rankers run
// alone; a sticky header makes the user's key hash the plan's unit.
#include "routing/strategies/interleave.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "routing/fake_headers.h"

namespace modelgate::routing {
namespace {

using Health = std::vector<std::shared_ptr<BackendHealth>>;

Health Healthy(int n) {
  Health h;
  for (int i = 0; i < n; ++i) h.push_back(std::make_shared<BackendHealth>());
  return h;
}

TEST(InterleaveStrategy, EveryRankerIsAMergeLeg) {
  InterleaveStrategy s({"rank", "", "salt"}, Healthy(3));
  SplitMix64 rng(1);
  RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  ASSERT_EQ(p.merge.size(), 3u);
  EXPECT_EQ(p.merge[0], 0);
  EXPECT_EQ(p.merge[1], 1);
  EXPECT_EQ(p.merge[2], 2);
  EXPECT_EQ(p.primary, 0);
  EXPECT_FALSE(p.keyed);
  EXPECT_TRUE(p.shadows.empty());
  EXPECT_TRUE(p.fallbacks.empty());
}

TEST(InterleaveStrategy, AStickyHeaderGivesTheUsersStableKey) {
  InterleaveStrategy s({"rank", "x-user-id", "salt"}, Healthy(2));
  SplitMix64 rng(1);
  FakeHeaders alice({{"x-user-id", "alice"}});
  FakeHeaders bob({{"x-user-id", "bob"}});
  RoutePlan a1 = s.Plan(RequestInfo{"/a.B/C", &alice}, rng);
  RoutePlan a2 = s.Plan(RequestInfo{"/a.B/C", &alice}, rng);
  RoutePlan b = s.Plan(RequestInfo{"/a.B/C", &bob}, rng);
  EXPECT_TRUE(a1.keyed);
  EXPECT_EQ(a1.key_hash, a2.key_hash);
  EXPECT_NE(a1.key_hash, b.key_hash);
  // Another salt (another experiment) gives another key.
  InterleaveStrategy other({"rank", "x-user-id", "salt2"}, Healthy(2));
  EXPECT_NE(other.Plan(RequestInfo{"/a.B/C", &alice}, rng).key_hash, a1.key_hash);
  // Without the header: not keyed, still merged.
  RoutePlan anonymous = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_FALSE(anonymous.keyed);
  EXPECT_EQ(anonymous.merge.size(), 2u);
}

TEST(InterleaveStrategy, UnhealthyRankersAreLeftOutAndALoneRankerRunsUnmixed) {
  Health h = Healthy(3);
  InterleaveStrategy s({"rank", "", "salt"}, h);
  SplitMix64 rng(1);
  h[1]->active_ok = false;
  RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  ASSERT_EQ(p.merge.size(), 2u);
  EXPECT_EQ(p.merge[0], 0);
  EXPECT_EQ(p.merge[1], 2);

  h[0]->active_ok = false;  // only ranker 2 is left: it answers alone
  p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_TRUE(p.merge.empty());
  EXPECT_EQ(p.primary, 2);
  EXPECT_EQ(p.diverted_from, 0);

  h[2]->active_ok = false;  // nobody healthy: the first ranker is tried (its failure is honest)
  p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_TRUE(p.merge.empty());
  EXPECT_EQ(p.primary, 0);
  EXPECT_EQ(p.diverted_from, -1);
}

}  // namespace
}  // namespace modelgate::routing

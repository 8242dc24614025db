// Tests of the click-model simulator (src/tools/clicksim): the hashed world and rankers are
// deterministic and rank the same in every code path; the cascade has position bias and is
// reproducible from its seed; the offline experiments detect a clearly better ranker and keep
// alpha under A/A for the clustered tests (while the naive A/B test does not); the power search
// recovers a known power curve. All seeded; no timing.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stats/hypothesis/distributions.h"
#include "tools/clicksim/click_model.h"
#include "tools/clicksim/experiment.h"
#include "tools/clicksim/power_sweep.h"
#include "tools/clicksim/relevance.h"

namespace modelgate::clicksim {
namespace {

using ::testing::HasSubstr;

std::string User(int i) { return "user-" + std::to_string(i); }

std::vector<int> Items(const std::vector<ScoredItem>& ranked) {
  std::vector<int> items;
  for (const ScoredItem& s : ranked) items.push_back(s.item);
  return items;
}

// --- World and rankers -------------------------------------------------------------------

TEST(World, RelevanceIsAPureFunctionOfSeedUserAndItem) {
  const World a({}), b({});
  WorldOptions other_seed;
  other_seed.seed = 2;
  const World c(other_seed);
  std::vector<double> ra, rb, rc;
  a.Relevances("alice", ra);
  b.Relevances("alice", rb);
  c.Relevances("alice", rc);
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rc);
  for (int i : {0, 17, 999}) EXPECT_EQ(a.Relevance("alice", i), ra[i]);
  std::vector<double> bob;
  a.Relevances("bob", bob);
  EXPECT_NE(ra, bob);
}

TEST(World, RelevanceIsInTheUnitIntervalAndOnlyAFewItemsAreRelevant) {
  const World world({});
  std::vector<double> rel;
  double relevant = 0;
  const int users = 200;
  for (int u = 0; u < users; ++u) {
    world.Relevances(User(u), rel);
    ASSERT_EQ(rel.size(), 1000u);
    for (double r : rel) {
      ASSERT_GE(r, 0.0);
      ASSERT_LE(r, 1.0);
      relevant += r > 0.5;
    }
  }
  // pop = U, aff = U^6: P(rel > 0.5) is about 3%, i.e. a few dozen of 1000 items per user.
  const double per_user = relevant / users;
  EXPECT_GT(per_user, 10);
  EXPECT_LT(per_user, 60);
}

TEST(World, ItemIdsAreTheWireFormat) {
  EXPECT_EQ(ItemId(0), "item-0");
  EXPECT_EQ(ItemId(17), "item-17");
}

TEST(Ranker, SameOptionsRankIdenticallyInBothCodePaths) {
  const World world({});
  const Ranker fake_model(world, {0.3, 11});
  const World world_again({});
  const Ranker simulation(world_again, {0.3, 11});
  std::vector<double> rel;
  for (int u = 0; u < 50; ++u) {
    // The fake model's path (Recommend) and the simulator's (Rank on precomputed relevances).
    const std::vector<ScoredItem> served = fake_model.Recommend(User(u), 10);
    world_again.Relevances(User(u), rel);
    const std::vector<ScoredItem> simulated = simulation.Rank(User(u), rel, 10);
    ASSERT_EQ(served.size(), 10u);
    EXPECT_EQ(Items(served), Items(simulated)) << User(u);
    for (size_t k = 0; k < served.size(); ++k) EXPECT_EQ(served[k].score, simulated[k].score);
    for (size_t k = 1; k < served.size(); ++k) EXPECT_GE(served[k - 1].score, served[k].score);
  }
}

TEST(Ranker, DifferentSeedsGiveDifferentLists) {
  const World world({});
  const Ranker a(world, {0.3, 1}), b(world, {0.3, 2});
  int differ = 0;
  for (int u = 0; u < 50; ++u) {
    differ += Items(a.Recommend(User(u), 10)) != Items(b.Recommend(User(u), 10));
  }
  EXPECT_GE(differ, 45);
}

TEST(Ranker, PrunedRankingEqualsTheExhaustiveOne) {
  WorldOptions options;
  options.num_items = 400;
  const World world(options);
  std::vector<double> rel;
  for (double noise : {1e-9, 0.05, 0.3, 1.0, 20.0}) {
    const Ranker ranker(world, {noise, 3});
    for (int n : {1, 10, 399, 400, 1000}) {
      for (int u = 0; u < 30; ++u) {
        world.Relevances(User(u), rel);
        const std::vector<ScoredItem> fast = ranker.Rank(User(u), rel, n);
        const std::vector<ScoredItem> slow = ranker.RankExhaustive(User(u), rel, n);
        ASSERT_EQ(Items(fast), Items(slow)) << "noise " << noise << " n " << n << " " << User(u);
        ASSERT_EQ(fast.size(), static_cast<size_t>(std::min(n, 400)));
      }
    }
  }
}

TEST(Ranker, NoNoiseIsTheOracleAndLessNoiseRanksBetter) {
  const World world({});
  std::vector<double> rel;
  const Ranker oracle(world, {0.0, 1});
  double quality[3] = {0, 0, 0};
  const double noises[3] = {0.1, 0.3, 1.0};
  for (int u = 0; u < 100; ++u) {
    world.Relevances(User(u), rel);
    std::vector<double> sorted = rel;
    std::sort(sorted.rbegin(), sorted.rend());
    const std::vector<ScoredItem> best = oracle.Rank(User(u), rel, 10);
    for (int k = 0; k < 10; ++k) EXPECT_EQ(rel[best[k].item], sorted[k]);
    for (int q = 0; q < 3; ++q) {
      for (const ScoredItem& s : Ranker(world, {noises[q], 1}).Rank(User(u), rel, 10)) {
        quality[q] += rel[s.item];
      }
    }
  }
  EXPECT_GT(quality[0], quality[1]);
  EXPECT_GT(quality[1], quality[2]);
}

TEST(Ranker, HashedNormalIsStandard) {
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = NormalFromBits(Mix64(static_cast<uint64_t>(i)));
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.015);
}

// --- Click model -------------------------------------------------------------------------

TEST(ClickModel, ClickRateFallsWithPositionOnAListOfEqualRelevance) {
  CascadeOptions cascade;  // defaults: gamma 0.85, lambda 0.5, scale 0.15
  cascade.click_scale = 0.5;
  const std::vector<double> shown(10, 0.6);  // click probability 0.3 wherever examined
  SplitMix64 rng(42);
  std::vector<double> draws;
  std::vector<uint8_t> clicked;
  std::vector<int> clicks(10, 0);
  const int scans = 100000;
  for (int s = 0; s < scans; ++s) {
    DrawScan(10, rng, draws);
    Scan(cascade, shown, 1.0, draws, clicked);
    for (int k = 0; k < 10; ++k) clicks[k] += clicked[k];
  }
  const std::vector<double> p(10, 0.3);
  for (int k = 0; k < 10; ++k) {
    const double expected = ExaminationProbability(cascade, p, k) * 0.3;
    const double se = std::sqrt(expected * (1 - expected) / scans);
    EXPECT_NEAR(double(clicks[k]) / scans, expected, 5 * se) << "position " << k;
    if (k > 0) {
      EXPECT_LT(clicks[k], clicks[k - 1]) << "position " << k;
    }
  }
  // Examination decays geometrically: per step, 0.3 * 0.5 + 0.7 * 0.85 = 0.745.
  EXPECT_NEAR(ExaminationProbability(cascade, p, 3), std::pow(0.745, 3), 1e-12);
}

TEST(ClickModel, NoContinuationAfterAClickMeansAtMostOneClick) {
  CascadeOptions cascade;
  cascade.continue_after_click = 0.0;
  cascade.continue_after_skip = 1.0;
  const std::vector<double> shown(10, 1.0);
  SplitMix64 rng(7);
  std::vector<double> draws;
  std::vector<uint8_t> clicked;
  for (int s = 0; s < 1000; ++s) {
    DrawScan(10, rng, draws);
    EXPECT_LE(Scan(cascade, shown, 3.0, draws, clicked), 1);
  }
}

TEST(ClickModel, ScansAndTraitsAreReproducibleFromTheSeed) {
  ActivityOptions activity;
  SplitMix64 a(99), b(99), c(100);
  std::vector<double> da, db, dc;
  for (int i = 0; i < 100; ++i) {
    const UserTraits ta = DrawUserTraits(activity, a), tb = DrawUserTraits(activity, b);
    const UserTraits tc = DrawUserTraits(activity, c);
    EXPECT_EQ(ta.impressions, tb.impressions);
    EXPECT_EQ(ta.propensity, tb.propensity);
    EXPECT_NE(ta.propensity, tc.propensity);
    DrawScan(10, a, da);
    DrawScan(10, b, db);
    EXPECT_EQ(da, db);
  }
}

// Share of all impressions held by the most active 10% of users.
double TopDecileShare(double shape) {
  ActivityOptions activity;
  activity.activity_shape = shape;
  SplitMix64 rng(5);
  std::vector<int> n;
  double total = 0, propensity = 0;
  const int users = 40000;
  for (int u = 0; u < users; ++u) {
    const UserTraits t = DrawUserTraits(activity, rng);
    EXPECT_GE(t.impressions, 1);
    n.push_back(t.impressions);
    total += t.impressions;
    propensity += t.propensity;
  }
  // Mean impressions m = 8 and mean propensity 1 whatever the shape.
  EXPECT_NEAR(total / users, 8.0, 0.2) << "shape " << shape;
  EXPECT_NEAR(propensity / users, 1.0, 0.03) << "shape " << shape;
  std::sort(n.rbegin(), n.rend());
  double top = 0;
  for (int u = 0; u < users / 10; ++u) top += n[u];
  return top / total;
}

TEST(ClickModel, SmallerActivityShapeConcentratesImpressionsOnFewUsers) {
  const double heavy = TopDecileShare(0.5), medium = TopDecileShare(1.0);
  const double light = TopDecileShare(4.0);
  EXPECT_GT(heavy, medium + 0.05);
  EXPECT_GT(medium, light + 0.05);
}

// --- Offline experiments -----------------------------------------------------------------

SimulationOptions SmallWorld() {
  SimulationOptions options;
  options.world.num_items = 300;
  return options;
}

TEST(Experiment, UsersAreReproducibleAndRankersShareTheirDraws) {
  // Rankers 0 and 1 are identical: with common random numbers their A/B outcomes are equal.
  const Simulator sim(SmallWorld(), {{0.3, 1}, {0.3, 1}, {0.1, 2}});
  const UserRecord a = sim.SimulateUser("alice", 5), b = sim.SimulateUser("alice", 5);
  EXPECT_EQ(a.impressions, b.impressions);
  EXPECT_EQ(a.clicks, b.clicks);
  EXPECT_EQ(a.clicked_impressions, b.clicked_impressions);
  ASSERT_EQ(a.interleaved.size(), 2u);
  ASSERT_EQ(a.interleaved[1].size(), static_cast<size_t>(a.impressions));
  for (size_t i = 0; i < a.interleaved[1].size(); ++i) {
    EXPECT_EQ(a.interleaved[1][i].control, b.interleaved[1][i].control);
    EXPECT_EQ(a.interleaved[1][i].challenger, b.interleaved[1][i].challenger);
  }
  for (const UserRecord& u : sim.SimulateUsers(0, 200, 5)) {
    EXPECT_EQ(u.clicks[0], u.clicks[1]);
    EXPECT_EQ(u.clicked_impressions[0], u.clicked_impressions[1]);
    for (const ImpressionCredits& c : u.interleaved[1]) EXPECT_TRUE(c.both_present);
  }
}

TEST(Experiment, AClearlyBetterRankerWinsInterleavingAndTheAbTest) {
  const Simulator sim(SmallWorld(), {{1.0, 1}, {0.1, 2}});
  const std::vector<UserRecord> users = sim.SimulateUsers(0, 300, 1);
  const std::vector<SampledUser> sample = AsSample(users);
  absl::StatusOr<InterleavingResult> il = EvaluateInterleaving(sample, 1);
  ASSERT_TRUE(il.ok()) << il.status();
  EXPECT_EQ(il->users, 300);
  EXPECT_LT(il->pair.clustered_p, 0.01);
  EXPECT_LT(il->pair.delta, 0.0);  // the pair is (control, challenger): negative favours B
  EXPECT_GT(il->pair.wins_b, il->pair.wins_a);
  EXPECT_TRUE(InterleavingFavoursChallenger(*il, 0.05));

  const AbResult ab = EvaluateAb(sample, 1);
  EXPECT_EQ(ab.users_control + ab.users_challenger, 300);
  EXPECT_GT(ab.users_control, 100);
  EXPECT_GT(ab.users_challenger, 100);
  EXPECT_GT(ab.difference, 0.0);
  EXPECT_TRUE(AbFavoursChallenger(ab, 0.05));
}

struct AaCounts {
  int interleaving = 0, ab_clustered = 0, ab_naive = 0;
  double mean_delta = 0;
};

AaCounts RunAa(const SimulationOptions& options, bool identical, int replicates, int users) {
  const RankerOptions control{0.3, 1};
  const Simulator sim(options, {control, identical ? control : RankerOptions{0.3, 2}});
  AaCounts counts;
  for (int rep = 0; rep < replicates; ++rep) {
    const std::vector<UserRecord> fresh = sim.SimulateUsers(int64_t(rep) * users, users, 77);
    const std::vector<SampledUser> sample = AsSample(fresh);
    absl::StatusOr<InterleavingResult> il = EvaluateInterleaving(sample, 1);
    EXPECT_TRUE(il.ok());
    if (il.ok()) {
      counts.interleaving += il->pair.clustered_p < 0.05;
      counts.mean_delta += il->pair.delta / replicates;
    }
    const AbResult ab = EvaluateAb(sample, 1);
    counts.ab_clustered += ab.clustered_p < 0.05;
    counts.ab_naive += ab.naive_p < 0.05;
  }
  return counts;
}

// Under H0, rejections ~ Binomial(200, 0.05): mean 10, and P(X > 18) is about 0.7%, so 18 is
// alpha plus binomial slack.
constexpr int kAaReplicates = 200;
constexpr int kAaMaxRejections = 18;

TEST(Experiment, ClusteredTestsKeepAlphaWithIdenticalRankers) {
  const AaCounts c = RunAa(SmallWorld(), /*identical=*/true, kAaReplicates, 150);
  EXPECT_LE(c.interleaving, kAaMaxRejections);
  EXPECT_LE(c.ab_clustered, kAaMaxRejections);
  EXPECT_NEAR(c.mean_delta, 0.0, 0.005);
}

TEST(Experiment, ClusteredTestsKeepAlphaWithEquallyGoodRankers) {
  const AaCounts c = RunAa(SmallWorld(), /*identical=*/false, kAaReplicates, 150);
  EXPECT_LE(c.interleaving, kAaMaxRejections);
  EXPECT_LE(c.ab_clustered, kAaMaxRejections);
}

TEST(Experiment, NaiveAbTestOverRejectsWhenUsersDiffer) {
  // Very unequal activity: impressions of one user are many and alike, not independent trials.
  SimulationOptions options = SmallWorld();
  options.activity.activity_shape = 0.5;
  const AaCounts c = RunAa(options, /*identical=*/true, 100, 150);
  EXPECT_GT(c.ab_naive, 15);  // 0.15 and more, against alpha 0.05
  EXPECT_LE(c.ab_clustered, 11);
}

TEST(Experiment, ResampleDrawsFromThePoolWithFreshUnits) {
  const Simulator sim(SmallWorld(), {{0.3, 1}, {0.3, 2}});
  const std::vector<UserRecord> pool = sim.SimulateUsers(0, 20, 1);
  SplitMix64 rng(3);
  const std::vector<SampledUser> sample = Resample(pool, 500, rng);
  ASSERT_EQ(sample.size(), 500u);
  std::set<uint64_t> units;
  std::set<const UserRecord*> drawn;
  for (const SampledUser& s : sample) {
    units.insert(s.unit);
    drawn.insert(s.record);
    EXPECT_GE(s.record, pool.data());
    EXPECT_LT(s.record, pool.data() + pool.size());
  }
  EXPECT_EQ(units.size(), 500u);  // a user drawn twice is two independent users
  EXPECT_EQ(drawn.size(), 20u);
}

TEST(PowerSearch, RecoversAKnownPowerCurve) {
  // A z-test with power Phi(sqrt(U)/10 - 1.96) (one side): 80% at U = (10 (1.96 + 0.8416))^2.
  const double truth = std::pow(10 * (1.959964 + 0.841621), 2);
  const RejectionCounter counter = [](int64_t users, int replicates, uint64_t seed) {
    const double power = stats::dist::NormalSurvival(1.959964 - std::sqrt(double(users)) / 10);
    SplitMix64 rng(seed);
    int rejections = 0;
    for (int r = 0; r < replicates; ++r) rejections += rng.Uniform() < power;
    return rejections;
  };
  PowerSearchOptions options;
  const SampleSizeEstimate e = FindUsersForPower(counter, options, 1);
  ASSERT_TRUE(e.found);
  EXPECT_NEAR(std::log(e.users / truth), 0.0, 0.15) << e.users << " vs " << truth;
  EXPECT_GT(e.log_se, 0.0);
  EXPECT_LT(e.log_se, 0.15);
  EXPECT_GE(e.fine.size(), 5u);

  // A curve that never reaches the target within max_users is reported as not found.
  options.max_users = 64;
  EXPECT_FALSE(FindUsersForPower(counter, options, 1).found);
}

TEST(PowerSweep, TinySweepFindsBothSampleSizesAndPrintsTheTables) {
  SweepOptions o;
  o.simulation.world.num_items = 300;
  o.activity_shapes = {1.0};
  o.noise_ratios = {0.3};
  o.pool_users = 2000;
  o.search.replicates = 20;
  o.search.coarse_replicates = 10;
  o.aa_users = 60;
  o.aa_replicates = 10;
  const SweepResult r = RunSweep(o);
  ASSERT_EQ(r.cells.size(), 1u);
  ASSERT_EQ(r.pools.size(), 1u);
  ASSERT_EQ(r.aa.size(), 2u);
  EXPECT_TRUE(r.cells[0].interleaving.found);
  EXPECT_TRUE(r.cells[0].ab.found);
  EXPECT_GT(r.cells[0].preference, 0.0);
  EXPECT_GT(r.cells[0].ab_difference, 0.0);
  const std::string text = FormatSweep(o, r);
  EXPECT_THAT(text, HasSubstr("| k | noise B/A |"));
  EXPECT_THAT(text, HasSubstr("A/A false-positive rates"));
  EXPECT_THAT(text, HasSubstr("L ~ Gamma(shape k, scale (m-1)/k), m = 8"));
}

}  // namespace
}  // namespace modelgate::clicksim

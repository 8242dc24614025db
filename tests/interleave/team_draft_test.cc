// TeamDraft: the picking rule checked against a replay of the definition on random lists (2 to 5
// teams, many duplicates), the stopping and page-size rules, duplicates, and the fairness of the
// random tie-breaking over many seeded merges.
#include "interleave/team_draft.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::interleave {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Lists = std::vector<std::vector<std::string>>;

std::vector<std::string> Keys(const Lists& lists, const std::vector<Pick>& picks) {
  std::vector<std::string> keys;
  for (const Pick& p : picks) keys.push_back(lists[p.team][p.rank]);
  return keys;
}

std::vector<int> Teams(const std::vector<Pick>& picks) {
  std::vector<int> teams;
  for (const Pick& p : picks) teams.push_back(p.team);
  return teams;
}

// Replays `picks` against the definition and reports the first rule broken, or "" if none.
std::string Violation(const Lists& lists, int page_size, const std::vector<Pick>& picks) {
  const size_t n = lists.size();
  std::set<std::string> shown;
  std::vector<int> count(n, 0);
  auto first_unshown = [&](size_t t) -> int {
    for (size_t r = 0; r < lists[t].size(); ++r) {
      if (!shown.count(lists[t][r])) return static_cast<int>(r);
    }
    return -1;
  };
  auto all_have_items = [&] {
    for (size_t t = 0; t < n; ++t) {
      if (first_unshown(t) < 0) return false;
    }
    return n > 0;
  };
  if (picks.size() > static_cast<size_t>(std::max(page_size, 0))) return "page too long";
  for (size_t i = 0; i < picks.size(); ++i) {
    const Pick& p = picks[i];
    if (!all_have_items()) return absl::StrCat("pick ", i, " after a team ran out");
    if (p.team < 0 || static_cast<size_t>(p.team) >= n) return absl::StrCat("pick ", i, " team");
    const int fewest = *std::min_element(count.begin(), count.end());
    if (count[p.team] != fewest) {
      return absl::StrCat("pick ", i, ": team ", p.team, " has more picks than another");
    }
    if (p.rank != first_unshown(p.team)) {
      return absl::StrCat("pick ", i, ": rank ", p.rank, " is not team ", p.team,
                          "'s best unshown item");
    }
    shown.insert(lists[p.team][p.rank]);
    ++count[p.team];
  }
  if (picks.size() < static_cast<size_t>(std::max(page_size, 0)) && all_have_items()) {
    return "stopped early";
  }
  return "";
}

// Random lists over a small alphabet, so that keys repeat across and within lists.
Lists RandomLists(SplitMix64& gen, size_t teams) {
  Lists lists(teams);
  for (auto& list : lists) {
    const size_t size = gen.Below(9);
    for (size_t i = 0; i < size; ++i) list.push_back(absl::StrCat("k", gen.Below(12)));
  }
  return lists;
}

TEST(TeamDraft, FollowsTheDefinitionOnRandomLists) {
  SplitMix64 gen(7);
  for (int trial = 0; trial < 5000; ++trial) {
    const size_t teams = 2 + gen.Below(4);  // 2..5
    const Lists lists = RandomLists(gen, teams);
    const int page_size = static_cast<int>(gen.Below(14));
    SplitMix64 rng(trial);
    const std::vector<Pick> picks = TeamDraft(lists, page_size, rng);
    ASSERT_EQ(Violation(lists, page_size, picks), "") << "trial " << trial;
    const std::vector<std::string> keys = Keys(lists, picks);
    ASSERT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size())
        << "a key is shown twice in trial " << trial;
  }
}

TEST(TeamDraft, IsDeterministicForASeed) {
  const Lists lists = {{"a", "b", "c", "d", "e"}, {"c", "a", "f", "g", "h"}, {"x", "b", "y"}};
  SplitMix64 rng1(42), rng2(42);
  EXPECT_EQ(TeamDraft(lists, 8, rng1), TeamDraft(lists, 8, rng2));
}

TEST(TeamDraft, DifferentSeedsLetEitherTeamPickFirst) {
  const Lists lists = {{"a", "b"}, {"c", "d"}};
  std::set<int> first;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    SplitMix64 rng(seed);
    first.insert(TeamDraft(lists, 4, rng)[0].team);
  }
  EXPECT_EQ(first, (std::set<int>{0, 1}));
}

TEST(TeamDraft, SharedItemIsShownOnceAndOwnedByTheFirstPicker) {
  const Lists lists = {{"x", "a", "b", "e"}, {"x", "c", "d", "f"}};
  for (uint64_t seed = 0; seed < 32; ++seed) {
    SplitMix64 rng(seed);
    const std::vector<Pick> picks = TeamDraft(lists, 4, rng);
    ASSERT_EQ(picks.size(), 4u);
    const int first = picks[0].team;
    const int second = 1 - first;
    // The first picker takes x; the other team skips its own x and takes its next item.
    EXPECT_EQ(picks[0], (Pick{first, 0}));
    EXPECT_EQ(picks[1], (Pick{second, 1}));
    const std::vector<std::string> keys = Keys(lists, picks);
    EXPECT_EQ(std::count(keys.begin(), keys.end(), "x"), 1);
  }
}

TEST(TeamDraft, KeysCompareAsExactBytes) {
  const Lists lists = {{std::string("a\0b", 3), "A", "p"}, {std::string("a\0c", 3), "a", "q"}};
  SplitMix64 rng(3);
  const std::vector<Pick> picks = TeamDraft(lists, 4, rng);
  // No two of the first four keys are equal, so each team picks two of its own.
  EXPECT_THAT(picks, ::testing::UnorderedElementsAre(Pick{0, 0}, Pick{0, 1}, Pick{1, 0},
                                                     Pick{1, 1}));
}

TEST(TeamDraft, RepeatedKeyWithinOneListIsShownOnce) {
  const Lists lists = {{"a", "a", "b"}, {"c", "d", "e"}};
  SplitMix64 rng(5);
  const std::vector<Pick> picks = TeamDraft(lists, 6, rng);
  EXPECT_EQ(Violation(lists, 6, picks), "");
  EXPECT_THAT(Keys(lists, picks), ::testing::UnorderedElementsAre("a", "b", "c", "d"));
}

TEST(TeamDraft, StopsWhenAnyTeamRunsOutOfUnshownItems) {
  // Team 0 has one item: the page ends as soon as it is shown, which is after one pick if team 0
  // picks first and after two if team 1 does.
  const Lists short_first = {{"a"}, {"b", "c", "d"}};
  std::set<size_t> sizes;
  // Team 0's items are all in team 1's list: whoever shows them exhausts team 0.
  const Lists covered = {{"a", "b"}, {"a", "b", "c", "d"}};
  for (uint64_t seed = 0; seed < 16; ++seed) {
    SplitMix64 rng(seed);
    const std::vector<Pick> short_picks = TeamDraft(short_first, 10, rng);
    EXPECT_EQ(Violation(short_first, 10, short_picks), "");
    sizes.insert(short_picks.size());
    const std::vector<Pick> picks = TeamDraft(covered, 10, rng);
    EXPECT_EQ(Violation(covered, 10, picks), "");
    EXPECT_THAT(Keys(covered, picks), ElementsAre("a", "b"));
  }
  EXPECT_EQ(sizes, (std::set<size_t>{1, 2}));
}

TEST(TeamDraft, IdenticalListsGiveThatListInOrder) {
  const Lists lists = {{"a", "b", "c"}, {"a", "b", "c"}, {"a", "b", "c"}};
  SplitMix64 rng(11);
  EXPECT_THAT(Keys(lists, TeamDraft(lists, 10, rng)), ElementsAre("a", "b", "c"));
}

TEST(TeamDraft, RespectsPageSize) {
  const Lists lists = {{"a", "b", "c", "d", "e"}, {"f", "g", "h", "i", "j"}};
  SplitMix64 rng(1);
  EXPECT_EQ(TeamDraft(lists, 3, rng).size(), 3u);
  EXPECT_EQ(TeamDraft(lists, 8, rng).size(), 8u);
  // Without a page limit, the page ends when the first team has shown all five of its items,
  // while the other still has one.
  EXPECT_EQ(TeamDraft(lists, 100, rng).size(), 9u);
  EXPECT_THAT(TeamDraft(lists, 0, rng), IsEmpty());
  EXPECT_THAT(TeamDraft(lists, -1, rng), IsEmpty());
}

TEST(TeamDraft, EmptyInputsGiveAnEmptyPage) {
  SplitMix64 rng(1);
  EXPECT_THAT(TeamDraft(Lists{}, 5, rng), IsEmpty());
  EXPECT_THAT(TeamDraft(Lists{{"a", "b"}, {}}, 5, rng), IsEmpty());
  EXPECT_THAT(TeamDraft(Lists{{}, {}}, 5, rng), IsEmpty());
}

TEST(TeamDraft, OneListGivesItsFirstDistinctKeys) {
  const Lists lists = {{"a", "b", "a", "c", "d"}};
  SplitMix64 rng(1);
  EXPECT_THAT(TeamDraft(lists, 3, rng), ElementsAre(Pick{0, 0}, Pick{0, 1}, Pick{0, 3}));
}

TEST(TeamDraft, EveryRoundOfThreeTeamsIsAPermutation) {
  const Lists lists = {{"a1", "a2", "a3"}, {"b1", "b2", "b3"}, {"c1", "c2", "c3"}};
  for (uint64_t seed = 0; seed < 32; ++seed) {
    SplitMix64 rng(seed);
    const std::vector<Pick> picks = TeamDraft(lists, 6, rng);
    ASSERT_EQ(picks.size(), 6u);
    const std::vector<int> teams = Teams(picks);
    for (size_t round = 0; round < 2; ++round) {
      std::vector<int> r(teams.begin() + 3 * round, teams.begin() + 3 * round + 3);
      std::sort(r.begin(), r.end());
      EXPECT_THAT(r, ElementsAre(0, 1, 2)) << "seed " << seed << " round " << round;
    }
    // Disjoint lists: each team's picks are its items in order.
    for (const Pick& p : picks) {
      EXPECT_EQ(p.rank, std::count_if(picks.begin(), picks.begin() + (&p - picks.data()),
                                      [&](const Pick& q) { return q.team == p.team; }));
    }
  }
}

TEST(TeamDraft, PickCountsNeverDifferByMoreThanOne) {
  SplitMix64 gen(99);
  for (int trial = 0; trial < 500; ++trial) {
    const size_t teams = 2 + gen.Below(4);
    Lists lists(teams);
    for (size_t t = 0; t < teams; ++t) {
      for (int i = 0; i < 20; ++i) lists[t].push_back(absl::StrCat("k", gen.Below(40)));
    }
    SplitMix64 rng(trial);
    const std::vector<Pick> picks = TeamDraft(lists, 30, rng);
    std::vector<int> count(teams, 0);
    for (const Pick& p : picks) {
      ++count[p.team];
      const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
      ASSERT_LE(*hi - *lo, 1) << "trial " << trial;
    }
  }
}

// The fraction of `trials` seeded merges in which `event` holds, checked against p within
// 5 binomial standard deviations: wide enough that the fixed seeds cannot fail by chance, narrow
// enough to catch a biased coin (a 55/45 coin is 14 sigma off at 20,000 trials).
void ExpectFrequency(int hits, int trials, double p, const std::string& what) {
  const double sigma = std::sqrt(trials * p * (1 - p));
  EXPECT_NEAR(hits, trials * p, 5 * sigma) << what;
}

TEST(TeamDraft, EachOfTwoTeamsPicksFirstHalfTheTime) {
  const Lists lists = {{"a", "b", "c", "d"}, {"e", "f", "g", "h"}};
  constexpr int kTrials = 20000;
  int team0_first = 0, team0_third = 0;
  for (int i = 0; i < kTrials; ++i) {
    SplitMix64 rng(i);
    const std::vector<Pick> picks = TeamDraft(lists, 4, rng);
    team0_first += picks[0].team == 0;
    team0_third += picks[2].team == 0;  // a fresh coin each round, not one per page
  }
  ExpectFrequency(team0_first, kTrials, 0.5, "first pick");
  ExpectFrequency(team0_third, kTrials, 0.5, "first pick of round two");
}

TEST(TeamDraft, EachOfThreeTeamsPicksFirstAThirdOfTheTime) {
  const Lists lists = {{"a", "b"}, {"c", "d"}, {"e", "f"}};
  constexpr int kTrials = 20000;
  int first[3] = {0, 0, 0};
  int second[3] = {0, 0, 0};
  for (int i = 0; i < kTrials; ++i) {
    SplitMix64 rng(1000003 + i);
    const std::vector<Pick> picks = TeamDraft(lists, 3, rng);
    ++first[picks[0].team];
    ++second[picks[1].team];
  }
  for (int t = 0; t < 3; ++t) {
    ExpectFrequency(first[t], kTrials, 1.0 / 3, absl::StrCat("team ", t, " first"));
    ExpectFrequency(second[t], kTrials, 1.0 / 3, absl::StrCat("team ", t, " second"));
  }
}

TEST(TeamDraft, IdenticalListsSplitCreditForTheTopItemEvenly) {
  constexpr int kTrials = 20000;
  for (int teams : {2, 4}) {
    const Lists lists(teams, std::vector<std::string>{"top", "mid", "low"});
    std::vector<int> owner(teams, 0);
    for (int i = 0; i < kTrials; ++i) {
      SplitMix64 rng(7 * i + teams);
      const std::vector<Pick> picks = TeamDraft(lists, 3, rng);
      ASSERT_EQ(Keys(lists, picks)[0], "top");
      ++owner[picks[0].team];
    }
    for (int t = 0; t < teams; ++t) {
      ExpectFrequency(owner[t], kTrials, 1.0 / teams,
                      absl::StrCat("team ", t, " of ", teams, " owns the top item"));
    }
  }
}

}  // namespace
}  // namespace modelgate::interleave

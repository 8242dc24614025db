// ImpressionStore: ids, team credit, idempotent and all-or-nothing click reports, NOT_FOUND for
// unknown and expired ids (explicit times, no sleeps), the exact memory cap with FIFO eviction,
// and consistent totals when several threads add and report at once.
#include "interleave/impression_store.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::interleave {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

// Items "x0".."x{n-1}", teams alternating from `first_team` over `rankers` rankers.
Impression Page(int n, uint64_t unit = 7, int rankers = 2, int first_team = 0) {
  Impression imp;
  for (int i = 0; i < n; ++i) {
    imp.items.push_back(absl::StrCat("x", i));
    imp.teams.push_back(static_cast<uint8_t>((first_team + i) % rankers));
  }
  imp.unit = unit;
  return imp;
}

TEST(ImpressionStore, IdsAre32LowercaseHexDigits) {
  ImpressionStore store(2, 10, absl::Hours(1), /*seed=*/1);
  const std::string id = store.Add(Page(4), kT0);
  ASSERT_EQ(id.size(), 32u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.counters().added, 1u);
}

TEST(ImpressionStore, CreditsByTeamNotByPosition) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  // Page order x0..x3 with teams B, B, A, B: position 0 (an "odd/even slot" rule would say A)
  // belongs to ranker 1.
  Impression imp;
  imp.items = {"x0", "x1", "x2", "x3"};
  imp.teams = {1, 1, 0, 1};
  imp.unit = 99;
  const std::string id = store.Add(imp, kT0);
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"x0", "x2", "x3"}, kT0);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_THAT(u->before, ElementsAre(0, 0));
  EXPECT_THAT(u->after, ElementsAre(1, 2));
  EXPECT_EQ(u->new_clicks, 3);
  EXPECT_TRUE(u->first_report);
  EXPECT_EQ(u->unit, 99u);
  EXPECT_THAT(u->present, ElementsAre(true, true));
}

TEST(ImpressionStore, RepeatedClicksAreIdempotent) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  const std::string id = store.Add(Page(4), kT0);  // teams 0, 1, 0, 1
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"x0", "x0"}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->new_clicks, 1);  // a duplicate within one report counts once
  EXPECT_THAT(u->after, ElementsAre(1, 0));

  u = store.RecordClicks(id, {"x0"}, kT0 + absl::Seconds(1));  // the same report again
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->new_clicks, 0);
  EXPECT_FALSE(u->first_report);
  EXPECT_THAT(u->before, ElementsAre(1, 0));
  EXPECT_THAT(u->after, ElementsAre(1, 0));

  u = store.RecordClicks(id, {"x0", "x1", "x3"}, kT0 + absl::Seconds(2));  // later: two more
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->new_clicks, 2);
  EXPECT_THAT(u->before, ElementsAre(1, 0));
  EXPECT_THAT(u->after, ElementsAre(1, 2));

  const ImpressionStore::Counters c = store.counters();
  EXPECT_EQ(c.reports, 3u);
  EXPECT_EQ(c.repeated_reports, 1u);
  EXPECT_EQ(c.clicks, 3u);
}

TEST(ImpressionStore, EmptyReportIsAFirstReportWithoutClicks) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  const std::string id = store.Add(Page(2), kT0);
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->first_report);
  EXPECT_EQ(u->new_clicks, 0);
  EXPECT_THAT(u->after, ElementsAre(0, 0));
  u = store.RecordClicks(id, {}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->first_report);
  EXPECT_EQ(store.counters().repeated_reports, 1u);
}

TEST(ImpressionStore, AnInvalidItemRecordsNothing) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  const std::string id = store.Add(Page(4), kT0);
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"x0", "nope", "x1"}, kT0);
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(u.status().message(), HasSubstr("nope"));
  EXPECT_EQ(store.counters().invalid_item, 1u);
  // Nothing of the rejected report stuck: x0 and x1 are still new, and this is the first report.
  u = store.RecordClicks(id, {"x0", "x1"}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->first_report);
  EXPECT_EQ(u->new_clicks, 2);
  EXPECT_THAT(u->before, ElementsAre(0, 0));
  EXPECT_THAT(u->after, ElementsAre(1, 1));
}

TEST(ImpressionStore, UnknownMalformedAndEmptyIds) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  const std::string id = store.Add(Page(2), kT0);
  std::string other = id;
  other[0] = other[0] == '0' ? '1' : '0';
  EXPECT_EQ(store.RecordClicks(other, {}, kT0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(store.RecordClicks(other, {}, kT0).status().message(), HasSubstr("unknown"));
  // Upper case, wrong length, non-hex: never issued.
  std::string upper = id;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  if (upper != id) {
    EXPECT_EQ(store.RecordClicks(upper, {}, kT0).status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(store.RecordClicks(id.substr(1), {}, kT0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.RecordClicks(std::string(32, 'g'), {}, kT0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store.RecordClicks("", {}, kT0).status().code(), absl::StatusCode::kInvalidArgument);
  const ImpressionStore::Counters c = store.counters();
  EXPECT_EQ(c.unknown, upper != id ? 5u : 4u);
  EXPECT_EQ(c.empty_id, 1u);
  EXPECT_EQ(c.reports, 0u);
  EXPECT_TRUE(store.RecordClicks(id, {}, kT0).ok());  // the real one is unaffected
}

TEST(ImpressionStore, ExpiredImpressionAnswersNotFoundAndIsDropped) {
  ImpressionStore store(2, 10, absl::Minutes(10), 1);
  const std::string id = store.Add(Page(2), kT0);
  EXPECT_TRUE(store.RecordClicks(id, {"x0"}, kT0 + absl::Minutes(10) - absl::Seconds(1)).ok());
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"x1"}, kT0 + absl::Minutes(10));
  EXPECT_EQ(u.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(u.status().message(), HasSubstr("expired"));
  EXPECT_EQ(store.counters().expired, 1u);
  EXPECT_EQ(store.size(), 0u);
  // Dropped: now it is simply unknown.
  u = store.RecordClicks(id, {"x1"}, kT0 + absl::Minutes(11));
  EXPECT_THAT(u.status().message(), HasSubstr("unknown"));
  EXPECT_EQ(store.counters().expired, 1u);
  EXPECT_EQ(store.counters().unknown, 1u);
  // Its stale FIFO record does not count again when a later Add clears the front.
  store.Add(Page(2), kT0 + absl::Minutes(30));
  EXPECT_EQ(store.counters().expired, 1u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(ImpressionStore, AddDropsExpiredImpressionsOldestFirst) {
  ImpressionStore store(2, 100, absl::Minutes(10), 1, /*num_shards=*/1);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(store.Add(Page(2), kT0 + absl::Minutes(i)));
  // At minute 12, the impressions of minutes 0, 1 and 2 have expired; 3 and 4 have not.
  const std::string late = store.Add(Page(2), kT0 + absl::Minutes(12));
  EXPECT_EQ(store.counters().expired, 3u);
  EXPECT_EQ(store.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(store.RecordClicks(ids[i], {}, kT0 + absl::Minutes(12)).status().message(),
                HasSubstr("unknown"));
  }
  EXPECT_TRUE(store.RecordClicks(ids[3], {}, kT0 + absl::Minutes(12)).ok());
  EXPECT_TRUE(store.RecordClicks(late, {}, kT0 + absl::Minutes(12)).ok());
}

TEST(ImpressionStore, InfiniteTtlNeverExpires) {
  ImpressionStore store(2, 10, absl::InfiniteDuration(), 1);
  const std::string id = store.Add(Page(2), kT0);
  EXPECT_TRUE(store.RecordClicks(id, {"x0"}, kT0 + absl::Hours(24 * 365 * 100)).ok());
}

TEST(ImpressionStore, FullStoreEvictsTheOldestAndCountsIt) {
  ImpressionStore store(2, 3, absl::Hours(1), 1, /*num_shards=*/1);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(store.Add(Page(2), kT0 + absl::Seconds(i)));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.counters().evicted_full, 2u);
  EXPECT_EQ(store.counters().expired, 0u);
  const absl::Time now = kT0 + absl::Seconds(10);
  EXPECT_EQ(store.RecordClicks(ids[0], {}, now).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.RecordClicks(ids[1], {}, now).status().code(), absl::StatusCode::kNotFound);
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(store.RecordClicks(ids[i], {}, now).ok()) << i;
}

TEST(ImpressionStore, TotalNeverExceedsTheCapWithShards) {
  for (size_t cap : {1u, 5u, 16u, 17u, 100u, 1000u}) {
    ImpressionStore store(3, cap, absl::Hours(1), cap);
    EXPECT_LE(static_cast<size_t>(store.num_shards()), cap);
    for (int i = 0; i < 5000; ++i) {
      store.Add(Page(3, i, 3), kT0 + absl::Milliseconds(i));
      ASSERT_LE(store.size(), cap) << "cap " << cap << " after " << i + 1 << " adds";
    }
    const ImpressionStore::Counters c = store.counters();
    EXPECT_EQ(c.added, 5000u);
    EXPECT_EQ(c.added - c.evicted_full - c.expired, store.size());
    // Every shard fills up at this volume, so the store ends exactly at its cap.
    EXPECT_EQ(store.size(), cap);
  }
}

TEST(ImpressionStore, ImpressionsDroppedAtReportTimeLeaveTheStoreConsistent) {
  // Impressions that RecordClicks drops as expired leave stale FIFO records, here queued behind
  // an older live impression (reports arrive with a later clock than the adds), so they cannot
  // leave from the front; the store compacts them. The live one must survive, and the cap and
  // eviction must still work afterwards.
  ImpressionStore store(2, 4, absl::Minutes(10), 1, /*num_shards=*/1);
  const std::string keep = store.Add(Page(2), kT0);
  for (int i = 1; i <= 100; ++i) {
    const std::string id = store.Add(Page(2), kT0 + absl::Seconds(i));
    EXPECT_THAT(store.RecordClicks(id, {}, kT0 + absl::Hours(1)).status().message(),
                HasSubstr("expired"));
    ASSERT_EQ(store.size(), 1u);
  }
  EXPECT_EQ(store.counters().expired, 100u);
  EXPECT_EQ(store.counters().evicted_full, 0u);
  EXPECT_TRUE(store.RecordClicks(keep, {"x0"}, kT0 + absl::Minutes(5)).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(store.Add(Page(2), kT0 + absl::Minutes(6)));
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(store.counters().evicted_full, 1u);  // `keep`, the oldest
  EXPECT_THAT(store.RecordClicks(keep, {}, kT0 + absl::Minutes(6)).status().message(),
              HasSubstr("unknown"));
  for (const std::string& id : ids) {
    EXPECT_TRUE(store.RecordClicks(id, {}, kT0 + absl::Minutes(6)).ok());
  }
  const ImpressionStore::Counters c = store.counters();
  EXPECT_EQ(c.added - c.evicted_full - c.expired, store.size());
}

TEST(ImpressionStore, IdsAreUniqueOver100kAdds) {
  // Twice the room needed: per-shard caps start evicting a little before the total cap.
  ImpressionStore store(2, 200000, absl::Hours(1));
  absl::flat_hash_set<std::string> seen;
  Impression small;
  small.items = {"a"};
  small.teams = {0};
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(seen.insert(store.Add(small, kT0)).second) << "duplicate id after " << i;
  }
  EXPECT_EQ(store.size(), 100000u);
  EXPECT_EQ(store.counters().evicted_full, 0u);
}

TEST(ImpressionStore, MissingTeamsAndOutOfRangeTeamsCreditNobody) {
  ImpressionStore store(2, 10, absl::Hours(1), 1);
  Impression imp;
  imp.items = {"shared", "a1", "b1", "tail"};
  imp.teams = {kNoTeam, 0, 1};  // "tail" has no team entry
  const std::string id = store.Add(imp, kT0);
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"shared", "tail", "b1"}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->new_clicks, 3);  // items clicked, whether or not anyone is credited
  EXPECT_THAT(u->after, ElementsAre(0, 1));
}

TEST(ImpressionStore, PresenceOfRankersOnAMultileavedPage) {
  ImpressionStore store(4, 10, absl::Hours(1), 1);
  Impression imp;
  imp.items = {"p", "q"};
  imp.teams = {2, 0};  // rankers 1 and 3 got no slot
  const std::string id = store.Add(imp, kT0);
  absl::StatusOr<ClickUpdate> u = store.RecordClicks(id, {"p"}, kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_THAT(u->present, ElementsAre(true, false, true, false));
  EXPECT_THAT(u->after, ElementsAre(0, 0, 1, 0));
}

TEST(ImpressionStore, ConcurrentAddsAndReportsKeepTotalsConsistent) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  // Large enough that nothing is evicted (twice the need, for the per-shard caps): every report
  // must then succeed.
  ImpressionStore big(2, 2 * kThreads * kPerThread, absl::Hours(1), 42);
  // Small: eviction races with reports; reports may miss, but the books must balance.
  ImpressionStore small(2, 500, absl::Hours(1), 43);

  struct Tally {
    uint64_t ok = 0, not_found = 0, clicks = 0, first = 0;
  };
  std::vector<Tally> big_tally(kThreads), small_tally(kThreads);
  std::vector<std::vector<std::string>> big_ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const absl::Time now = kT0 + absl::Milliseconds(i);
        for (ImpressionStore* store : {&big, &small}) {
          Tally& tally = (store == &big ? big_tally : small_tally)[t];
          const std::string id = store->Add(Page(4, t * kPerThread + i), now);
          if (store == &big) big_ids[t].push_back(id);
          // Report every other impression twice (the second time a repeat).
          if (i % 2 == 0) {
            for (int repeat = 0; repeat < 2; ++repeat) {
              absl::StatusOr<ClickUpdate> u = store->RecordClicks(id, {"x1", "x2"}, now);
              if (u.ok()) {
                ++tally.ok;
                tally.clicks += u->new_clicks;
                tally.first += u->first_report;
              } else {
                EXPECT_EQ(u.status().code(), absl::StatusCode::kNotFound) << u.status();
                ++tally.not_found;
              }
            }
          }
          (void)store->counters();
          (void)store->size();
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();

  Tally total;
  for (const Tally& t : big_tally) {
    total.ok += t.ok;
    total.not_found += t.not_found;
    total.clicks += t.clicks;
    total.first += t.first;
  }
  ImpressionStore::Counters c = big.counters();
  EXPECT_EQ(c.added, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(big.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(c.evicted_full, 0u);
  EXPECT_EQ(total.not_found, 0u);
  EXPECT_EQ(total.ok, static_cast<uint64_t>(kThreads * kPerThread));  // half reported, twice
  EXPECT_EQ(total.first, static_cast<uint64_t>(kThreads * kPerThread / 2));
  EXPECT_EQ(total.clicks, static_cast<uint64_t>(kThreads * kPerThread));  // 2 per impression
  EXPECT_EQ(c.reports, total.ok);
  EXPECT_EQ(c.repeated_reports, total.first);
  EXPECT_EQ(c.clicks, total.clicks);
  // All ids distinct across threads.
  absl::flat_hash_set<std::string> all;
  for (const auto& ids : big_ids) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));

  Tally stotal;
  for (const Tally& t : small_tally) {
    stotal.ok += t.ok;
    stotal.not_found += t.not_found;
    stotal.clicks += t.clicks;
  }
  c = small.counters();
  EXPECT_EQ(c.added, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LE(small.size(), 500u);
  EXPECT_EQ(c.added - c.evicted_full - c.expired, small.size());
  EXPECT_EQ(c.expired, 0u);
  EXPECT_EQ(c.reports, stotal.ok);
  EXPECT_EQ(c.unknown, stotal.not_found);
  EXPECT_EQ(c.clicks, stotal.clicks);
  EXPECT_EQ(stotal.ok + stotal.not_found, static_cast<uint64_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace modelgate::interleave

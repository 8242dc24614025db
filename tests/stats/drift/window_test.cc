// DriftWindow: a ring of sub-windows rotated by caller time — expiry, late values, missing values,
// per-bin sums and range, proportional samples, and no allocation on the recording path.
#include "stats/drift/window.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "stats/alloc_counter.h"


namespace modelgate::stats {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'040);  // a minute boundary (UTC)

DriftBins Bins() { return *DriftBins::FromEdges({0.0, 1.0, 2.0}); }  // 4 bins

DriftWindowOptions ThreeMinutes() {
  return {.sub_window = absl::Minutes(1), .num_sub_windows = 3, .sample_capacity = 50};
}

int64_t Total(const BinnedCounts& h) {
  return std::accumulate(h.counts.begin(), h.counts.end(), int64_t{0});
}

TEST(DriftWindow, KeepsOnlyTheLastKSubWindows) {
  DriftWindow w(Bins(), ThreeMinutes());
  for (int minute = 0; minute < 4; ++minute) {
    for (int i = 0; i < 10; ++i) w.Record(minute + 0.5, kT0 + absl::Minutes(minute));
  }
  // At minute 3 the window covers minutes 1..3.
  EXPECT_EQ(w.count(), 30);
  BinnedCounts h = w.Histogram();
  EXPECT_EQ(h.counts[0], 0);  // minute 0's values (0.5 -> bin 1) expired
  EXPECT_EQ(h.counts[1], 0);
  EXPECT_EQ(h.counts[2], 10);  // 1.5
  EXPECT_EQ(h.counts[3], 20);  // 2.5 and 3.5
  EXPECT_EQ(h.min, 1.5);
  EXPECT_EQ(h.max, 3.5);
  // Per-bin sums are offsets from the bin's anchor (its lower edge).
  EXPECT_DOUBLE_EQ(h.offset_sums[2], 10 * (1.5 - 1.0));
  EXPECT_DOUBLE_EQ(h.offset_sums[3], 10 * (2.5 - 2.0) + 10 * (3.5 - 2.0));

  w.Advance(kT0 + absl::Minutes(5));  // only minute 3 still live
  EXPECT_EQ(w.count(), 10);
  h = w.Histogram();
  EXPECT_EQ(h.min, 3.5);
  w.Advance(kT0 + absl::Hours(1));  // a jump longer than the window clears everything
  EXPECT_EQ(w.count(), 0);
  EXPECT_EQ(Total(w.Histogram()), 0);
}

TEST(DriftWindow, SubWindowBoundariesFollowTheCallersClock) {
  DriftWindow w(Bins(), ThreeMinutes());
  w.Record(0.5, kT0 + absl::Seconds(59));
  w.Record(0.5, kT0 + absl::Seconds(60));                 // next sub-window
  w.Advance(kT0 + absl::Minutes(3) + absl::Seconds(59));  // first sub-window expires
  EXPECT_EQ(w.count(), 1);
}

TEST(DriftWindow, LateValuesLandInTheirSubWindowOrAreDropped) {
  DriftWindow w(Bins(), ThreeMinutes());
  w.Record(0.5, kT0 + absl::Minutes(5));
  w.Record(0.5, kT0 + absl::Minutes(3));  // still inside (minutes 3..5)
  w.Record(0.5, kT0 + absl::Minutes(2));  // too old
  EXPECT_EQ(w.count(), 2);
  EXPECT_EQ(w.late_dropped(), 1);
  w.Advance(kT0 + absl::Minutes(6));  // minute 3 leaves, taking the late value with it
  EXPECT_EQ(w.count(), 1);
}

TEST(DriftWindow, NonFiniteValuesAreMissingAndExpireToo) {
  DriftWindow w(Bins(), ThreeMinutes());
  w.Record(NAN, kT0);
  w.Record(INFINITY, kT0);
  w.Record(-INFINITY, kT0);
  w.Record(1.5, kT0);
  EXPECT_EQ(w.count(), 1);
  EXPECT_EQ(w.missing_count(), 3);
  const BinnedCounts h = w.Histogram();
  EXPECT_EQ(h.min, 1.5);
  EXPECT_EQ(h.max, 1.5);
  w.Advance(kT0 + absl::Minutes(3));
  EXPECT_EQ(w.missing_count(), 0);
}

TEST(DriftWindow, SampleIsProportionalToSubWindowCounts) {
  DriftWindowOptions o = ThreeMinutes();
  o.sample_capacity = 100;
  DriftWindow w(Bins(), o);
  for (int i = 0; i < 9000; ++i) w.Record(0.25, kT0);
  for (int i = 0; i < 1000; ++i) w.Record(1.25, kT0 + absl::Minutes(1));
  const std::vector<double> s = w.SortedSample(42);
  ASSERT_GT(s.size(), 100u);  // more than one reservoir's worth
  ASSERT_LE(s.size(), 200u);
  const double share = std::count(s.begin(), s.end(), 1.25) / static_cast<double>(s.size());
  EXPECT_NEAR(share, 0.1, 0.01);  // 10% of the window's values, not 50% of the reservoirs
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
}

TEST(DriftWindow, SampleIsTheWholeWindowWhenItFitsTheReservoirs) {
  DriftWindow w(Bins(), ThreeMinutes());
  for (int i = 0; i < 30; ++i) w.Record(i * 0.1, kT0 + absl::Minutes(i % 3));
  const std::vector<double> s = w.SortedSample(1);
  ASSERT_EQ(s.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_DOUBLE_EQ(s[i], i * 0.1);
}

TEST(DriftWindow, RecordingAndRotatingNeverAllocate) {
  DriftWindow w(Bins(), ThreeMinutes());
  for (int i = 0; i < 1000; ++i) w.Record(i % 4, kT0);  // warm-up fills the reservoirs
  const int64_t before = testing::HeapAllocations();
  for (int i = 0; i < 100000; ++i) {
    w.Record((i % 37) * 0.1 - 1.0, kT0 + absl::Seconds(i / 100));  // rotates ~17 times
  }
  w.Record(NAN, kT0 + absl::Minutes(30));
  (void)w.Histogram();
  EXPECT_EQ(testing::HeapAllocations(), before);
}

}  // namespace
}  // namespace modelgate::stats

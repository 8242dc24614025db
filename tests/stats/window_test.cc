// SlidingWindow: values expire after K slots of simulated time, long gaps clear everything,
// late timestamps land in the current slot, any mergeable summary works, and recording into a
// window does not allocate.
#include "stats/window.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "stats/alloc_counter.h"
#include "stats/ddsketch.h"
#include "stats/histogram.h"
#include "stats/reservoir.h"
#include "stats/welford.h"

namespace modelgate::stats {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

TEST(SlidingWindow, ValuesExpireAfterKSlots) {
  absl::StatusOr<SlidingWindow<Welford>> w =
      SlidingWindow<Welford>::Create(6, absl::Seconds(10));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->span(), absl::Seconds(60));
  // One value per second for 60 s: value = second.
  for (int s = 0; s < 60; ++s) w->Add(kStart + absl::Seconds(s), static_cast<double>(s));
  EXPECT_EQ(w->Merged(kStart + absl::Seconds(59)).count(), 60);
  // At t = 60 s the slot holding seconds 0..9 is reused: 50 values remain, seconds 10..59.
  Welford at60 = w->Merged(kStart + absl::Seconds(60));
  EXPECT_EQ(at60.count(), 50);
  EXPECT_DOUBLE_EQ(at60.mean(), 34.5);
  EXPECT_EQ(w->Merged(kStart + absl::Seconds(95)).count(), 20);  // seconds 40..59
  EXPECT_EQ(w->Merged(kStart + absl::Seconds(110)).count(), 0);
}

TEST(SlidingWindow, LongGapClearsEverySlot) {
  absl::StatusOr<SlidingWindow<Welford>> w = SlidingWindow<Welford>::Create(4, absl::Seconds(1));
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 4; ++i) w->Add(kStart + absl::Seconds(i), 1.0);
  w->Add(kStart + absl::Hours(10), 5.0);
  Welford m = w->Merged(kStart + absl::Hours(10));
  EXPECT_EQ(m.count(), 1);
  EXPECT_EQ(m.mean(), 5.0);
}

TEST(SlidingWindow, LateTimestampsLandInCurrentSlot) {
  absl::StatusOr<SlidingWindow<Welford>> w = SlidingWindow<Welford>::Create(3, absl::Seconds(1));
  ASSERT_TRUE(w.ok());
  w->Add(kStart + absl::Seconds(10), 1.0);
  w->Add(kStart + absl::Seconds(2), 2.0);  // from the past: counted now, not dropped
  EXPECT_EQ(w->Merged(kStart + absl::Seconds(10)).count(), 2);
  EXPECT_EQ(w->Merged(kStart + absl::Seconds(13)).count(), 0);  // both expire together
}

TEST(SlidingWindow, WorksBeforeTheEpochAndWithFineSlots) {
  absl::StatusOr<SlidingWindow<Welford>> w =
      SlidingWindow<Welford>::Create(2, absl::Milliseconds(1));
  ASSERT_TRUE(w.ok());
  const absl::Time t0 = absl::UnixEpoch() - absl::Microseconds(1500);
  w->Add(t0, 1.0);                             // slot -2
  w->Add(t0 + absl::Microseconds(600), 1.0);   // slot -1
  EXPECT_EQ(w->Merged(t0 + absl::Microseconds(600)).count(), 2);
  EXPECT_EQ(w->Merged(t0 + absl::Microseconds(1600)).count(), 1);  // slot 0: -2 expired
}

TEST(SlidingWindow, WorksWithHistogramSketchAndReservoirPrototypes) {
  absl::StatusOr<Histogram> proto = Histogram::Create({0.01, 0.1, 1});
  ASSERT_TRUE(proto.ok());
  absl::StatusOr<SlidingWindow<Histogram>> h =
      SlidingWindow<Histogram>::Create(5, absl::Seconds(1), *proto);
  absl::StatusOr<SlidingWindow<DDSketch>> d =
      SlidingWindow<DDSketch>::Create(5, absl::Seconds(1));
  absl::StatusOr<SlidingWindow<Reservoir<double>>> r =
      SlidingWindow<Reservoir<double>>::Create(5, absl::Seconds(1), Reservoir<double>(100, 9));
  ASSERT_TRUE(h.ok() && d.ok() && r.ok());
  for (int i = 0; i < 1000; ++i) {
    const absl::Time now = kStart + absl::Milliseconds(10 * i);  // 10 s of traffic
    const double v = 0.001 * (i % 100 + 1);
    h->Add(now, v);
    d->Add(now, v);
    r->Add(now, v);
  }
  const absl::Time end = kStart + absl::Milliseconds(9990);
  EXPECT_EQ(h->Merged(end).count(), 500u);  // the last 5 one-second slots
  EXPECT_EQ(d->Merged(end).count(), 500);
  Reservoir<double> sample = r->Merged(end);
  EXPECT_EQ(sample.seen(), 500);
  EXPECT_EQ(sample.sample().size(), 100u);
  EXPECT_NEAR(*d->Merged(end).Quantile(0.5), 0.050, 0.01 * 0.050 + 1e-12);
}

TEST(SlidingWindow, RecordingDoesNotAllocate) {
  absl::StatusOr<SlidingWindow<DDSketch>> d =
      SlidingWindow<DDSketch>::Create(6, absl::Seconds(10));
  absl::StatusOr<SlidingWindow<Welford>> w = SlidingWindow<Welford>::Create(6, absl::Seconds(10));
  ASSERT_TRUE(d.ok() && w.ok());
  DDSketch merged;  // reused across reads
  const int64_t before = testing::HeapAllocations();
  for (int i = 0; i < 200000; ++i) {
    const absl::Time now = kStart + absl::Milliseconds(i);  // 200 s: many rotations
    d->Add(now, 0.001 + (i % 1000) * 1e-4);
    w->Add(now, 1.0);
    if (i % 10000 == 0) d->MergeInto(now, &merged);
  }
  EXPECT_EQ(testing::HeapAllocations(), before);
  EXPECT_GT(merged.count(), 0);
}

TEST(SlidingWindow, RejectsInvalidShape) {
  EXPECT_FALSE(SlidingWindow<Welford>::Create(0, absl::Seconds(1)).ok());
  EXPECT_FALSE(SlidingWindow<Welford>::Create(3, absl::ZeroDuration()).ok());
}

}  // namespace
}  // namespace modelgate::stats

// DriftMonitor and ArmDriftComparison end to end: learning the reference, the minimum-sample
// gate, detecting a shift (and not an identical stream), file references, the sliding window,
// concurrent use, and no allocation when recording.
#include "stats/drift/monitor.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "stats/alloc_counter.h"
#include "stats/drift/compare.h"


namespace modelgate::stats {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'040);

DriftMonitorOptions SmallOptions() {
  DriftMonitorOptions o;
  o.reference_size = 2000;
  o.min_samples = 500;
  o.window = {.sub_window = absl::Minutes(1), .num_sub_windows = 5, .sample_capacity = 400};
  return o;
}

class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : rng_(seed) {}
  double operator()(double mean = 0.0, double sd = 1.0) { return mean + sd * dist_(rng_); }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> dist_;
};

TEST(DriftMonitor, LearnsThenGatesThenReports) {
  auto monitor = DriftMonitor::Create(SmallOptions());
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  DriftMonitor& m = **monitor;
  Gaussian g(1);
  for (int i = 0; i < 1999; ++i) m.Record(g(), kT0);
  m.Record(NAN, kT0);  // missing values do not count towards N
  DriftReport r = m.Evaluate(kT0);
  EXPECT_EQ(r.status, DriftStatus::kLearningReference);
  EXPECT_EQ(r.reference_count, 1999);
  EXPECT_EQ(m.reference(), nullptr);

  m.Record(g(), kT0);  // the 2000th value freezes the reference
  ASSERT_NE(m.reference(), nullptr);
  EXPECT_EQ(m.reference()->count(), 2000);
  EXPECT_EQ(m.reference()->missing_count(), 1);
  for (int i = 0; i < 499; ++i) m.Record(g(), kT0);
  r = m.Evaluate(kT0);
  EXPECT_EQ(r.status, DriftStatus::kInsufficientData);
  EXPECT_EQ(r.current_count, 499);
  EXPECT_TRUE(std::isnan(r.psi));  // no judgement on too little data
  EXPECT_NEAR(r.psi_noise_floor, 9 * (1.0 / 2000 + 1.0 / 499), 1e-12);

  m.Record(g(), kT0);
  r = m.Evaluate(kT0, /*with_sample_ks=*/true);
  ASSERT_EQ(r.status, DriftStatus::kOk);
  EXPECT_EQ(DriftStatusName(r.status), "ok");
  EXPECT_EQ(r.num_bins, 10);
  EXPECT_LT(r.psi, 0.1);
  EXPECT_GT(r.ks_pvalue_binned, 0.01);
  ASSERT_TRUE(r.ks_sample.has_value());
  EXPECT_GT(r.ks_sample->pvalue, 0.01);
  EXPECT_EQ(r.ks_sample->n, 2000);  // reference sample capacity is 4096: all of it
  EXPECT_EQ(r.ks_sample->m, 400);   // one sub-window's reservoir
}

TEST(DriftMonitor, FlagsAShiftedStream) {
  auto monitor = DriftMonitor::Create(SmallOptions());
  ASSERT_TRUE(monitor.ok());
  Gaussian g(2);
  for (int i = 0; i < 2000; ++i) (*monitor)->Record(g(), kT0);
  for (int i = 0; i < 2000; ++i) (*monitor)->Record(g(0.5), kT0 + absl::Seconds(i % 120));
  const DriftReport r = (*monitor)->Evaluate(kT0 + absl::Minutes(2), true);
  ASSERT_EQ(r.status, DriftStatus::kOk);
  EXPECT_GT(r.psi, 0.1);
  EXPECT_GT(r.js_distance, 0.1);
  EXPECT_GT(r.ks_statistic_binned, 0.15);
  EXPECT_LT(r.ks_pvalue_binned, 1e-6);
  EXPECT_NEAR(r.w1_binned, 0.5, 0.1);
  EXPECT_NEAR(r.w1_normalized, 0.5, 0.1);  // reference sd ~ 1
  ASSERT_TRUE(r.ks_sample.has_value());
  EXPECT_LT(r.ks_sample->pvalue, 1e-6);
  EXPECT_GE(r.ks_sample->statistic, r.ks_statistic_binned - 0.05);
}

TEST(DriftMonitor, WindowSlidesOnTheCallersClock) {
  auto monitor = DriftMonitor::Create(SmallOptions());
  ASSERT_TRUE(monitor.ok());
  Gaussian g(3);
  for (int i = 0; i < 2000; ++i) (*monitor)->Record(g(), kT0);
  for (int i = 0; i < 1000; ++i) (*monitor)->Record(g(), kT0);
  EXPECT_EQ((*monitor)->Evaluate(kT0 + absl::Minutes(4)).status, DriftStatus::kOk);
  const DriftReport later = (*monitor)->Evaluate(kT0 + absl::Minutes(5));  // window moved on
  EXPECT_EQ(later.status, DriftStatus::kInsufficientData);
  EXPECT_EQ(later.current_count, 0);
}

TEST(DriftMonitor, UsesAGivenReference) {
  std::vector<double> ref_values;
  Gaussian g(4);
  for (int i = 0; i < 5000; ++i) ref_values.push_back(g(10.0, 2.0));
  auto ref = DriftReference::FromValues(ref_values, {});
  ASSERT_TRUE(ref.ok());
  auto monitor = DriftMonitor::Create(*ref, SmallOptions());
  ASSERT_TRUE(monitor.ok());
  EXPECT_EQ((*monitor)->reference(), *ref);
  for (int i = 0; i < 1000; ++i) (*monitor)->Record(g(10.0, 2.0), kT0);
  const DriftReport r = (*monitor)->Evaluate(kT0);
  ASSERT_EQ(r.status, DriftStatus::kOk);
  EXPECT_EQ(r.reference_count, 5000);
  EXPECT_LT(r.psi, 0.1);
  EXPECT_LT(r.w1_normalized, 0.1);
}

TEST(DriftMonitor, RejectsBadOptions) {
  DriftMonitorOptions o = SmallOptions();
  o.min_samples = 0;
  EXPECT_FALSE(DriftMonitor::Create(o).ok());
  o = SmallOptions();
  o.window.sub_window = absl::ZeroDuration();
  EXPECT_FALSE(DriftMonitor::Create(o).ok());
  o = SmallOptions();
  o.reference.num_bins = 1;
  EXPECT_FALSE(DriftMonitor::Create(o).ok());
  EXPECT_FALSE(DriftMonitor::Create(nullptr, SmallOptions()).ok());
}

TEST(DriftMonitor, RecordingDoesNotAllocateOnceTheReferenceIsFrozen) {
  auto monitor = DriftMonitor::Create(SmallOptions());
  ASSERT_TRUE(monitor.ok());
  Gaussian g(5);
  for (int i = 0; i < 4000; ++i) (*monitor)->Record(g(), kT0);
  const int64_t before = testing::HeapAllocations();
  for (int i = 0; i < 100000; ++i) (*monitor)->Record(g(), kT0 + absl::Seconds(i / 200));
  EXPECT_EQ(testing::HeapAllocations(), before);
}

TEST(DriftMonitor, IsSafeToUseFromManyThreads) {
  DriftMonitorOptions o = SmallOptions();
  o.reference_size = 1000;
  auto monitor = DriftMonitor::Create(o);
  ASSERT_TRUE(monitor.ok());
  constexpr int kThreads = 4, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Gaussian g(100 + t);
      for (int i = 0; i < kPerThread; ++i) (*monitor)->Record(g(), kT0);
    });
  }
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) (void)(*monitor)->Evaluate(kT0, true);
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  const DriftReport r = (*monitor)->Evaluate(kT0);
  EXPECT_EQ(r.reference_count + r.current_count, kThreads * kPerThread);
  EXPECT_EQ(r.status, DriftStatus::kOk);
}

TEST(ArmDriftComparison, IdenticalArmsShowNoDistanceAndShiftedArmsDo) {
  for (double shift : {0.0, 0.5}) {
    SCOPED_TRACE(shift);
    auto cmp = ArmDriftComparison::Create(SmallOptions());
    ASSERT_TRUE(cmp.ok()) << cmp.status();
    Gaussian legacy(6), candidate(7);
    // Candidate values before the legacy arm has frozen the shared bins cannot be binned.
    for (int i = 0; i < 100; ++i) (*cmp)->RecordCandidate(candidate(shift), kT0);
    EXPECT_EQ((*cmp)->dropped_while_learning(), 100);
    EXPECT_EQ((*cmp)->Evaluate(kT0).status, DriftStatus::kLearningReference);
    for (int i = 0; i < 2000; ++i) (*cmp)->RecordLegacy(legacy(), kT0);
    for (int i = 0; i < 3000; ++i) {
      (*cmp)->RecordLegacy(legacy(), kT0 + absl::Seconds(i / 20));
      (*cmp)->RecordCandidate(candidate(shift), kT0 + absl::Seconds(i / 20));
    }
    const DriftReport r = (*cmp)->Evaluate(kT0 + absl::Seconds(150), true);
    ASSERT_EQ(r.status, DriftStatus::kOk);
    EXPECT_EQ(r.reference_count, 3000);  // the legacy window, not the legacy reference
    EXPECT_EQ(r.current_count, 3000);
    ASSERT_TRUE(r.ks_sample.has_value());
    if (shift == 0.0) {
      EXPECT_LT(r.psi, 0.05);
      EXPECT_GT(r.ks_pvalue_binned, 0.01);
      EXPECT_GT(r.ks_sample->pvalue, 0.01);
    } else {
      EXPECT_GT(r.psi, 0.1);
      EXPECT_LT(r.ks_pvalue_binned, 1e-6);
      EXPECT_LT(r.ks_sample->pvalue, 1e-6);
      EXPECT_NEAR(r.w1_binned, 0.5, 0.1);
    }
  }
}

TEST(ArmDriftComparison, SharesTheLegacyArmsReference) {
  auto legacy_monitor = DriftMonitor::Create(SmallOptions());
  ASSERT_TRUE(legacy_monitor.ok());
  Gaussian g(8);
  for (int i = 0; i < 2000; ++i) (*legacy_monitor)->Record(g(), kT0);
  auto cmp = ArmDriftComparison::Create((*legacy_monitor)->reference(), SmallOptions());
  ASSERT_TRUE(cmp.ok());
  for (int i = 0; i < 600; ++i) {
    (*cmp)->RecordLegacy(g(), kT0);
    (*cmp)->RecordCandidate(g(1.0), kT0);
  }
  const DriftReport r = (*cmp)->Evaluate(kT0);
  ASSERT_EQ(r.status, DriftStatus::kOk);
  EXPECT_GT(r.psi, 0.25);
  EXPECT_EQ((*cmp)->dropped_while_learning(), 0);
  EXPECT_FALSE(ArmDriftComparison::Create(nullptr, SmallOptions()).ok());
}

}  // namespace
}  // namespace modelgate::stats

// DDSketch: every quantile is within the relative accuracy of the exact sorted-data quantile on
// light- and heavy-tailed data; zeros and extreme values are handled; merging equals sketching
// the union; collapsing follows the documented rule; memory is bounded and Add() does not
// allocate.
#include "stats/sketch/ddsketch.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "stats/alloc_counter.h"

namespace modelgate::stats {
namespace {

// The quantile the paper defines: the sample of 0-based rank floor(q (n-1)).
double ExactQuantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)))];
}

std::vector<double> Quantiles() {
  std::vector<double> qs;
  for (int i = 0; i <= 1000; ++i) qs.push_back(i / 1000.0);
  for (double q : {0.9995, 0.9999, 0.99999}) qs.push_back(q);
  return qs;
}

// Worst relative error over all quantiles, checked against alpha (plus rounding slack: a value
// exactly on a bin boundary can land one bin up, at relative distance alpha itself).
double CheckRelativeError(const DDSketch& sketch, std::vector<double> data,
                          const std::string& name) {
  std::sort(data.begin(), data.end());
  const double alpha = sketch.relative_accuracy();
  double worst = 0.0;
  for (double q : Quantiles()) {
    const double exact = ExactQuantile(data, q);
    absl::StatusOr<double> est = sketch.Quantile(q);
    EXPECT_TRUE(est.ok());
    if (!est.ok()) continue;
    const double err = exact == 0.0 ? std::abs(*est) : std::abs(*est - exact) / exact;
    worst = std::max(worst, err);
    EXPECT_LE(err, alpha * (1 + 1e-9)) << name << " q=" << q << " exact=" << exact
                                       << " estimate=" << *est;
  }
  return worst;
}

TEST(DDSketch, QuantilesWithinRelativeAccuracyOnSeveralDistributions) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> uniform(0.001, 1.0);
  std::exponential_distribution<double> exponential(20.0);  // mean 50 ms
  std::lognormal_distribution<double> lognormal(-3.0, 2.0);  // heavy right tail
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const int n = 100000;
  struct Case {
    std::string name;
    std::function<double()> draw;
  };
  std::vector<Case> cases = {
      {"uniform", [&] { return uniform(rng); }},
      {"exponential", [&] { return exponential(rng); }},
      {"lognormal", [&] { return lognormal(rng); }},
      // Pareto with shape 1.1: infinite variance, values over many decades.
      {"pareto", [&] { return 0.001 / std::pow(1.0 - u01(rng), 1.0 / 1.1); }},
      // 10% exact zeros (e.g. cached responses) below a latency body.
      {"zeros+exponential", [&] { return u01(rng) < 0.1 ? 0.0 : exponential(rng); }},
      {"constant", [&] { return 0.25; }},
  };
  // At 0.1% one bin spans only 0.2%, so 2048 bins cover a factor of 60: give that case enough
  // bins for the data's range (collapsing is tested separately below).
  for (const auto& [alpha, max_bins] : {std::pair{0.01, 2048}, {0.001, 16384}, {0.05, 2048}}) {
    for (const Case& c : cases) {
      absl::StatusOr<DDSketch> sketch = DDSketch::Create(alpha, max_bins);
      ASSERT_TRUE(sketch.ok());
      std::vector<double> data(n);
      for (double& v : data) {
        v = c.draw();
        sketch->Add(v);
      }
      EXPECT_EQ(sketch->count(), n);
      EXPECT_FALSE(sketch->collapsed()) << c.name;
      const double worst = CheckRelativeError(*sketch, data, c.name);
      std::cout << "[ddsketch] alpha=" << alpha << " " << c.name << ": worst relative error "
                << worst << " over " << Quantiles().size() << " quantiles, "
                << sketch->bins_in_use() << " bins\n";
    }
  }
}

TEST(DDSketch, HighQuantilesKeepAccuracyWhenLowBinsCollapse) {
  // Values uniform in log over 9 decades need ~1036 bins at 1%; with 512 the lower half of the
  // range collapses into one bin. Quantiles above it keep the guarantee; those inside it can
  // only be over-estimated (they are reported as the lowest kept bin).
  absl::StatusOr<DDSketch> sketch = DDSketch::Create(0.01, 512);
  ASSERT_TRUE(sketch.ok());
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> log10_value(-6.0, 3.0);
  std::vector<double> data(50000);
  for (double& v : data) {
    v = std::pow(10.0, log10_value(rng));
    sketch->Add(v);
  }
  EXPECT_TRUE(sketch->collapsed());
  EXPECT_LE(sketch->bins_in_use(), 512);
  std::sort(data.begin(), data.end());
  const double gamma = 1.01 / 0.99;
  // The lowest kept bin is 511 bins below the top one; stay one bin clear of it.
  const double kept_floor = data.back() / std::pow(gamma, 510);
  int checked = 0;
  for (double q : Quantiles()) {
    const double exact = ExactQuantile(data, q);
    const double estimate = *sketch->Quantile(q);
    if (exact <= kept_floor) {
      EXPECT_GE(estimate, exact * (1 - 0.01)) << "q=" << q;
      continue;
    }
    ++checked;
    EXPECT_LE(std::abs(estimate - exact), 0.01 * exact * (1 + 1e-9)) << "q=" << q;
  }
  EXPECT_GT(checked, 400);  // everything above the median, roughly
  EXPECT_DOUBLE_EQ(*sketch->Quantile(1.0), data.back());
}

TEST(DDSketch, HandlesZeroNegativeTinyAndHugeValues) {
  DDSketch sketch;
  for (double v : {0.0, -3.0, 5e-324, 1e-310}) sketch.Add(v);  // zero bin: 0, negative, subnormal
  sketch.Add(std::nan(""));  // ignored
  EXPECT_EQ(sketch.count(), 4);
  EXPECT_EQ(sketch.zero_count(), 4);
  EXPECT_EQ(*sketch.Quantile(0.5), 0.0);
  EXPECT_EQ(sketch.min(), 0.0);

  // Tiny normal doubles keep the relative guarantee.
  DDSketch tiny;
  std::vector<double> data;
  for (int i = 1; i <= 1000; ++i) data.push_back(DBL_MIN * i);
  for (double v : data) tiny.Add(v);
  CheckRelativeError(tiny, data, "tiny");

  // Near DBL_MAX the bin representative overflows; clamping to the exact max keeps it finite.
  DDSketch huge;
  data.clear();
  for (int i = 0; i < 1000; ++i) data.push_back(DBL_MAX / (1.0 + i * 0.01));
  for (double v : data) huge.Add(v);
  huge.Add(INFINITY);  // recorded as DBL_MAX
  data.push_back(DBL_MAX);
  CheckRelativeError(huge, data, "huge");
  EXPECT_TRUE(std::isfinite(*huge.Quantile(1.0)));
}

TEST(DDSketch, MergeEqualsSketchingTheUnion) {
  for (int max_bins : {2048, 32}) {  // with and without collapsing
    absl::StatusOr<DDSketch> all = DDSketch::Create(0.01, max_bins);
    ASSERT_TRUE(all.ok());
    std::vector<DDSketch> parts(4, *all);
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> lognormal(0.0, 1.5);
    for (int i = 0; i < 40000; ++i) {
      const double v = i % 97 == 0 ? 0.0 : lognormal(rng) * (i % 4 + 1);
      all->Add(v);
      parts[i % 4].Add(v);
    }
    DDSketch merged = parts[0];
    for (int i = 1; i < 4; ++i) {
      ASSERT_TRUE(merged.CanMerge(parts[i]));
      merged.Merge(parts[i]);
    }
    EXPECT_EQ(merged.count(), all->count());
    EXPECT_EQ(merged.zero_count(), all->zero_count());
    EXPECT_EQ(merged.bins_in_use(), all->bins_in_use());
    EXPECT_EQ(merged.min(), all->min());
    EXPECT_EQ(merged.max(), all->max());
    EXPECT_NEAR(merged.sum(), all->sum(), 1e-9 * all->sum());
    for (double q : Quantiles()) {
      EXPECT_EQ(*merged.Quantile(q), *all->Quantile(q)) << "max_bins=" << max_bins << " q=" << q;
    }
  }
  absl::StatusOr<DDSketch> other = DDSketch::Create(0.02, 2048);
  EXPECT_FALSE(DDSketch().CanMerge(*other));
}

// An independent model of the bin store: an ordered map of key -> count, where keys below
// (largest key - max_bins + 1) are folded into that key. The dense ring in ddsketch.cc must
// give the same quantile at every rank, whatever the insertion order.
class BinModel {
 public:
  BinModel(double alpha, int max_bins)
      : log_gamma_(std::log1p(2 * alpha / (1 - alpha))),
        gamma_((1 + alpha) / (1 - alpha)),
        max_bins_(max_bins) {}
  void Add(double x) {
    const int key = static_cast<int>(std::ceil(std::log(x) / log_gamma_));
    ++bins_[key];
    const int low = bins_.rbegin()->first - max_bins_ + 1;
    while (bins_.begin()->first < low) {
      bins_[low] += bins_.begin()->second;
      bins_.erase(bins_.begin());
    }
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
    ++n_;
  }
  double Quantile(int64_t rank) const {
    int64_t seen = 0;
    for (const auto& [key, count] : bins_) {
      seen += count;
      if (seen > rank) return std::clamp(2 * std::exp(key * log_gamma_) / (gamma_ + 1), min_, max_);
    }
    return max_;
  }

 private:
  double log_gamma_, gamma_;
  int max_bins_;
  std::map<int, int64_t> bins_;
  double min_ = INFINITY, max_ = -INFINITY;
  int64_t n_ = 0;
};

TEST(DDSketch, CollapsingMatchesIndependentModel) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> log10_value(-6.0, 3.0);
  for (int max_bins : {2, 3, 8, 50}) {
    for (int order = 0; order < 3; ++order) {  // random, ascending, descending
      std::vector<double> data(3000);
      for (double& v : data) v = std::pow(10.0, log10_value(rng));
      if (order == 1) std::sort(data.begin(), data.end());
      if (order == 2) std::sort(data.rbegin(), data.rend());
      absl::StatusOr<DDSketch> sketch = DDSketch::Create(0.01, max_bins);
      ASSERT_TRUE(sketch.ok());
      BinModel model(0.01, max_bins);
      for (size_t i = 0; i < data.size(); ++i) {
        sketch->Add(data[i]);
        model.Add(data[i]);
        ASSERT_LE(sketch->bins_in_use(), max_bins);
        if (i % 300 == 299 || i < 10) {  // compare at every rank along the way
          const int64_t n = static_cast<int64_t>(i + 1);
          for (int64_t r = 0; r < n; r += std::max<int64_t>(1, n / 200)) {
            const double q = n == 1 ? 0.0 : (static_cast<double>(r) + 0.5) / static_cast<double>(n - 1);
            ASSERT_DOUBLE_EQ(*sketch->Quantile(std::min(q, 1.0)), model.Quantile(r))
                << "max_bins=" << max_bins << " order=" << order << " n=" << n << " rank=" << r;
          }
        }
      }
    }
  }
}

TEST(DDSketch, AddDoesNotAllocateAndMemoryIsBounded) {
  DDSketch sketch;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> log10_value(-9.0, 9.0);  // 18 decades: collapses
  const int64_t before = testing::HeapAllocations();
  for (int i = 0; i < 1000000; ++i) sketch.Add(std::pow(10.0, log10_value(rng)));
  absl::StatusOr<double> p99 = sketch.Quantile(0.99);
  const int64_t after = testing::HeapAllocations();
  EXPECT_EQ(after, before) << "Add() or Quantile() allocated";
  EXPECT_TRUE(p99.ok());
  EXPECT_TRUE(sketch.collapsed());
  EXPECT_LE(sketch.bins_in_use(), DDSketch::kDefaultMaxBins);
}

TEST(DDSketch, ClearKeepsConfiguration) {
  absl::StatusOr<DDSketch> sketch = DDSketch::Create(0.02, 100);
  ASSERT_TRUE(sketch.ok());
  for (int i = 1; i < 1000; ++i) sketch->Add(i * 0.001);
  sketch->Clear();
  EXPECT_EQ(sketch->count(), 0);
  EXPECT_EQ(sketch->bins_in_use(), 0);
  EXPECT_EQ(sketch->relative_accuracy(), 0.02);
  EXPECT_EQ(sketch->max_bins(), 100);
  EXPECT_EQ(sketch->Quantile(0.5).status().code(), absl::StatusCode::kFailedPrecondition);
  sketch->Add(7.0);
  EXPECT_DOUBLE_EQ(*sketch->Quantile(0.5), 7.0);  // clamped to the exact min/max
}

TEST(DDSketch, RejectsInvalidParameters) {
  EXPECT_FALSE(DDSketch::Create(0.0, 100).ok());
  EXPECT_FALSE(DDSketch::Create(1.0, 100).ok());
  EXPECT_FALSE(DDSketch::Create(0.01, 1).ok());
  DDSketch sketch;
  sketch.Add(1.0);
  EXPECT_EQ(sketch.Quantile(1.5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sketch.Quantile(-0.1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace modelgate::stats

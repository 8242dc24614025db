// DriftReference: built from values (bins, counts, moments, sample), loaded from a file (errors
// name file:line), and learned from the first N finite values of a stream.
#include "stats/drift/reference.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

using ::testing::HasSubstr;

// A file under the test's temp dir, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    path_ = ::testing::TempDir() + "/drift_ref_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter_++) + ".txt";
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(DriftReference, FromValuesCountsEveryFiniteValueAndSetsMissingAside) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(i);
  v.push_back(NAN);
  v.push_back(INFINITY);
  v.push_back(-INFINITY);
  auto ref = DriftReference::FromValues(v, {.num_bins = 10, .sample_capacity = 100});
  ASSERT_TRUE(ref.ok()) << ref.status();
  const DriftReference& r = **ref;
  EXPECT_EQ(r.count(), 1000);
  EXPECT_EQ(r.missing_count(), 3);
  EXPECT_EQ(r.bins().num_bins(), 10);
  const BinnedCounts h = r.histogram();
  int64_t total = 0;
  for (int64_t c : h.counts) {
    EXPECT_EQ(c, 100);
    total += c;
  }
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(h.min, 0.0);
  EXPECT_EQ(h.max, 999.0);
  EXPECT_DOUBLE_EQ(r.mean(), 499.5);
  EXPECT_NEAR(r.stddev(), std::sqrt((1000.0 * 1000.0 - 1.0) / 12.0), 1e-9);
  // Sum of each bin's values, relative to its anchor, reproduces the mean.
  double sum = 0.0;
  for (int b = 0; b < r.bins().num_bins(); ++b) {
    sum += h.offset_sums[b] + h.counts[b] * r.bins().Anchor(b);
  }
  EXPECT_NEAR(sum / 1000.0, 499.5, 1e-9);
  // The sample is a sorted subset of the values, of the requested size.
  ASSERT_EQ(r.sorted_sample().size(), 100u);
  EXPECT_TRUE(std::is_sorted(r.sorted_sample().begin(), r.sorted_sample().end()));
  for (double s : r.sorted_sample()) EXPECT_EQ(s, std::floor(s));
}

TEST(DriftReference, SampleIsReproducibleForAFixedSeed) {
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) v.push_back(std::sin(i));
  auto a = DriftReference::FromValues(v, {.sample_capacity = 64, .seed = 9});
  auto b = DriftReference::FromValues(v, {.sample_capacity = 64, .seed = 9});
  auto c = DriftReference::FromValues(v, {.sample_capacity = 64, .seed = 10});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const auto as = (*a)->sorted_sample(), bs = (*b)->sorted_sample(), cs = (*c)->sorted_sample();
  EXPECT_TRUE(std::equal(as.begin(), as.end(), bs.begin(), bs.end()));
  EXPECT_FALSE(std::equal(as.begin(), as.end(), cs.begin(), cs.end()));
}

TEST(DriftReference, RejectsNoFiniteValueAndBadOptions) {
  EXPECT_FALSE(DriftReference::FromValues(std::vector<double>{NAN, INFINITY}, {}).ok());
  EXPECT_FALSE(DriftReference::FromValues(std::vector<double>{}, {}).ok());
  EXPECT_FALSE(DriftReference::FromValues(std::vector<double>{1, 2}, {.num_bins = 1}).ok());
  EXPECT_FALSE(DriftReference::FromValues(std::vector<double>{1, 2}, {.sample_capacity = 0}).ok());
}

TEST(DriftReference, LoadsAFileOfOneNumberPerLine) {
  TempFile f("# reference outputs, model v3\n0.5\n  1.5  \n\n2.5e0\n-1\nnan\n3\r\n");
  auto ref = DriftReference::FromFile(f.path(), {.num_bins = 2});
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ((*ref)->count(), 5);
  EXPECT_EQ((*ref)->missing_count(), 1);
  EXPECT_EQ((*ref)->histogram().min, -1.0);
  EXPECT_EQ((*ref)->histogram().max, 3.0);
}

TEST(DriftReference, FileParseErrorsNameFileAndLine) {
  TempFile f("1.0\n2.0\n# comment\n3.0x\n4.0\n");
  auto ref = DriftReference::FromFile(f.path(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ref.status().message(), HasSubstr(f.path() + ":4:"));
  EXPECT_THAT(ref.status().message(), HasSubstr("3.0x"));

  TempFile g("1\n2\ninf\n");
  ref = DriftReference::FromFile(g.path(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_THAT(ref.status().message(), HasSubstr(g.path() + ":3: infinite"));

  TempFile h("1 2\n");
  ref = DriftReference::FromFile(h.path(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_THAT(ref.status().message(), HasSubstr(h.path() + ":1:"));
}

TEST(DriftReference, EmptyOrMissingFileIsAnError) {
  TempFile empty("# nothing here\n\n");
  auto ref = DriftReference::FromFile(empty.path(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_THAT(ref.status().message(), HasSubstr(empty.path()));
  ref = DriftReference::FromFile("/nonexistent/drift_reference.txt", {});
  EXPECT_EQ(ref.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ref.status().message(), HasSubstr("/nonexistent/drift_reference.txt"));
}

TEST(DriftReferenceLearner, FreezesAfterNFiniteValues) {
  DriftReferenceLearner learner(5, {.num_bins = 2});
  EXPECT_FALSE(learner.Add(1.0));
  EXPECT_FALSE(learner.Add(NAN));  // missing: does not count towards N
  EXPECT_FALSE(learner.Add(2.0));
  EXPECT_FALSE(learner.Add(INFINITY));
  EXPECT_FALSE(learner.Add(3.0));
  EXPECT_FALSE(learner.Add(4.0));
  EXPECT_EQ(learner.count(), 4);
  EXPECT_TRUE(learner.Add(5.0));
  auto ref = learner.Build();
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ((*ref)->count(), 5);
  EXPECT_EQ((*ref)->missing_count(), 2);
}

}  // namespace
}  // namespace modelgate::stats

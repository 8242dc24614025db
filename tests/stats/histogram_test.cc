// Histogram: values land in Prometheus-style upper-inclusive bins with underflow/overflow,
// NaN is counted apart, merge adds counts, and invalid edges are rejected.
#include "stats/histogram.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

TEST(Histogram, BinsAreUpperInclusiveWithUnderAndOverflow) {
  absl::StatusOr<Histogram> h = Histogram::Create({0.1, 0.5, 1.0});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->num_bins(), 4u);
  const double inf = std::numeric_limits<double>::infinity();
  for (double x : {-1.0, 0.1, 0.10001, 0.5, 0.7, 1.0, 1.5, inf, -inf}) h->Add(x);
  h->Add(NAN);
  // (-inf, .1]: -1, .1, -inf | (.1, .5]: .10001, .5 | (.5, 1]: .7, 1 | (1, inf): 1.5, inf
  EXPECT_EQ(std::vector<uint64_t>(h->counts().begin(), h->counts().end()),
            (std::vector<uint64_t>{3, 2, 2, 2}));
  EXPECT_EQ(h->underflow(), 3u);
  EXPECT_EQ(h->overflow(), 2u);
  EXPECT_EQ(h->count(), 9u);
  EXPECT_EQ(h->nan_count(), 1u);
}

TEST(Histogram, MatchesLinearScanOnRandomData) {
  std::vector<double> edges;
  for (int i = 0; i < 40; ++i) edges.push_back(0.001 * std::pow(1.3, i));
  absl::StatusOr<Histogram> h = Histogram::Create(edges);
  ASSERT_TRUE(h.ok());
  std::vector<uint64_t> expected(edges.size() + 1, 0);
  std::mt19937_64 rng(4);
  std::exponential_distribution<double> d(5.0);
  for (int i = 0; i < 20000; ++i) {
    const double x = d(rng);
    h->Add(x);
    size_t bin = 0;
    while (bin < edges.size() && x > edges[bin]) ++bin;
    ++expected[bin];
  }
  EXPECT_EQ(std::vector<uint64_t>(h->counts().begin(), h->counts().end()), expected);
}

TEST(Histogram, MergeAddsCountsAndClearKeepsEdges) {
  absl::StatusOr<Histogram> a = Histogram::Create({1, 2, 3});
  ASSERT_TRUE(a.ok());
  Histogram b = *a;
  a->AddCount(1.5, 4);
  b.Add(2.5);
  b.Add(10);
  ASSERT_TRUE(a->CanMerge(b));
  a->Merge(b);
  EXPECT_EQ(std::vector<uint64_t>(a->counts().begin(), a->counts().end()),
            (std::vector<uint64_t>{0, 4, 1, 1}));
  EXPECT_DOUBLE_EQ(a->sum(), 6 + 2.5 + 10);
  a->Clear();
  EXPECT_EQ(a->count(), 0u);
  EXPECT_EQ(a->edges().size(), 3u);
  absl::StatusOr<Histogram> other = Histogram::Create({1, 2});
  EXPECT_FALSE(a->CanMerge(*other));
}

TEST(Histogram, RejectsInvalidEdges) {
  EXPECT_FALSE(Histogram::Create({}).ok());
  EXPECT_FALSE(Histogram::Create({1, 1}).ok());
  EXPECT_FALSE(Histogram::Create({2, 1}).ok());
  EXPECT_FALSE(Histogram::Create({0, INFINITY}).ok());
  EXPECT_FALSE(Histogram::Create({NAN}).ok());
  EXPECT_TRUE(Histogram::Create({0}).ok());
}

}  // namespace
}  // namespace modelgate::stats

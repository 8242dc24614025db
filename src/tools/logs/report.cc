// Aggregation and anomaly tests of `modelgate logs report`; see report.h.
#include "tools/logs/report.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <boost/math/distributions/binomial.hpp>

#include "absl/strings/str_cat.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::logs {
namespace {

using Binomial = boost::math::binomial_distribution<double, stats::dist::NoThrowPolicy>;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

double NearestRank(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  const double n = static_cast<double>(values.size());
  int64_t rank = static_cast<int64_t>(std::ceil(q * n - 1e-9));  // 1-based
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(values.size()));
  auto nth = values.begin() + (rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

Percentiles ComputePercentiles(std::vector<double>& values) {
  Percentiles p;
  p.count = static_cast<int64_t>(values.size());
  if (values.empty()) return p;
  p.p50 = NearestRank(values, 0.50);
  p.p90 = NearestRank(values, 0.90);
  p.p99 = NearestRank(values, 0.99);
  p.max = *std::max_element(values.begin(), values.end());
  return p;
}

double BinomialUpperTail(int64_t n, int64_t k, double p) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  if (p <= 0) return 0.0;
  if (p >= 1) return 1.0;
  // P(X >= k) = 1 - P(X <= k - 1), computed as the complement (accurate in the far tail).
  return boost::math::cdf(boost::math::complement(Binomial(static_cast<double>(n), p),
                                                  static_cast<double>(k - 1)));
}

int ReportBuilder::SeriesIndex(const std::string& route, const std::string& arm) {
  auto [it, inserted] =
      series_index_.emplace(std::make_pair(route, arm), static_cast<int>(series_.size()));
  if (inserted) {
    SeriesSummary s;
    s.route = route;
    s.arm = arm;
    series_.push_back(std::move(s));
  }
  return it->second;
}

void ReportBuilder::AddLine(absl::string_view source, int64_t line_no, std::string_view line) {
  ++lines_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  absl::StatusOr<AccessRecord> r = ParseAccessRecord(line);
  if (!r.ok()) {
    ++malformed_;
    if (malformed_examples_.size() < options_.max_malformed_examples) {
      malformed_examples_.push_back(absl::StrCat(source, ":", line_no, ": ", r.status().message()));
    }
    return;
  }
  AddRecord(*r);
}

void ReportBuilder::AddRecord(const AccessRecord& r) {
  const int index = SeriesIndex(r.route, r.arm);
  SeriesSummary& s = series_[static_cast<size_t>(index)];
  const bool error = r.code != "OK";
  ++s.calls;
  s.errors += error;
  ++s.codes[r.code];
  RouteSummary& route = routes_[r.route];
  route.route = r.route;
  ++route.calls;
  route.errors += error;
  if (!r.shadow.empty()) ++route.shadow[r.shadow];
  if (!r.interleave.empty()) ++route.interleave[r.interleave];
  if (error) ++patterns_[{r.route, r.code, r.message}];
  first_ = std::min(first_, r.time);
  last_ = std::max(last_, r.time);
  calls_.push_back(
      {index, FloorDiv(absl::ToUnixMillis(r.time), options_.bucket_seconds * 1000), r.latency_ms,
       error});
}

Report ReportBuilder::Build() {
  Report report;
  report.options = options_;
  report.files = files_;
  report.lines = lines_;
  report.malformed = malformed_;
  report.malformed_examples = malformed_examples_;
  report.records = static_cast<int64_t>(calls_.size());
  report.first = first_;
  report.last = last_;

  // Latency percentiles per route/arm and per route (the route's p99 is the latency threshold).
  std::vector<std::vector<double>> by_series(series_.size());
  std::map<std::string, std::vector<double>> by_route;
  for (const Call& c : calls_) {
    by_series[static_cast<size_t>(c.series)].push_back(c.latency_ms);
    by_route[series_[static_cast<size_t>(c.series)].route].push_back(c.latency_ms);
  }
  for (size_t i = 0; i < series_.size(); ++i) {
    series_[i].latency_ms = ComputePercentiles(by_series[i]);
  }
  report.series = series_;
  std::sort(report.series.begin(), report.series.end(), [](const auto& a, const auto& b) {
    return std::tie(a.route, a.arm) < std::tie(b.route, b.arm);
  });
  for (auto& [name, route] : routes_) {
    route.p99_ms = NearestRank(by_route[name], 0.99);
    report.routes.push_back(route);
  }

  // Volume per bucket, every bucket from the first to the last.
  if (!calls_.empty()) {
    const int64_t width_ms = options_.bucket_seconds * 1000;
    const int64_t first_bucket = FloorDiv(absl::ToUnixMillis(first_), width_ms);
    const int64_t last_bucket = FloorDiv(absl::ToUnixMillis(last_), width_ms);
    report.buckets.resize(static_cast<size_t>(last_bucket - first_bucket + 1));
    for (size_t b = 0; b < report.buckets.size(); ++b) {
      report.buckets[b].start =
          absl::FromUnixMillis((first_bucket + static_cast<int64_t>(b)) * width_ms);
    }
    for (const Call& c : calls_) {
      BucketRow& row = report.buckets[static_cast<size_t>(c.bucket - first_bucket)];
      const SeriesSummary& s = series_[static_cast<size_t>(c.series)];
      ++row.calls[absl::StrCat(s.route, "/", s.arm)];
      ++row.total;
      row.errors += c.error;
    }
  }

  // Error patterns, most frequent first (ties by route, code, message).
  for (const auto& [key, count] : patterns_) {
    report.error_patterns.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  std::stable_sort(report.error_patterns.begin(), report.error_patterns.end(),
                   [](const ErrorPattern& a, const ErrorPattern& b) { return a.count > b.count; });
  if (report.error_patterns.size() > options_.max_error_patterns) {
    for (size_t i = options_.max_error_patterns; i < report.error_patterns.size(); ++i) {
      report.error_patterns_omitted += report.error_patterns[i].count;
    }
    report.error_patterns.resize(options_.max_error_patterns);
  }

  // Anomalies: per route and bucket, errors and slow calls against the route's baseline.
  struct Cell {
    int64_t calls = 0, errors = 0, slow = 0;
    std::vector<double> latencies;
  };
  std::map<std::pair<std::string, int64_t>, Cell> cells;
  for (const Call& c : calls_) {
    const std::string& route = series_[static_cast<size_t>(c.series)].route;
    Cell& cell = cells[{route, c.bucket}];
    ++cell.calls;
    cell.errors += c.error;
    cell.slow += c.latency_ms > routes_[route].p99_ms;
    cell.latencies.push_back(c.latency_ms);
  }
  std::map<std::string, int64_t> slow_by_route;
  for (const auto& [key, cell] : cells) slow_by_route[key.first] += cell.slow;
  const auto error_rate = [&](const std::string& route) {
    const RouteSummary& r = routes_[route];
    return static_cast<double>(r.errors) / static_cast<double>(r.calls);
  };
  const auto slow_share = [&](const std::string& route) {
    return static_cast<double>(slow_by_route[route]) / static_cast<double>(routes_[route].calls);
  };
  // A baseline of 0 or 1 admits no departure: no test.
  const auto testable = [](double p) { return p > 0 && p < 1; };
  for (const auto& [key, cell] : cells) {
    report.tests += testable(error_rate(key.first));
    report.tests += testable(slow_share(key.first));
  }
  report.threshold = report.tests > 0 ? options_.alpha / static_cast<double>(report.tests) : 0;
  for (auto& [key, cell] : cells) {
    const auto& [route, bucket] = key;
    for (const bool latency : {false, true}) {
      const double baseline = latency ? slow_share(route) : error_rate(route);
      if (!testable(baseline)) continue;
      const int64_t observed = latency ? cell.slow : cell.errors;
      const double p = BinomialUpperTail(cell.calls, observed, baseline);
      if (p >= report.threshold) continue;
      Anomaly a;
      a.kind = latency ? "latency" : "error_rate";
      a.route = route;
      a.bucket_start = absl::FromUnixMillis(bucket * options_.bucket_seconds * 1000);
      a.calls = cell.calls;
      a.observed = observed;
      a.baseline = baseline;
      a.expected = baseline * static_cast<double>(cell.calls);
      a.bucket_p99_ms = NearestRank(cell.latencies, 0.99);
      a.p_value = p;
      report.anomalies.push_back(std::move(a));
    }
  }
  std::stable_sort(report.anomalies.begin(), report.anomalies.end(),
                   [](const Anomaly& a, const Anomaly& b) {
                     return std::tie(a.bucket_start, a.route) < std::tie(b.bucket_start, b.route);
                   });
  return report;
}

}  // namespace modelgate::logs

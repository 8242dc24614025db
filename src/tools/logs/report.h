// `modelgate logs report`: what a set of access log files says. Volume per route/arm over time
// buckets, status codes, error patterns (route, code, message), latency percentiles per
// route/arm, shadow and interleave outcomes per route, and anomalous time buckets.
//
// Anomalies (per route, over the buckets that have calls of that route):
//  - error_rate: the bucket's errors e out of n calls, against the route's rate p over the whole
//    input: flagged when P(Binomial(n, p) >= e) < alpha / m;
//  - latency: calls slower than the route's overall p99 ("slow"), s out of n, against the
//    route's overall share q of slow calls: flagged when P(Binomial(n, q) >= s) < alpha / m;
// where m is the number of tests made (both kinds, every route and bucket: Bonferroni). Meaning:
// if errors and latencies do not depend on time (calls exchangeable over the run), the chance
// that a report flags any bucket at all is at most alpha. Counting the tested bucket in the
// baseline makes each test conservative. Calls within a bucket are treated as independent;
// bursts that last several buckets are still found, bucket by bucket.
//
// Percentiles are nearest-rank (the ceil(q n)-th smallest) over every call, whatever its status.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/logs/access_record.h"

namespace modelgate::logs {

struct ReportOptions {
  int64_t bucket_seconds = 60;
  double alpha = 0.01;
  size_t max_error_patterns = 50;
  size_t max_malformed_examples = 10;
};

struct Percentiles {
  int64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
// Nearest-rank percentiles of `values` (reordered).
Percentiles ComputePercentiles(std::vector<double>& values);
// The q-quantile (0 < q <= 1) by nearest rank of `values` (reordered); 0 when empty.
double NearestRank(std::vector<double>& values, double q);

// P(X >= k) for X ~ Binomial(n, p).
double BinomialUpperTail(int64_t n, int64_t k, double p);

struct SeriesSummary {  // one route/arm
  std::string route, arm;
  int64_t calls = 0, errors = 0;
  std::map<std::string, int64_t> codes;  // status name -> calls
  Percentiles latency_ms;
};

struct RouteSummary {
  std::string route;
  int64_t calls = 0, errors = 0;
  double p99_ms = 0;  // the latency anomaly threshold
  std::map<std::string, int64_t> shadow;      // outcome -> calls (shadow routes)
  std::map<std::string, int64_t> interleave;  // outcome -> calls (interleave routes)
};

struct BucketRow {
  absl::Time start;
  std::map<std::string, int64_t> calls;  // "route/arm" -> calls
  int64_t total = 0, errors = 0;
};

struct ErrorPattern {
  std::string route, code, message;
  int64_t count = 0;
};

struct Anomaly {
  std::string kind;  // "error_rate" | "latency"
  std::string route;
  absl::Time bucket_start;
  int64_t calls = 0;
  int64_t observed = 0;    // errors, or calls slower than the route's p99
  double expected = 0;     // calls * baseline share
  double baseline = 0;     // the route's error rate, or its share of slow calls
  double bucket_p99_ms = 0;
  double p_value = 0;
};

struct Report {
  ReportOptions options;
  std::vector<std::string> files;
  int64_t lines = 0, records = 0, malformed = 0;
  std::vector<std::string> malformed_examples;  // "file:line: reason"
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  std::vector<SeriesSummary> series;  // by route, arm
  std::vector<RouteSummary> routes;
  std::vector<BucketRow> buckets;     // every bucket from the first to the last, empty ones too
  std::vector<ErrorPattern> error_patterns;  // most frequent first, at most max_error_patterns
  int64_t error_patterns_omitted = 0;
  int64_t tests = 0;  // m of the Bonferroni correction
  double threshold = 0;  // alpha / m
  std::vector<Anomaly> anomalies;  // by time, then route
};

// Accumulates lines, then builds the report. Memory: a few dozen bytes per call.
class ReportBuilder {
 public:
  explicit ReportBuilder(ReportOptions options) : options_(options) {}
  void AddFile(std::string name) { files_.push_back(std::move(name)); }
  // `source` and `line_no` name the line in malformed examples.
  void AddLine(absl::string_view source, int64_t line_no, std::string_view line);
  void AddRecord(const AccessRecord& record);
  Report Build();

 private:
  struct Call {
    int series;
    int64_t bucket;
    double latency_ms;
    bool error;
  };
  int SeriesIndex(const std::string& route, const std::string& arm);

  ReportOptions options_;
  std::vector<std::string> files_;
  int64_t lines_ = 0, malformed_ = 0;
  std::vector<std::string> malformed_examples_;
  std::map<std::pair<std::string, std::string>, int> series_index_;
  std::vector<SeriesSummary> series_;
  std::map<std::string, RouteSummary> routes_;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> patterns_;
  std::vector<Call> calls_;
  absl::Time first_ = absl::InfiniteFuture(), last_ = absl::InfinitePast();
};

}  // namespace modelgate::logs

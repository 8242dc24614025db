// Renders a LoadResult for people (aligned text) or for scripts (one JSON object on one line).
#pragma once

#include <string>

#include "tools/load/load_runner.h"
#include "tools/load/options.h"

namespace modelgate::tools {

// JSON fields: target, method, concurrency, connections, completed, ok, errors{CODE: n},
// duration_s, qps, latency_ms{p50,p90,p99,p999,mean,min,max}, latency_quantiles ("exact" or
// "log_histogram_1pct"), arms{value: n}, and sticky{header, keys, keys_seen, keys_with_arm,
// keys_multi_arm} or null.
std::string FormatJson(const LoadOptions& options, const LoadResult& result);

std::string FormatText(const LoadOptions& options, const LoadResult& result);

}  // namespace modelgate::tools

// The standard process_* metrics every Prometheus client library exports (CPU seconds, resident
// and virtual memory, open and maximum file descriptors, start time), read from /proc/self at
// scrape time. prometheus-cpp 1.0 has no process collector; Metrics::Serialize appends these.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/metric_family.h"

namespace modelgate::telemetry {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  double open_fds = 0;
  double max_fds = 0;             // the soft RLIMIT_NOFILE
};

// Parses the text of /proc/<pid>/stat. `ticks_per_second` (sysconf(_SC_CLK_TCK)), `page_bytes`
// and `boot_time_seconds` (the btime line of /proc/stat) convert its fields. InvalidArgument on
// text that is not a stat line (the command name, in parentheses, may hold spaces and ')').
absl::StatusOr<ProcessStats> ParseProcStat(absl::string_view stat, double ticks_per_second,
                                           double page_bytes, double boot_time_seconds);

// This process's stats now; errors when /proc is not readable.
absl::StatusOr<ProcessStats> ReadProcessStats();

// The process_* families for `stats` (names, types and help as the Prometheus client
// libraries export them).
std::vector<prometheus::MetricFamily> ProcessFamilies(const ProcessStats& stats);

}  // namespace modelgate::telemetry

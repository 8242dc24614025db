// process_* metrics from /proc/self; see process_metrics.h.
#include "telemetry/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace modelgate::telemetry {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double BootTimeSeconds() {
  std::istringstream in(ReadFile("/proc/stat"));
  for (std::string line; std::getline(in, line);) {
    double v = 0;
    if (line.rfind("btime ", 0) == 0 && absl::SimpleAtod(line.substr(6), &v)) return v;
  }
  return 0;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the descriptor of the listing itself
}

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

}  // namespace

absl::StatusOr<ProcessStats> ParseProcStat(absl::string_view stat, double ticks_per_second,
                                           double page_bytes, double boot_time_seconds) {
  // "pid (comm) state ppid ...": fields after the LAST ')' are space-separated; field 3 (state)
  // is the first of them.
  const size_t close = stat.rfind(')');
  if (close == absl::string_view::npos || ticks_per_second <= 0) {
    return absl::InvalidArgumentError("not a /proc/<pid>/stat line");
  }
  const std::vector<absl::string_view> f =
      absl::StrSplit(stat.substr(close + 1), ' ', absl::SkipEmpty());
  // f[0] is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](int n, double* out) {
    const size_t i = static_cast<size_t>(n - 3);
    return i < f.size() && absl::SimpleAtod(f[i], out);
  };
  double utime, stime, start, vsize, rss;
  if (!field(14, &utime) || !field(15, &stime) || !field(22, &start) || !field(23, &vsize) ||
      !field(24, &rss)) {
    return absl::InvalidArgumentError("a /proc/<pid>/stat line with missing fields");
  }
  ProcessStats s;
  s.cpu_seconds = (utime + stime) / ticks_per_second;
  s.start_time_seconds = boot_time_seconds + start / ticks_per_second;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss * page_bytes;
  return s;
}

absl::StatusOr<ProcessStats> ReadProcessStats() {
  const std::string stat = ReadFile("/proc/self/stat");
  absl::StatusOr<ProcessStats> s =
      ParseProcStat(stat, static_cast<double>(sysconf(_SC_CLK_TCK)),
                    static_cast<double>(sysconf(_SC_PAGESIZE)), BootTimeSeconds());
  if (!s.ok()) return s.status();
  s->open_fds = OpenFds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s->max_fds = static_cast<double>(limit.rlim_cur);
  return s;
}

std::vector<prometheus::MetricFamily> ProcessFamilies(const ProcessStats& s) {
  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             MetricType::Counter, s.cpu_seconds),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
             s.open_fds),
      Family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
             s.max_fds),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
             s.virtual_bytes),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.",
             MetricType::Gauge, s.resident_bytes),
      Family("process_start_time_seconds",
             "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
             s.start_time_seconds),
  };
}

}  // namespace modelgate::telemetry

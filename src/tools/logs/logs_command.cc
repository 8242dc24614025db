// The `logs` subcommand; see logs_command.h.
#include "tools/logs/logs_command.h"

#include <charconv>
#include <cmath>
#include <fstream>

#include "tools/logs/report.h"
#include "tools/logs/report_render.h"

namespace modelgate::logs {
namespace {

constexpr char kUsage[] =
    "Usage: modelgate logs report FILE... [--json] [--bucket SECONDS] [--alpha A]\n"
    "  Summarise access log files (access_log.path and its rotations path.1, path.2, ...):\n"
    "  calls per route/arm per time bucket (default 60 s), status codes, errors by code and\n"
    "  message, latency p50/p90/p99/max per route/arm, and anomalous buckets (error rate or\n"
    "  share of slow calls above the route's whole-run baseline; binomial tests, Bonferroni\n"
    "  corrected at --alpha, default 0.01). Malformed lines are counted and shown, not fatal.\n"
    "  --json prints the same content as one JSON document.\n";

bool ParseNumber(const std::string& s, double* out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end && std::isfinite(*out);
}

}  // namespace

int RunLogsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "report") {
    err << "logs: unknown command \"" << args[0] << "\"\n" << kUsage;
    return 2;
  }
  ReportOptions options;
  bool json = false;
  std::vector<std::string> files;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name, std::string* v) {
      if (a.rfind(name + "=", 0) == 0) {
        *v = a.substr(name.size() + 1);
        return true;
      }
      if (a == name && i + 1 < args.size()) {
        *v = args[++i];
        return true;
      }
      return false;
    };
    std::string v;
    double number = 0;
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a.rfind("--bucket", 0) == 0) {
      if (!value("--bucket", &v) || !ParseNumber(v, &number) || number < 1 ||
          number != std::floor(number) || number > 366 * 86400) {
        err << "logs report: --bucket takes a whole number of seconds, 1 or more\n";
        return 2;
      }
      options.bucket_seconds = static_cast<int64_t>(number);
    } else if (a.rfind("--alpha", 0) == 0) {
      if (!value("--alpha", &v) || !ParseNumber(v, &number) || !(number > 0 && number < 1)) {
        err << "logs report: --alpha takes a number between 0 and 1 (exclusive)\n";
        return 2;
      }
      options.alpha = number;
    } else if (a.rfind("--", 0) == 0) {
      err << "logs report: unknown flag " << a << "\n" << kUsage;
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    err << "logs report: no file given\n" << kUsage;
    return 2;
  }
  ReportBuilder builder(options);
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      err << "logs report: cannot read " << f << "\n";
      return 1;
    }
    builder.AddFile(f);
    std::string line;
    int64_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty()) continue;  // not a call; blank lines are not worth a complaint
      builder.AddLine(f, n, line);
    }
    if (in.bad()) {
      err << "logs report: error reading " << f << "\n";
      return 1;
    }
  }
  const Report report = builder.Build();
  if (json) {
    out << ReportJson(report).dump(2) << "\n";
  } else {
    PrintReport(report, out);
  }
  return 0;
}

}  // namespace modelgate::logs

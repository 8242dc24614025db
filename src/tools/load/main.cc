// modelgate-load: a closed-loop gRPC load generator for benchmarks and tests. It keeps
// --concurrency unary calls (or, with --bidi, ping-ponging bidi streams) in flight against --target for --duration seconds or --requests
// calls, then prints completed calls, QPS, latency quantiles, errors by status code and calls
// per arm (text, or one JSON object with --json). Exit status: 0 when the run happened (even
// if calls failed: the summary counts them), 1 when the target never answered, 2 on bad flags.
#include <iostream>

#include "common/process_setup.h"
#include "tools/common/flags.h"
#include "tools/load/load_runner.h"
#include "tools/load/options.h"
#include "tools/load/summary.h"

int main(int argc, char** argv) {
  modelgate::SetUpProcess();
  using namespace modelgate::tools;  // NOLINT: main only wires things together.
  LoadOptions options;
  FlagSet flags("modelgate-load",
                "Usage: modelgate-load --target HOST:PORT [--concurrency N] "
                "[--duration S | --requests N] [flags]\n"
                "Closed-loop gRPC load: keeps N unary calls (--bidi: N ping-pong streams) in "
                "flight and reports QPS, latency quantiles, errors by code and calls per arm.");
  RegisterLoadFlags(flags, options);
  if (int rc = HandleParseResult(flags, flags.Parse(argc, argv)); rc >= 0) return rc;
  if (absl::Status s = ValidateLoadOptions(options); !s.ok()) return UsageError(flags, s.message());

  absl::StatusOr<LoadResult> result = LoadRunner(options).Run();
  if (!result.ok()) {
    std::cerr << "modelgate-load: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << (options.json ? FormatJson(options, *result) + "\n" : FormatText(options, *result))
            << std::flush;
  return 0;
}

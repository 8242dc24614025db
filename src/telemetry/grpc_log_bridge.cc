// gpr_log -> LogLine. gRPC filters by GRPC_VERBOSITY (default ERROR) before calling us.
#include "telemetry/grpc_log_bridge.h"

#include <grpc/support/log.h>

#include "common/log.h"

namespace modelgate::telemetry {
namespace {

void GrpcLog(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = LogLevel::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_INFO) level = LogLevel::kInfo;
  if (level < MinLogLevel()) return;
  LogLine(level, args->file, args->line, args->message);
}

}  // namespace

void RouteGrpcLogs() { gpr_set_log_function(GrpcLog); }

}  // namespace modelgate::telemetry

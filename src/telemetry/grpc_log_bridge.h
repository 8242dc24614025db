// Routes the gRPC library's own log lines (gpr_log) through modelgate's logger, so they share
// its format: with --log_format json, every line on stderr is then one JSON object.
#pragma once

namespace modelgate::telemetry {

// Call once at start, before gRPC is used.
void RouteGrpcLogs();

}  // namespace modelgate::telemetry

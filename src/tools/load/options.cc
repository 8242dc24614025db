// Flag registration and validation for modelgate-load; see options.h.
#include "tools/load/options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace modelgate::tools {
namespace {

// gRPC refuses other keys, and the C++ client treats that as a fatal programming error.
bool IsValidMetadataKey(absl::string_view key) {
  if (key.empty() || absl::StartsWith(key, "grpc-") || absl::EndsWith(key, "-bin")) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void RegisterLoadFlags(FlagSet& flags, LoadOptions& o) {
  flags.Add("target", &o.target, "host:port to send calls to (required).");
  flags.Add("concurrency", &o.concurrency, "Calls kept in flight (closed loop).");
  flags.Add("duration", &o.duration_s,
            "Seconds to measure (after --warmup); 10 when neither this nor --requests is given.");
  flags.Add("requests", &o.requests, "Stop after this many measured calls completed.");
  flags.Add("warmup", &o.warmup_s, "Seconds of calls before measuring, not reported.");
  flags.Add("method", &o.method,
            "Full method path. ModelInfer gets an FP32 tensor request, modelgate.testing.Echo "
            "methods an EchoRequest, anything else an empty message.");
  flags.Add("model", &o.model, "model_name put in ModelInfer requests.");
  flags.Add("payload_floats", &o.payload_floats,
            "Elements of the FP32 input tensor (Echo: payload of 4x this many bytes).");
  flags.Add("sticky_header", &o.sticky_header,
            "If set, every call carries this metadata key with a value drawn uniformly from "
            "\"user-0\"..\"user-(keys-1)\"; the summary then reports per-key arm stickiness.");
  flags.Add("keys", &o.keys, "Size of the key pool for --sticky_header.");
  flags.Add("header", &o.header,
            "key:value metadata sent on every call, e.g. to select a route matched on a header.");
  flags.Add("seed", &o.seed, "Seed for drawing keys.");
  flags.Add("deadline_ms", &o.deadline_ms, "Deadline of every call.");
  flags.Add("connect_timeout_ms", &o.connect_timeout_ms,
            "How long to wait for every connection before giving up (exit 2).");
  flags.Add("json", &o.json, "Print the summary as one JSON object instead of text.");
  flags.Add("arm_header", &o.arm_header,
            "Response initial-metadata key naming the arm that served; counted per value, "
            "\"(none)\" when absent. Empty to skip.");
  flags.Add("connections", &o.connections,
            "Channels (each its own TCP connection); calls are spread round-robin.");
  flags.Add("minimal_stack", &o.minimal_stack,
            "Use GRPC_ARG_MINIMAL_STACK on the channels (cheaper per call; deadlines are then "
            "enforced by the server only).");
  flags.Add("bidi", &o.bidi,
            "Keep --concurrency bidirectional streams open instead of unary calls: each sends "
            "one message, waits for its answer, sends the next (ping-pong) for the whole run, "
            "then half-closes. Completed/QPS/latency then count messages; a stream that ends "
            "otherwise than OK counts as one failed message and is replaced. A stream's "
            "deadline is the rest of the run plus --deadline_ms.");
  flags.Add("max_samples", &o.max_samples,
            "Latencies kept for exact quantiles; beyond, quantiles come from a log histogram "
            "with <1% relative error.");
}

absl::Status ValidateLoadOptions(LoadOptions& o) {
  auto bad = [](absl::string_view flag, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (o.target.empty()) return bad("target", "is required (host:port)");
  if (o.concurrency < 1 || o.concurrency > 100000) return bad("concurrency", "must be in 1..100000");
  if (o.duration_s < 0) return bad("duration", "must be >= 0");
  if (o.requests < 0) return bad("requests", "must be >= 0");
  if (o.duration_s > 0 && o.requests > 0) {
    return bad("duration", "give either --duration or --requests, not both");
  }
  if (o.duration_s == 0 && o.requests == 0) o.duration_s = 10;
  if (o.warmup_s < 0) return bad("warmup", "must be >= 0");
  if (o.method.empty() || o.method.front() != '/' ||
      o.method.find('/', 1) == std::string::npos) {
    return bad("method", "must look like /package.Service/Method");
  }
  if (o.payload_floats < 0 || o.payload_floats > (int64_t{16} << 20)) {
    return bad("payload_floats", "must be in 0..16777216");
  }
  if (!o.sticky_header.empty() && !IsValidMetadataKey(o.sticky_header)) {
    return bad("sticky_header", "must be a lowercase metadata key ([0-9a-z_.-], not grpc-*)");
  }
  if (!o.sticky_header.empty() && (o.keys < 1 || o.keys > 1000000)) {
    return bad("keys", "must be in 1..1000000");
  }
  if (!o.header.empty()) {
    const size_t colon = o.header.find(':');
    if (colon == std::string::npos || !IsValidMetadataKey(o.header.substr(0, colon))) {
      return bad("header", "must be key:value with a lowercase metadata key ([0-9a-z_.-], not grpc-*)");
    }
  }
  if (o.deadline_ms < 1) return bad("deadline_ms", "must be >= 1");
  if (o.connect_timeout_ms < 1) return bad("connect_timeout_ms", "must be >= 1");
  if (o.connections < 1 || o.connections > 1024) return bad("connections", "must be in 1..1024");
  if (o.max_samples < 0) return bad("max_samples", "must be >= 0");
  return absl::OkStatus();
}

}  // namespace modelgate::tools

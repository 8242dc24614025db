// Request metadata and deadline for upstream calls; client-facing statuses; error accounting.
#include "proxy/upstream_call.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "proxy/snapshot.h"

namespace modelgate::proxy {
namespace {

std::string_view View(const grpc::string_ref& s) { return std::string_view(s.data(), s.size()); }

// Whether an UNAVAILABLE status was made by our own channel (connection refused, reset, closed)
// rather than sent by the backend. gRPC marks statuses that arrived in trailers with "Error
// received from peer" in the debug string, but a connection that breaks MID-call is marked so
// too, with the transport's own message: those messages are recognised here.
bool ChannelMadeStatus(const std::string& message, const std::string& debug) {
  if (debug.find("Error received from peer") == std::string::npos) return true;
  const std::string_view m = message;
  return m.starts_with("recvmsg:") || m.starts_with("sendmsg:") || m == "Socket closed" ||
         m.find("Connection reset by peer") != std::string_view::npos ||
         m.find("Broken pipe") != std::string_view::npos ||
         m.find("GOAWAY") != std::string_view::npos ||
         m.find("keepalive watchdog timeout") != std::string_view::npos;
}

}  // namespace

void ForwardRequestMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                            grpc::ClientContext* ctx) {
  for (const auto& [key, value] : metadata) {
    const std::string_view k = View(key);
    if (k == "user-agent" || k.starts_with("grpc-")) continue;
    ctx->AddMetadata(std::string(k), std::string(value.data(), value.size()));
  }
}

void SetUpstreamDeadline(absl::Time deadline, grpc::ClientContext* ctx) {
  if (deadline != absl::InfiniteFuture()) ctx->set_deadline(absl::ToChronoTime(deadline));
}

grpc::Status ClientStatus(const grpc::Status& upstream, const grpc::ClientContext& ctx,
                          const BackendRuntime& backend) {
  const grpc::StatusCode code = upstream.error_code();
  if (code == grpc::StatusCode::OK) return grpc::Status::OK;
  if (code == grpc::StatusCode::UNAVAILABLE &&
      ChannelMadeStatus(upstream.error_message(), ctx.debug_error_string())) {
    return grpc::Status(code,
                        absl::StrCat("modelgate: backend \"", backend.name, "\" (",
                                     backend.address, ") unavailable: ", upstream.error_message()),
                        upstream.error_details());
  }
  return grpc::Status(code, upstream.error_message(), upstream.error_details());
}

void CountUpstreamError(const BackendRuntime& backend, int code, bool cancelled_for_client,
                        bool deadline_is_clients) {
  if (code == grpc::StatusCode::OK) return;
  if (cancelled_for_client && code == grpc::StatusCode::CANCELLED) return;
  if (deadline_is_clients && code == grpc::StatusCode::DEADLINE_EXCEEDED) return;
  backend.metrics->upstream_errors->Increment(code);
}

void RecordBackendAnswer(routing::BackendHealth& health, const grpc::Status& upstream,
                         const grpc::ClientContext& ctx) {
  switch (upstream.error_code()) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return;
    case grpc::StatusCode::UNAVAILABLE:
      if (ChannelMadeStatus(upstream.error_message(), ctx.debug_error_string())) {
        health.consecutive_failures.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      break;
    default:
      break;
  }
  if (health.consecutive_failures.load(std::memory_order_relaxed) != 0) {
    health.consecutive_failures.store(0, std::memory_order_relaxed);
  }
}

}  // namespace modelgate::proxy

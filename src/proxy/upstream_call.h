// What an upstream call takes from the client's call (metadata, deadline) and how its end is
// told to the client and blamed on the backend; shared by the unary legs and the stream
// forwarder.
#pragma once

#include <map>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include "absl/time/time.h"
#include "routing/backend_health.h"

namespace modelgate::proxy {

struct BackendRuntime;

// Copies the client's metadata onto the upstream context, except user-agent and grpc-* keys:
// those are the gRPC library's own, and forwarding them would duplicate or contradict what the
// upstream channel sets. `-bin` values pass as they are.
void ForwardRequestMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                            grpc::ClientContext* ctx);

// Sets `deadline` on the upstream context (InfiniteFuture: none).
void SetUpstreamDeadline(absl::Time deadline, grpc::ClientContext* ctx);

// The status to pass on to the client: the backend's as received (message and details), except
// failures the channel made itself (connection refused, lost mid-call), which name the backend
// so the client can tell who failed.
grpc::Status ClientStatus(const grpc::Status& upstream, const grpc::ClientContext& ctx,
                          const BackendRuntime& backend);

// Counts a non-OK upstream status in modelgate_upstream_errors_total{backend,code}, unless it
// is the client giving up: a call we cancelled for the client (CANCELLED), or the client's own
// deadline passing (DEADLINE_EXCEEDED when the deadline was the client's, not a cap of ours).
void CountUpstreamError(const BackendRuntime& backend, int code, bool cancelled_for_client,
                        bool deadline_is_clients);

// The passive health signal: a call the channel failed itself (UNAVAILABLE made by our side:
// connection refused, reset, lost) adds one to the backend's consecutive transport failures;
// any status the backend sent resets them. CANCELLED and DEADLINE_EXCEEDED say nothing either
// way (they may be ours or the client's) and leave them unchanged. Request-path cost: one
// relaxed atomic load, plus a store or an add only when the count changes (so healthy traffic
// from many threads does not bounce the cache line); the failure test reads the context's
// debug string only for UNAVAILABLE.
void RecordBackendAnswer(routing::BackendHealth& health, const grpc::Status& upstream,
                         const grpc::ClientContext& ctx);

}  // namespace modelgate::proxy

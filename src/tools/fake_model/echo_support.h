// Helpers shared by the modelgate.testing.Echo call handlers: turning an EchoRequest's
// instructions into response metadata, statuses and payloads, and reporting what the server
// received. Kept apart from the call state machines so they stay short.
#pragma once

#include <string>

#include "google/protobuf/repeated_field.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "modelgate/testing/echo.pb.h"

namespace modelgate::tools {

enum class MetadataKind { kInitial, kTrailing };

// Adds "key=value" entries to the call's initial or trailing metadata. Keys ending in "-bin"
// carry raw bytes (gRPC base64-encodes them on the wire); as the proto fields are `string`,
// those bytes must form valid UTF-8 to get here at all. Entries gRPC would reject (bad key, non-printable value, reserved "grpc-"
// prefix) give INVALID_ARGUMENT instead of failing the call later inside gRPC.
grpc::Status AddEchoMetadata(const google::protobuf::RepeatedPtrField<std::string>& entries,
                             MetadataKind kind, grpc::ServerContext& ctx);

// Every request metadata entry except user-agent, as sorted "key=value" strings. Values are
// raw, except a binary value that is not valid UTF-8: received_metadata is a proto3 `string`,
// which the client would refuse to parse, so such a value is reported as "key=base64:<std
// base64 of the bytes>".
void FillReceivedMetadata(const grpc::ServerContext& ctx, modelgate::testing::EchoResponse& out);

// INVALID_ARGUMENT when the request's instructions are out of range (reply_code not a gRPC code,
// negative delay, absurd sizes or counts); the other helpers assume a valid request.
grpc::Status ValidateEchoRequest(const modelgate::testing::EchoRequest& request);

// The status the request asks the call to end with: OK, or reply_code with reply_message and
// reply_details (sent by gRPC as grpc-status-details-bin).
grpc::Status RequestedStatus(const modelgate::testing::EchoRequest& request);

// `response_bytes` bytes of a fixed pattern, or the request payload when response_bytes is 0.
void FillPayload(const modelgate::testing::EchoRequest& request,
                 modelgate::testing::EchoResponse& out);

}  // namespace modelgate::tools

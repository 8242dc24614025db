// ParseByteBuffer: protobuf parsing straight over the slices of a gRPC ByteBuffer. This is the
// one place where protobuf parsing enters the payload library, so its exceptions stop here.
#include <grpcpp/support/proto_buffer_reader.h>

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "payload/inference_v2.h"  // IWYU pragma: associated

namespace modelgate::payload {

absl::Status ParseByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* out) {
  // A default-constructed (or already consumed) ByteBuffer is "no message", not zero bytes:
  // treating it as an empty message would hide a caller's bug behind default values.
  if (!buffer.Valid()) {
    out->Clear();
    return absl::InvalidArgumentError("the ByteBuffer holds no message");
  }
  try {
    // ProtoBufferReader wants a mutable ByteBuffer. The copy shares the caller's slices
    // (reference counted, no byte copy), so whatever the reader does stays off the caller's
    // buffer.
    grpc::ByteBuffer shared(buffer);
    grpc::ProtoBufferReader reader(&shared);
    if (!reader.status().ok()) {
      out->Clear();
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read the ByteBuffer: ", reader.status().error_message()));
    }
    if (!out->ParseFromZeroCopyStream(&reader) || !reader.status().ok()) {
      out->Clear();
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", buffer.Length(), " bytes are not a valid ", out->GetTypeName(), " message"));
    }
  } catch (const std::exception& e) {
    out->Clear();
    return absl::InvalidArgumentError(
        absl::StrCat("parsing ", out->GetTypeName(), " failed: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace modelgate::payload

// Conversions between the gRPC library's ByteBuffer (what this data plane reads and writes) and
// absl::Cord (the transport-neutral message bytes that mergers and monitors consume). Both
// share the slices: no message byte is copied in either direction.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/cord.h"

namespace modelgate::proxy {

// A Cord over `buffer`'s slices, each kept alive by a reference until the Cord releases it.
absl::Cord CordFromByteBuffer(const grpc::ByteBuffer& buffer);

// A ByteBuffer over `cord`'s chunks, each kept alive by a copy of the Cord until gRPC releases it.
grpc::ByteBuffer ByteBufferFromCord(const absl::Cord& cord);

}  // namespace modelgate::proxy

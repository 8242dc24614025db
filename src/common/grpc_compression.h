// Compressed gRPC messages (a message whose 5-byte prefix has the compressed flag set): the
// proxy forwards them untouched, but what reads a message's contents (shadow comparisons,
// interleaving's merge, drift monitors) needs the bytes. gRPC's standard encodings are gzip
// (RFC 1952) and deflate (zlib, RFC 1950); zlib tells the two apart by their headers, so the
// grpc-encoding header is not needed. The output is capped: a small message that would inflate
// past `max_bytes` (a decompression bomb) is an error, not an allocation.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace modelgate {

// The uncompressed bytes of a gzip- or deflate-compressed message, at most `max_bytes` of them.
// INVALID_ARGUMENT when the data is neither (or is corrupt or cut short), RESOURCE_EXHAUSTED
// when it would inflate past `max_bytes`.
absl::StatusOr<std::string> DecompressGrpcMessage(absl::string_view data, size_t max_bytes);
absl::StatusOr<std::string> DecompressGrpcMessage(const absl::Cord& data, size_t max_bytes);

// For a message kept as it was sent with its compressed flag (the comparer's and monitors'
// queues): inflates *message in place and clears *compressed when the flag is set; on error
// both stay as they were.
absl::Status InflateIfCompressed(absl::Cord* message, bool* compressed, size_t max_bytes);

}  // namespace modelgate

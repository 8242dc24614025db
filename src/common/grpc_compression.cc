// Inflating gzip/deflate gRPC messages with zlib, capped.
#include "common/grpc_compression.h"

#include <zlib.h>

#include <optional>

#include "absl/strings/str_cat.h"

namespace modelgate {
namespace {

// 15: the largest window; +32: accept a zlib or a gzip header, whichever the data has.
constexpr int kAutoDetectWindow = 15 + 32;

}  // namespace

absl::StatusOr<std::string> DecompressGrpcMessage(absl::string_view data, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, kAutoDetectWindow) != Z_OK) {
    return absl::InternalError("zlib: inflateInit2 failed");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16 * 1024];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof(chunk) - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError(
          absl::StrCat("compressed message inflates past ", max_bytes, " bytes"));
    }
    out.append(chunk, produced);
    // Z_BUF_ERROR with input left cannot happen (the output buffer was just emptied); without
    // input left it means the stream was cut short.
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && produced == 0)) break;
  }
  const bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressed message is not valid gzip or deflate data (zlib: ",
        rc == Z_DATA_ERROR  ? "corrupt data"
        : rc == Z_MEM_ERROR ? "out of memory"
        : rc == Z_NEED_DICT ? "needs a preset dictionary"
                            : "cut short",
        ")"));
  }
  if (trailing) {
    return absl::InvalidArgumentError("compressed message has bytes after its end");
  }
  return out;
}

absl::StatusOr<std::string> DecompressGrpcMessage(const absl::Cord& data, size_t max_bytes) {
  if (auto flat = data.TryFlat()) {
    return DecompressGrpcMessage(*flat, max_bytes);
  }
  const std::string flat(data);
  return DecompressGrpcMessage(absl::string_view(flat), max_bytes);
}

absl::Status InflateIfCompressed(absl::Cord* message, bool* compressed, size_t max_bytes) {
  if (!*compressed) return absl::OkStatus();
  absl::StatusOr<std::string> inflated = DecompressGrpcMessage(*message, max_bytes);
  if (!inflated.ok()) return inflated.status();
  *message = absl::Cord(*std::move(inflated));
  *compressed = false;
  return absl::OkStatus();
}

}  // namespace modelgate

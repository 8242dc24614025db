// Compressed gRPC messages: gzip and deflate both inflate (told apart by their headers, as the
// grpc-encoding header is not consulted), a Cord in pieces too; corrupt, cut-short or trailing
// data is INVALID_ARGUMENT; a bomb is stopped at the cap (RESOURCE_EXHAUSTED).
#include "common/grpc_compression.h"

#include <zlib.h>

#include <string>

#include "gtest/gtest.h"

namespace modelgate {
namespace {

// windowBits 15 + 16: gzip (RFC 1952); 15: zlib (RFC 1950, gRPC's "deflate").
std::string Compress(const std::string& data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Message() {
  std::string m;
  for (int i = 0; i < 5000; ++i) m += "tensor " + std::to_string(i % 97) + ";";
  return m;
}

TEST(GrpcCompression, GzipAndDeflateInflateToTheMessage) {
  const std::string message = Message();
  for (int bits : {15 + 16, 15}) {
    const std::string packed = Compress(message, bits);
    ASSERT_LT(packed.size(), message.size());
    auto out = DecompressGrpcMessage(absl::string_view(packed), 1 << 20);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, message);
  }
}

TEST(GrpcCompression, ACordInPiecesInflatesToo) {
  const std::string message = Message();
  const std::string packed = Compress(message, 15 + 16);
  absl::Cord cord;
  for (size_t at = 0; at < packed.size(); at += 7) cord.Append(packed.substr(at, 7));
  auto out = DecompressGrpcMessage(cord, 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, message);
}

TEST(GrpcCompression, AnEmptyMessageInflatesToNothing) {
  auto out = DecompressGrpcMessage(absl::string_view(Compress("", 15 + 16)), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "");
}

TEST(GrpcCompression, BadDataIsInvalidArgument) {
  const std::string packed = Compress(Message(), 15 + 16);
  std::string corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  for (const std::string& bad :
       {std::string("not compressed at all"), packed.substr(0, packed.size() / 2), corrupt,
        packed + "trailing", std::string()}) {
    auto out = DecompressGrpcMessage(absl::string_view(bad), 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument)
        << bad.size() << " bytes: " << out.status();
  }
}

TEST(GrpcCompression, ABombStopsAtTheCap) {
  const std::string zeros(8 << 20, '\0');
  const std::string packed = Compress(zeros, 15 + 16);
  ASSERT_LT(packed.size(), 64u << 10);  // ~8 KiB that would inflate to 8 MiB
  auto out = DecompressGrpcMessage(absl::string_view(packed), 1 << 20);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted) << out.status();
  auto exact = DecompressGrpcMessage(absl::string_view(packed), zeros.size());
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->size(), zeros.size());
}

}  // namespace
}  // namespace modelgate

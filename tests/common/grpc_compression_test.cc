// Compressed gRPC messages: gzip and deflate both inflate (told apart by their headers, as the
// grpc-encoding header is not consulted), a Cord in pieces too; corrupt, cut-short or trailing
// data is INVALID_ARGUMENT; a bomb is stopped at the cap (RESOURCE_EXHAUSTED).
#include "common/grpc_compression.h"

#include <string>

#include "gtest/gtest.h"
#include "testing/gzip.h"

namespace modelgate {
namespace {

std::string Message() {
  std::string m;
  for (int i = 0; i < 5000; ++i) m += "tensor " + std::to_string(i % 97) + ";";
  return m;
}

TEST(GrpcCompression, GzipAndDeflateInflateToTheMessage) {
  const std::string message = Message();
  for (int bits : {testutil::kGzipWindow, testutil::kZlibWindow}) {
    const std::string packed = testutil::Compress(message, bits);
    ASSERT_LT(packed.size(), message.size());
    auto out = DecompressGrpcMessage(absl::string_view(packed), 1 << 20);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, message);
  }
}

TEST(GrpcCompression, ACordInPiecesInflatesToo) {
  const std::string message = Message();
  const std::string packed = testutil::Compress(message);
  absl::Cord cord;
  for (size_t at = 0; at < packed.size(); at += 7) cord.Append(packed.substr(at, 7));
  auto out = DecompressGrpcMessage(cord, 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, message);
}

TEST(GrpcCompression, AnEmptyMessageInflatesToNothing) {
  auto out = DecompressGrpcMessage(absl::string_view(testutil::Compress("")), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "");
}

TEST(GrpcCompression, BadDataIsInvalidArgument) {
  const std::string packed = testutil::Compress(Message());
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
  const std::string packed = testutil::Compress(zeros);
  ASSERT_LT(packed.size(), 64u << 10);  // ~8 KiB that would inflate to 8 MiB
  auto out = DecompressGrpcMessage(absl::string_view(packed), 1 << 20);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted) << out.status();
  auto exact = DecompressGrpcMessage(absl::string_view(packed), zeros.size());
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->size(), zeros.size());
}

TEST(GrpcCompression, InflateIfCompressedActsOnlyOnFlaggedMessagesAndKeepsThemOnError) {
  const std::string message = Message();
  absl::Cord plain(message);
  bool flag = false;
  EXPECT_TRUE(InflateIfCompressed(&plain, &flag, 10).ok());  // not flagged: left alone
  EXPECT_EQ(std::string(plain), message);
  absl::Cord packed(testutil::Compress(message));
  flag = true;
  ASSERT_TRUE(InflateIfCompressed(&packed, &flag, 1 << 20).ok());
  EXPECT_FALSE(flag);
  EXPECT_EQ(std::string(packed), message);
  absl::Cord junk("junk");
  flag = true;
  EXPECT_EQ(InflateIfCompressed(&junk, &flag, 1 << 20).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(flag);
  EXPECT_EQ(std::string(junk), "junk");
}

}  // namespace
}  // namespace modelgate

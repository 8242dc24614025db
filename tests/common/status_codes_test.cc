#include "common/status_codes.h"

#include <grpcpp/support/status.h>

#include "gtest/gtest.h"

namespace modelgate {
namespace {

TEST(GrpcStatusCodeName, MatchesGrpcNumbering) {
  EXPECT_EQ(GrpcStatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(GrpcStatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(GrpcStatusCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(GrpcStatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcStatusCodeName(-1), "");
  EXPECT_EQ(GrpcStatusCodeName(kNumGrpcStatusCodes), "");
}

TEST(GrpcStatusCodeFromName, RoundTripsEveryCodeInAnyCase) {
  for (int code = 0; code < kNumGrpcStatusCodes; ++code) {
    std::string name(GrpcStatusCodeName(code));
    EXPECT_EQ(GrpcStatusCodeFromName(name), code);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(GrpcStatusCodeFromName(name), code);
  }
  EXPECT_EQ(GrpcStatusCodeFromName("BROKEN"), std::nullopt);
  EXPECT_EQ(GrpcStatusCodeFromName(""), std::nullopt);
}

}  // namespace
}  // namespace modelgate

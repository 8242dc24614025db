// Tests of the gRPC status code name table.
#include "tools/common/status_codes.h"

#include "gtest/gtest.h"

namespace modelgate::tools {
namespace {

TEST(StatusCodes, NamesFollowTheGrpcNumbering) {
  EXPECT_EQ(StatusCodeName(0), "OK");
  EXPECT_EQ(StatusCodeName(4), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(14), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(99), "CODE_99");
}

TEST(StatusCodes, ParsesNumbersAndNamesInAnyCase) {
  EXPECT_EQ(*ParseStatusCode("14"), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(*ParseStatusCode("resource_exhausted"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(*ParseStatusCode("INTERNAL"), grpc::StatusCode::INTERNAL);
}

TEST(StatusCodes, RejectsUnknownCodes) {
  EXPECT_FALSE(ParseStatusCode("17").ok());
  EXPECT_FALSE(ParseStatusCode("-1").ok());
  EXPECT_FALSE(ParseStatusCode("BROKEN").ok());
}

}  // namespace
}  // namespace modelgate::tools

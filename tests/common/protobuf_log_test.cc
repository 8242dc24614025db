// RouteProtobufLogs: a libprotobuf error a client can trigger on every call (a string field
// with invalid UTF-8) reaches modelgate's log once per budget, in modelgate's format.
#include "common/protobuf_log.h"

#include <string>

#include "absl/strings/str_split.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate {
namespace {

using ::testing::HasSubstr;

// ModelInferRequest.model_name (field 1, a proto3 string) holding bytes that are not UTF-8.
std::string InvalidUtf8Request() { return std::string("\x0a\x02\xff\xfe", 4); }

TEST(ProtobufLog, ClientTriggeredErrorsAreRoutedAndRateLimited) {
  RouteProtobufLogs();
  SetLogFormat(LogFormat::kJson);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) {
    inference::ModelInferRequest request;
    EXPECT_FALSE(request.ParseFromString(InvalidUtf8Request()));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kText);
  std::vector<std::string> lines = absl::StrSplit(err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << err;  // 50 occurrences, one line within the budget
  EXPECT_THAT(lines[0], HasSubstr("libprotobuf: "));
  EXPECT_THAT(lines[0], HasSubstr("invalid UTF-8"));
  EXPECT_EQ(lines[0].front(), '{') << "not in modelgate's JSON format: " << lines[0];
}

}  // namespace
}  // namespace modelgate

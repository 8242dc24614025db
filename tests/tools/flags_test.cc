// Tests of FlagSet: the accepted spellings, the errors, and --help; and of ParseStatusCode.
#include "tools/common/flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::tools {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::string name = "model";
  int64_t port = 0;
  double rate = 0.5;
  bool raw = false;
};

absl::Status Parse(FlagSet& flags, std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  return flags.Parse(static_cast<int>(args.size()), args.data());
}

class FlagSetTest : public ::testing::Test {
 protected:
  FlagSetTest() : flags_("prog", "Usage: prog") {
    flags_.Add("name", &p_.name, "Name.");
    flags_.Add("port", &p_.port, "Port.");
    flags_.Add("rate", &p_.rate, "Rate.");
    flags_.Add("raw", &p_.raw, "Raw.");
  }
  Parsed p_;
  FlagSet flags_;
};

TEST_F(FlagSetTest, AcceptsEqualsAndSeparateValues) {
  ASSERT_TRUE(Parse(flags_, {"--name=a", "--port", "42", "--rate=0.25"}).ok());
  EXPECT_EQ(p_.name, "a");
  EXPECT_EQ(p_.port, 42);
  EXPECT_DOUBLE_EQ(p_.rate, 0.25);
  EXPECT_FALSE(flags_.help_requested());
}

TEST_F(FlagSetTest, BareBooleanSwitchesOnAndExplicitValueWorks) {
  ASSERT_TRUE(Parse(flags_, {"--raw"}).ok());
  EXPECT_TRUE(p_.raw);
  ASSERT_TRUE(Parse(flags_, {"--raw=false"}).ok());
  EXPECT_FALSE(p_.raw);
}

TEST_F(FlagSetTest, KeepsDefaultsWhenAbsent) {
  ASSERT_TRUE(Parse(flags_, {}).ok());
  EXPECT_EQ(p_.name, "model");
  EXPECT_DOUBLE_EQ(p_.rate, 0.5);
}

TEST_F(FlagSetTest, RejectsUnknownFlag) {
  absl::Status s = Parse(flags_, {"--nope=1"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("unknown flag --nope"));
}

TEST_F(FlagSetTest, RejectsBadNumbersNamingTheFlag) {
  EXPECT_THAT(std::string(Parse(flags_, {"--port=x"}).message()), HasSubstr("--port"));
  EXPECT_THAT(std::string(Parse(flags_, {"--rate", "fast"}).message()), HasSubstr("--rate"));
  EXPECT_THAT(std::string(Parse(flags_, {"--raw=maybe"}).message()), HasSubstr("--raw"));
}

TEST_F(FlagSetTest, RejectsMissingValueAndPositionalArguments) {
  EXPECT_THAT(std::string(Parse(flags_, {"--port"}).message()), HasSubstr("needs a value"));
  EXPECT_THAT(std::string(Parse(flags_, {"stray"}).message()), HasSubstr("unexpected argument"));
}

TEST_F(FlagSetTest, HelpStopsParsingAndUsageListsFlagsWithDefaults) {
  ASSERT_TRUE(Parse(flags_, {"--help", "--nope"}).ok());
  EXPECT_TRUE(flags_.help_requested());
  std::string usage = flags_.Usage();
  EXPECT_THAT(usage, HasSubstr("Usage: prog"));
  EXPECT_THAT(usage, HasSubstr("--name (default \"model\")"));
  EXPECT_THAT(usage, HasSubstr("--rate (default 0.5)"));
  EXPECT_THAT(usage, HasSubstr("--raw (default false)"));
}

TEST_F(FlagSetTest, HandleParseResultMapsHelpToZeroAndErrorsToTwo) {
  ASSERT_TRUE(Parse(flags_, {}).ok());
  EXPECT_EQ(HandleParseResult(flags_, absl::OkStatus()), -1);
  EXPECT_EQ(HandleParseResult(flags_, absl::InvalidArgumentError("bad")), 2);
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

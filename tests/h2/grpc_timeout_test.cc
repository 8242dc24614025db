// grpc-timeout parsing and formatting (h2/grpc_timeout.h).
#include "h2/grpc_timeout.h"

#include <gtest/gtest.h>

namespace modelgate::h2 {
namespace {

TEST(GrpcTimeout, ParsesEveryUnit) {
  EXPECT_EQ(ParseGrpcTimeout("1H"), absl::Hours(1));
  EXPECT_EQ(ParseGrpcTimeout("2M"), absl::Minutes(2));
  EXPECT_EQ(ParseGrpcTimeout("3S"), absl::Seconds(3));
  EXPECT_EQ(ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(ParseGrpcTimeout("7u"), absl::Microseconds(7));
  EXPECT_EQ(ParseGrpcTimeout("99999999n"), absl::Nanoseconds(99999999));
}

TEST(GrpcTimeout, RejectsMalformedValues) {
  for (const char* bad : {"", "S", "10", "10x", "-5S", "1.5S", "123456789S", " 5S", "5s"}) {
    EXPECT_FALSE(ParseGrpcTimeout(bad).has_value()) << bad;
  }
}

TEST(GrpcTimeout, FormatsInTheFinestUnitThatFitsRoundingUp) {
  EXPECT_EQ(FormatGrpcTimeout(absl::Milliseconds(250)), "250000u");  // 250000000n: 9 digits
  EXPECT_EQ(FormatGrpcTimeout(absl::Seconds(5)), "5000000u");
  EXPECT_EQ(FormatGrpcTimeout(absl::Seconds(100)), "100000m");
  EXPECT_EQ(FormatGrpcTimeout(absl::Hours(30)), "108000S");
  EXPECT_EQ(FormatGrpcTimeout(absl::ZeroDuration()), "1n");
  EXPECT_EQ(FormatGrpcTimeout(-absl::Seconds(1)), "1n");
  // The largest a client can send, and beyond: the coarsest unit, never an overflow.
  EXPECT_EQ(FormatGrpcTimeout(absl::Hours(99999999)), "99999999H");
  EXPECT_EQ(FormatGrpcTimeout(absl::Hours(99999999) + absl::Nanoseconds(1)), "99999999H");
  EXPECT_EQ(FormatGrpcTimeout(absl::InfiniteDuration()), "99999999H");
  // Never shorter than the real time left: 10000.0001 s rounds up in ms.
  EXPECT_EQ(FormatGrpcTimeout(absl::Seconds(10000) + absl::Microseconds(100)), "10000001m");
}

TEST(GrpcTimeout, RoundTripsWithoutShortening) {
  for (absl::Duration d : {absl::Nanoseconds(1), absl::Milliseconds(1234), absl::Seconds(86400),
                           absl::Hours(2000)}) {
    auto back = ParseGrpcTimeout(FormatGrpcTimeout(d));
    ASSERT_TRUE(back.has_value());
    EXPECT_GE(*back, d);
  }
}

}  // namespace
}  // namespace modelgate::h2

// The small syntax checkers and the typo distance used by config error messages.
#include "config/value_syntax.h"

#include "config/closest_match.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

TEST(ConfigLoaderValueSyntax, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("1024"), 1024);
  EXPECT_EQ(*ParseByteSize("4KiB"), 4096);
  EXPECT_EQ(*ParseByteSize("16MiB"), 16 << 20);
  EXPECT_EQ(*ParseByteSize("3GiB"), int64_t{3} << 30);
  for (const char* bad : {"", "MiB", "1.5MiB", "-1", "16 MiB", "16MB", "16mib", "1TiB", "0x10"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseByteSize("99999999999999GiB").status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ConfigLoaderValueSyntax, ChecksHostPort) {
  EXPECT_TRUE(CheckHostPort("127.0.0.1:0", 0).ok());
  EXPECT_TRUE(CheckHostPort("model-a.default.svc:8500", 1).ok());
  EXPECT_TRUE(CheckHostPort("[::1]:8500", 1).ok());
  EXPECT_TRUE(CheckHostPort("127.0.0.1:65535", 1).ok());
  for (const char* bad : {"", "host", ":80", "host:", "host:http", "a b:1", "[::1]", "[]:1",
                          "::1:80x", "host:123456"}) {
    EXPECT_FALSE(CheckHostPort(bad, 0).ok()) << bad;
  }
  EXPECT_FALSE(CheckHostPort("127.0.0.1:0", 1).ok());
  EXPECT_FALSE(CheckHostPort("127.0.0.1:65536", 0).ok());
}

TEST(ConfigLoaderValueSyntax, ChecksAuthorities) {
  for (const char* good : {"models.example.com", "models.example.com:443", "10.0.0.1:8080",
                           "[::1]", "[::1]:443", "my_host"}) {
    EXPECT_TRUE(CheckAuthority(good).ok()) << good;
  }
  for (const char* bad : {"", "a b", "user@host", "host:", "host:0", "host:x", "[::1", "[]",
                          "host/path", "h%41st"}) {
    EXPECT_FALSE(CheckAuthority(bad).ok()) << bad;
  }
}

TEST(ConfigLoaderValueSyntax, ChecksMethodPatterns) {
  EXPECT_TRUE(CheckMethodPattern("/pkg.Svc/Method").ok());
  EXPECT_TRUE(CheckMethodPattern("/pkg.Svc/*").ok());
  for (const char* bad : {"", "/", "//M", "/pkg.Svc/", "pkg.Svc/M", "/a/b/c", "/pkg.Svc"}) {
    EXPECT_FALSE(CheckMethodPattern(bad).ok()) << bad;
  }
}

TEST(ConfigLoaderValueSyntax, ChecksNamesAndMetadataKeys) {
  EXPECT_TRUE(CheckName("model_v2.1-rc").ok());
  EXPECT_FALSE(CheckName("").ok());
  EXPECT_FALSE(CheckName("a b").ok());
  EXPECT_FALSE(CheckName("a\"b").ok());
  EXPECT_TRUE(CheckMetadataKey("x-user_id.v2").ok());
  EXPECT_FALSE(CheckMetadataKey("").ok());
  EXPECT_FALSE(CheckMetadataKey("X-User").ok());
  EXPECT_FALSE(CheckMetadataKey(":authority").ok());
  EXPECT_TRUE(CheckMetadataValue("acme corp/1").ok());
  EXPECT_FALSE(CheckMetadataValue("tab\there").ok());
  EXPECT_TRUE(CheckServiceName("inference.GRPCInferenceService").ok());
  EXPECT_TRUE(CheckServiceName("Echo").ok());
  EXPECT_FALSE(CheckServiceName("a..b").ok());
  EXPECT_FALSE(CheckServiceName("a.").ok());
  EXPECT_FALSE(CheckServiceName("1a.B").ok());
}

TEST(ConfigLoaderValueSyntax, CountsAdjacentSwapAsOneEdit) {
  EXPECT_EQ(EditDistance("sticky_haeder", "sticky_header"), 1);
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("same", "same"), 0);
}

TEST(ConfigLoaderValueSyntax, SuggestsOnlyCloseCandidates) {
  const absl::string_view known[] = {"listen", "admin", "routes"};
  EXPECT_EQ(ClosestMatch("lisetn", known), "listen");
  EXPECT_EQ(ClosestMatch("route", known), "routes");
  EXPECT_FALSE(ClosestMatch("version", known).has_value());
  const absl::string_view short_words[] = {"ab"};
  EXPECT_FALSE(ClosestMatch("x", short_words).has_value());
}

}  // namespace
}  // namespace modelgate::config

// DecodeRawBytes / DecodeTypedBytes: length-prefixed raw elements (empty and embedded-NUL ones
// included), and every way the prefixes can disagree with the bytes or the shape.
#include "shadow/bytes_contents.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "responses.h"

namespace modelgate::shadow {
namespace {

using testing::Bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RawBytesElements;

TEST(DecodeRawBytes, SplitsLengthPrefixedElements) {
  const std::string raw = RawBytesElements({"ab", "", std::string("\0z", 2)});
  std::vector<absl::string_view> out;
  ASSERT_TRUE(DecodeRawBytes(raw, 3, &out).ok());
  EXPECT_THAT(out, ElementsAre("ab", "", absl::string_view("\0z", 2)));
}

TEST(DecodeRawBytes, RejectsTruncatedPrefixesOverlongLengthsAndWrongCounts) {
  std::vector<absl::string_view> out;
  EXPECT_THAT(DecodeRawBytes(Bytes({1, 0, 0}), 1, &out).message(),
              HasSubstr("inside the length prefix of element 0"));
  EXPECT_THAT(DecodeRawBytes(Bytes({5, 0, 0, 0, 'a'}), 1, &out).message(),
              HasSubstr("claims 5 bytes, but only 1 remain"));
  // A length with the top byte set must not wrap around.
  EXPECT_FALSE(DecodeRawBytes(Bytes({0xff, 0xff, 0xff, 0xff, 'a'}), 1, &out).ok());
  EXPECT_THAT(DecodeRawBytes(RawBytesElements({"a", "b"}), 3, &out).message(),
              HasSubstr("hold 2 elements, but the shape has 3"));
  EXPECT_TRUE(out.empty());
}

TEST(DecodeTypedBytes, NeedsExactlyTheShapeInBytesContents) {
  inference::InferTensorContents contents;
  contents.add_bytes_contents("x");
  std::vector<absl::string_view> out;
  EXPECT_TRUE(DecodeTypedBytes(contents, 1, &out).ok());
  EXPECT_THAT(out, ElementsAre("x"));
  EXPECT_FALSE(DecodeTypedBytes(contents, 2, &out).ok());
  contents.add_int_contents(1);
  EXPECT_THAT(DecodeTypedBytes(contents, 1, &out).message(),
              HasSubstr("BYTES values belong in bytes_contents, but int_contents holds 1"));
}

}  // namespace
}  // namespace modelgate::shadow

// IndexPolicy: constant fields stay indexable, per-call values (user ids, request ids) become
// never-indexed literals, names that settle down become indexable again, and the map of names
// is capped.
#include "h2/index_policy.h"

#include <nghttp2/nghttp2.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace modelgate::h2 {
namespace {

TEST(IndexPolicy, ConstantValuesAreIndexed) {
  IndexPolicy p;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(p.Flags("content-type", "application/grpc"), NGHTTP2_NV_FLAG_NONE) << i;
    ASSERT_EQ(p.Flags("user-agent", "grpc-c++/1.51.1"), NGHTTP2_NV_FLAG_NONE) << i;
  }
}

TEST(IndexPolicy, ValuesThatChangeEveryCallAreNeverIndexed) {
  IndexPolicy p;
  EXPECT_EQ(p.Flags("x-user", "user-0"), NGHTTP2_NV_FLAG_NONE);  // first sighting
  for (int i = 1; i < 1000; ++i) {
    ASSERT_EQ(p.Flags("x-user", absl::StrCat("user-", i)), NGHTTP2_NV_FLAG_NO_INDEX) << i;
  }
  // The verdict is per name: another field is not affected.
  EXPECT_EQ(p.Flags("content-type", "application/grpc"), NGHTTP2_NV_FLAG_NONE);
}

TEST(IndexPolicy, RareChangesKeepANameIndexed) {
  IndexPolicy p;
  int no_index = 0;
  for (int i = 0; i < 1000; ++i) {
    // A new value every 10th call (a config version, a rotating token): 10% change.
    no_index += p.Flags("x-version", absl::StrCat("v", i / 10)) == NGHTTP2_NV_FLAG_NO_INDEX;
  }
  EXPECT_EQ(no_index, 0);
}

TEST(IndexPolicy, ANameThatSettlesDownIsIndexedAgain) {
  IndexPolicy p;
  for (int i = 0; i < 200; ++i) p.Flags("x-trace", absl::StrCat("t", i));
  ASSERT_EQ(p.Flags("x-trace", "t-last"), NGHTTP2_NV_FLAG_NO_INDEX);
  int calls = 0;
  while (p.Flags("x-trace", "steady") == NGHTTP2_NV_FLAG_NO_INDEX) {
    ASSERT_LT(++calls, 1000) << "never became indexable again";
  }
  EXPECT_EQ(p.Flags("x-trace", "steady"), NGHTTP2_NV_FLAG_NONE);
}

TEST(IndexPolicy, NamesBeyondTheCapAreNeverIndexed) {
  IndexPolicy p;
  for (size_t i = 0; i < IndexPolicy::kMaxNames; ++i) {
    ASSERT_EQ(p.Flags(absl::StrCat("x-name-", i), "v"), NGHTTP2_NV_FLAG_NONE);
  }
  EXPECT_EQ(p.Flags("x-one-too-many", "v"), NGHTTP2_NV_FLAG_NO_INDEX);
  EXPECT_EQ(p.Flags("x-name-0", "v"), NGHTTP2_NV_FLAG_NONE);  // known names keep their verdict
}

}  // namespace
}  // namespace modelgate::h2

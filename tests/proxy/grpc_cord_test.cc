// ByteBuffer <-> Cord conversions share bytes and keep them alive on their own: each side
// outlives the other and still reads the same message.
#include "proxy/grpc_cord.h"

#include <string>
#include <vector>

#include <grpcpp/support/slice.h>

#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

std::string Flatten(const grpc::ByteBuffer& b) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(b.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

TEST(GrpcCord, MultiSliceBufferBecomesTheSameBytesAndOutlivesTheBuffer) {
  absl::Cord cord;
  {
    std::vector<grpc::Slice> parts = {grpc::Slice(std::string(1000, 'a')), grpc::Slice("bc"),
                                      grpc::Slice(std::string(5000, 'd'))};
    grpc::ByteBuffer buffer(parts.data(), parts.size());
    cord = CordFromByteBuffer(buffer);
  }  // the buffer and its slices are gone; the Cord holds its own references
  EXPECT_EQ(std::string(cord), std::string(1000, 'a') + "bc" + std::string(5000, 'd'));
}

TEST(GrpcCord, CordBecomesABufferThatOutlivesTheCord) {
  grpc::ByteBuffer buffer;
  std::string expected;
  {
    absl::Cord cord("tiny");  // inline storage
    cord.Append(std::string(4000, 'x'));
    cord.Append(absl::Cord(std::string(9000, 'y')));
    expected = std::string(cord);
    buffer = ByteBufferFromCord(cord);
  }
  EXPECT_EQ(buffer.Length(), expected.size());
  EXPECT_EQ(Flatten(buffer), expected);
}

TEST(GrpcCord, SmallInlineCordSurvivesTheRoundTrip) {
  grpc::ByteBuffer buffer = ByteBufferFromCord(absl::Cord("abc"));
  EXPECT_EQ(Flatten(buffer), "abc");
  EXPECT_EQ(std::string(CordFromByteBuffer(buffer)), "abc");
}

TEST(GrpcCord, EmptyMessagesStayEmptyButValid) {
  grpc::ByteBuffer buffer = ByteBufferFromCord(absl::Cord());
  EXPECT_TRUE(buffer.Valid());
  EXPECT_EQ(buffer.Length(), 0u);
  EXPECT_TRUE(CordFromByteBuffer(buffer).empty());
  EXPECT_TRUE(CordFromByteBuffer(grpc::ByteBuffer()).empty());
}

}  // namespace
}  // namespace modelgate::proxy

// gRPC message framing followed across arbitrary DATA boundaries (h2/message_scanner.h).
#include "h2/message_scanner.h"

#include <gtest/gtest.h>

#include <string>

namespace modelgate::h2 {
namespace {

std::string Message(size_t n) {
  std::string m(5 + n, 'x');
  m[0] = 0;
  m[1] = static_cast<char>(n >> 24);
  m[2] = static_cast<char>(n >> 16);
  m[3] = static_cast<char>(n >> 8);
  m[4] = static_cast<char>(n);
  return m;
}

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(MessageScanner, CountsMessagesWhateverTheChunking) {
  const std::string stream = Message(3) + Message(0) + Message(70000) + Message(1);
  for (size_t chunk : {1u, 2u, 5u, 7u, 4096u, 100000u}) {
    MessageScanner s;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      const size_t n = std::min(chunk, stream.size() - off);
      ASSERT_EQ(s.Feed(U(stream) + off, n, 1 << 20), -1);
    }
    EXPECT_EQ(s.messages(), 4) << chunk;
    EXPECT_TRUE(s.at_boundary());
  }
}

TEST(MessageScanner, ReportsTheFirstMessageOverTheLimit) {
  const std::string stream = Message(10) + Message(2000);
  MessageScanner s;
  EXPECT_EQ(s.Feed(U(stream), 15, 1000), -1);
  // The oversized prefix split across two feeds.
  EXPECT_EQ(s.Feed(U(stream) + 15, 3, 1000), -1);
  EXPECT_EQ(s.Feed(U(stream) + 18, 2, 1000), 2000);
}

TEST(MessageScanner, KnowsWhenItIsMidMessage) {
  const std::string m = Message(4);
  MessageScanner s;
  s.Feed(U(m), 6, 100);
  EXPECT_FALSE(s.at_boundary());
  s.Feed(U(m) + 6, 3, 100);
  EXPECT_TRUE(s.at_boundary());
}

}  // namespace
}  // namespace modelgate::h2

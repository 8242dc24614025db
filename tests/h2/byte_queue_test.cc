// The per-direction stream buffer (h2/byte_queue.h).
#include "h2/byte_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace modelgate::h2 {
namespace {

const uint8_t* U(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

TEST(ByteQueue, TakesInOrderAcrossAppends) {
  ByteQueue q;
  q.Append(U("hello "), 6);
  q.Append(U("world"), 5);
  uint8_t out[16];
  ASSERT_EQ(q.Take(out, 4), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 4), "hell");
  q.Append(U("!"), 1);
  ASSERT_EQ(q.Take(out, sizeof(out)), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 8), "o world!");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.Take(out, sizeof(out)), 0u);
}

TEST(ByteQueue, CompactsInsteadOfGrowingWithoutBound) {
  // A producer that stays ahead of the consumer by a little must not make the buffer grow with
  // the total bytes passed through.
  ByteQueue q;
  std::string chunk(1000, 'a');
  uint8_t out[1000];
  for (int i = 0; i < 10000; ++i) {
    q.Append(U(chunk.c_str()), chunk.size());
    if (i > 0) ASSERT_EQ(q.Take(out, sizeof(out)), sizeof(out));
  }
  EXPECT_EQ(q.size(), 1000u);
}

}  // namespace
}  // namespace modelgate::h2

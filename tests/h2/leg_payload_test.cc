// A leg's message as monitors, mergers and the comparer take it: unframed; compressed (gzip)
// messages inflated inline for mergers and monitors, capped, and handed over still compressed,
// flagged, for the comparer's own thread; a body that is not one message gives nothing.
#include "h2/leg_payload.h"

#include <string>

#include "gtest/gtest.h"
#include "testing/gzip.h"

namespace modelgate::h2 {
namespace {

using testutil::Compress;

// The 5-byte gRPC prefix (compressed flag, big-endian length) and the bytes.
std::string Framed(const std::string& message, bool compressed) {
  std::string out(1, compressed ? '\1' : '\0');
  const uint32_t n = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  return out + message;
}

const std::string kMessage(3000, 'm');

TEST(LegPayload, PlainAndCompressedMessagesComeOutTheSame) {
  EXPECT_EQ(std::string(MessageOf(Framed(kMessage, false), 1 << 20)), kMessage);
  EXPECT_EQ(std::string(MessageOf(Framed(Compress(kMessage), true), 1 << 20)), kMessage);
}

TEST(LegPayload, WhatDoesNotInflateOrFrameGivesNothing) {
  EXPECT_TRUE(MessageOf(Framed("not gzip", true), 1 << 20).empty());
  EXPECT_TRUE(MessageOf(Framed(Compress(kMessage), true), 1000).empty());  // over the cap
  EXPECT_TRUE(MessageOf(Framed(kMessage, false).substr(0, 100), 1 << 20).empty());
  EXPECT_TRUE(MessageOf(Framed("a", false) + Framed("b", false), 1 << 20).empty());
}

TEST(LegPayload, TheComparerGetsCompressedAnswersFlaggedAndFailedOnesEmpty) {
  const std::string packed = Compress(kMessage);
  telemetry::LegAnswer a = AnswerOf(1, kOk, 0.5, Framed(packed, true));
  EXPECT_EQ(a.arm, 1);
  EXPECT_TRUE(a.compressed);
  EXPECT_EQ(std::string(a.response), packed);
  telemetry::LegAnswer plain = AnswerOf(1, kOk, 0.5, Framed(kMessage, false));
  EXPECT_FALSE(plain.compressed);
  EXPECT_EQ(std::string(plain.response), kMessage);
  telemetry::LegAnswer failed = AnswerOf(2, kUnavailable, 0.1, "");
  EXPECT_EQ(failed.code, kUnavailable);
  EXPECT_TRUE(failed.response.empty());
}

}  // namespace
}  // namespace modelgate::h2

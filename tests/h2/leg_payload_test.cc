// A leg's message as monitors, mergers and the comparer take it: unframed; compressed (gzip)
// messages inflated inline for mergers and monitors, capped, and handed over still compressed,
// flagged, for the comparer's own thread; a body that is not one message gives nothing.
#include "h2/leg_payload.h"

#include <zlib.h>

#include <string>

#include "gtest/gtest.h"

namespace modelgate::h2 {
namespace {

std::string Gzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

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
  EXPECT_EQ(std::string(MessageOf(Framed(Gzip(kMessage), true), 1 << 20)), kMessage);
}

TEST(LegPayload, WhatDoesNotInflateOrFrameGivesNothing) {
  EXPECT_TRUE(MessageOf(Framed("not gzip", true), 1 << 20).empty());
  EXPECT_TRUE(MessageOf(Framed(Gzip(kMessage), true), 1000).empty());  // over the cap
  EXPECT_TRUE(MessageOf(Framed(kMessage, false).substr(0, 100), 1 << 20).empty());
  EXPECT_TRUE(MessageOf(Framed("a", false) + Framed("b", false), 1 << 20).empty());
}

TEST(LegPayload, TheComparerGetsCompressedAnswersFlaggedAndFailedOnesEmpty) {
  const std::string packed = Gzip(kMessage);
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

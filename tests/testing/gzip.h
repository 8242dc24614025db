// Compressing test data with zlib the way gRPC peers do (gzip, or zlib-wrapped "deflate"), for
// tests of the code that inflates compressed messages. Header-only; link ZLIB::ZLIB.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace modelgate::testutil {

inline constexpr int kGzipWindow = 15 + 16;  // RFC 1952 gzip
inline constexpr int kZlibWindow = 15;       // RFC 1950 zlib (gRPC's "deflate")

inline std::string Compress(std::string_view data, int window_bits = kGzipWindow) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace modelgate::testutil

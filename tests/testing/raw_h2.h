// Raw HTTP/2 frames for tests that play a peer by hand (a misbehaving client, a fuzzer's
// client): frame types and flags, building frames and gRPC messages byte by byte, draining a
// non-blocking socket and splitting what arrived into frames. Header-only, so sanitizer and
// fuzzer builds need no extra library.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nghttp2/nghttp2.h>

namespace modelgate::testutil {

// HTTP/2 frame types and flags (RFC 9113 §6).
enum : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kPriority = 0x2,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPing = 0x6,
  kGoaway = 0x7,
  kWindowUpdate = 0x8,
  kContinuation = 0x9,
};
enum : uint8_t {
  kEndStream = 0x1,
  kAck = 0x1,
  kEndHeaders = 0x4,
  kPadded = 0x8,
  kPriorityFlag = 0x20,
};

inline void Put32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

inline uint32_t Get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// A frame's 9-byte header.
inline std::string FrameHeader(size_t len, uint8_t type, uint8_t flags, uint32_t id) {
  const char h[9] = {
      static_cast<char>(len >> 16), static_cast<char>(len >> 8), static_cast<char>(len),
      static_cast<char>(type),      static_cast<char>(flags),    static_cast<char>(id >> 24),
      static_cast<char>(id >> 16),  static_cast<char>(id >> 8),  static_cast<char>(id)};
  return std::string(h, 9);
}

// A gRPC message: the 5-byte prefix (compressed flag, big-endian length) and the bytes.
inline std::string GrpcMessage(std::string_view message, uint8_t compressed = 0) {
  std::string out(1, static_cast<char>(compressed));
  Put32(&out, static_cast<uint32_t>(message.size()));
  out.append(message);
  return out;
}

// A header field for nghttp2 from two strings that outlive the call (nghttp2 copies what it
// keeps).
inline nghttp2_nv Nv(std::string_view name, std::string_view value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

// One frame in a buffer: its 9-byte header decoded, the payload pointing into the buffer.
struct RawFrame {
  uint8_t type;
  uint8_t flags;
  uint32_t stream_id;
  const uint8_t* payload;
  size_t length;
};

// Reads everything a non-blocking socket has into *in (nothing is kept when `in` is null);
// returns false once the peer closed the connection or reading failed.
inline bool DrainSocket(int fd, std::string* in) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      if (in != nullptr) in->append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Calls on_frame(const RawFrame&) for every complete frame at the front of *in, then removes
// them (an incomplete last frame stays for the next read).
template <typename F>
void TakeFrames(std::string* in, F&& on_frame) {
  size_t at = 0;
  while (in->size() - at >= 9) {
    const auto* h = reinterpret_cast<const uint8_t*>(in->data() + at);
    const size_t len = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
    if (in->size() - at < 9 + len) break;
    const uint32_t id = ((uint32_t{h[5]} << 24) | (uint32_t{h[6]} << 16) |
                         (uint32_t{h[7]} << 8) | h[8]) & 0x7fffffff;
    on_frame(RawFrame{h[3], h[4], id, h + 9, len});
    at += 9 + len;
  }
  in->erase(0, at);
}

}  // namespace modelgate::testutil

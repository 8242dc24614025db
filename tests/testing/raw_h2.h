// Raw HTTP/2 frames for tests that play a peer by hand (a misbehaving client, a fuzzer's
// client): draining a non-blocking socket and splitting what arrived into frames. Header-only,
// so sanitizer and fuzzer builds need no extra library.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace modelgate::testutil {

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

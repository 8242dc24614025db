// Follows the gRPC length-prefixed message framing (1 flag byte, 4-byte big-endian length, body)
// across DATA frames of any size, without buffering, so the proxy can enforce the message size
// limit and count messages while bytes are forwarded as they come.
#pragma once

#include <cstddef>
#include <cstdint>

namespace modelgate::h2 {

class MessageScanner {
 public:
  // Feeds bytes; returns the length of the first message prefix seen in them that exceeds
  // `limit`, or -1 when all prefixes are within it.
  int64_t Feed(const uint8_t* p, size_t n, int64_t limit) {
    while (n > 0) {
      if (body_left_ > 0) {
        const size_t k = n < body_left_ ? n : static_cast<size_t>(body_left_);
        body_left_ -= k;
        p += k;
        n -= k;
        continue;
      }
      prefix_[prefix_len_++] = *p++;
      --n;
      if (prefix_len_ == 5) {
        prefix_len_ = 0;
        const uint64_t len = (uint64_t{prefix_[1]} << 24) | (uint64_t{prefix_[2]} << 16) |
                             (uint64_t{prefix_[3]} << 8) | uint64_t{prefix_[4]};
        ++messages_;
        if (static_cast<int64_t>(len) > limit) return static_cast<int64_t>(len);
        body_left_ = len;
      }
    }
    return -1;
  }
  int64_t messages() const { return messages_; }
  // Whether the bytes so far end on a message boundary.
  bool at_boundary() const { return body_left_ == 0 && prefix_len_ == 0; }

 private:
  uint64_t body_left_ = 0;
  uint8_t prefix_[5] = {};
  int prefix_len_ = 0;
  int64_t messages_ = 0;
};

}  // namespace modelgate::h2

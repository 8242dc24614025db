// Bytes received on one side of a stream and not yet taken by the other: appended at the tail,
// taken from the head. One contiguous buffer that keeps its capacity, so a stream in steady state
// allocates nothing; its size is bounded by the flow-control window the receiving side grants
// (credit goes back only as bytes are taken), so it needs no cap of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace modelgate::h2 {

class ByteQueue {
 public:
  size_t size() const { return buf_.size() - head_; }
  bool empty() const { return head_ == buf_.size(); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(buf_.data()) + head_; }

  void Append(const uint8_t* p, size_t n) {
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    } else if (head_ > 0 && head_ >= buf_.size() / 2) {
      // Compact rather than grow: the live part is at most half the buffer.
      buf_.erase(0, head_);
      head_ = 0;
    }
    buf_.append(reinterpret_cast<const char*>(p), n);
  }
  // Copies up to `n` bytes to `out` and drops them; returns how many.
  size_t Take(uint8_t* out, size_t n) {
    const size_t k = n < size() ? n : size();
    std::memcpy(out, data(), k);
    Drop(k);
    return k;
  }
  void Drop(size_t n) {
    head_ += n;
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    }
  }
  void Clear() {
    buf_.clear();
    head_ = 0;
  }
  // Frees the storage (a stream that ends gives its memory back).
  void Release() {
    std::string().swap(buf_);
    head_ = 0;
  }

 private:
  std::string buf_;
  size_t head_ = 0;
};

}  // namespace modelgate::h2

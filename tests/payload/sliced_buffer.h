// A grpc::ByteBuffer made of several slices cut at chosen offsets, for parsing tests. gRPC merges
// small inlined slices and slices that continue each other in memory, so each piece is a static
// slice into private storage with a gap byte between pieces: the cuts survive as real slice
// boundaries and gRPC copies nothing.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <string>
#include <vector>

namespace modelgate::payload::testing {

class SlicedBuffer {
 public:
  // `cuts` are increasing offsets into `bytes`; equal cuts make empty slices.
  SlicedBuffer(const std::string& bytes, const std::vector<size_t>& cuts) {
    std::vector<size_t> bounds = {0};
    bounds.insert(bounds.end(), cuts.begin(), cuts.end());
    bounds.push_back(bytes.size());
    std::vector<size_t> offsets;
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      offsets.push_back(storage_.size());
      storage_.append(bytes, bounds[i], bounds[i + 1] - bounds[i]);
      storage_.push_back('#');  // keeps the next piece from continuing this one in memory
    }
    std::vector<grpc::Slice> slices;
    for (size_t i = 0; i < offsets.size(); ++i) {
      slices.emplace_back(storage_.data() + offsets[i], bounds[i + 1] - bounds[i],
                          grpc::Slice::STATIC_SLICE);
    }
    buffer_ = grpc::ByteBuffer(slices.data(), slices.size());
  }
  SlicedBuffer(const SlicedBuffer&) = delete;
  SlicedBuffer& operator=(const SlicedBuffer&) = delete;

  const grpc::ByteBuffer& buffer() const { return buffer_; }

  // The number of non-empty slices gRPC keeps.
  size_t slice_count() const {
    std::vector<grpc::Slice> slices;
    if (!buffer_.Dump(&slices).ok()) return 0;
    size_t n = 0;
    for (const grpc::Slice& s : slices) n += s.size() > 0 ? 1 : 0;
    return n;
  }

 private:
  std::string storage_;  // declared first: the slices point into it
  grpc::ByteBuffer buffer_;
};

}  // namespace modelgate::payload::testing

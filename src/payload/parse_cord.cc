// ParseCord: a ZeroCopyInputStream over a Cord's chunks.
#include "payload/parse_cord.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace modelgate::payload {
namespace {

class CordInputStream final : public google::protobuf::io::ZeroCopyInputStream {
 public:
  explicit CordInputStream(const absl::Cord& cord)
      : chunks_(cord.Chunks()), it_(chunks_.begin()) {}

  bool Next(const void** data, int* size) override {
    if (backed_up_ > 0) {  // hand out the tail of the last chunk again
      *data = current_.data() + current_.size() - backed_up_;
      *size = backed_up_;
      count_ += backed_up_;
      backed_up_ = 0;
      return true;
    }
    while (it_ != chunks_.end() && (*it_).empty()) ++it_;
    if (it_ == chunks_.end()) return false;
    current_ = *it_;
    ++it_;
    *data = current_.data();
    *size = static_cast<int>(current_.size());
    count_ += *size;
    return true;
  }
  void BackUp(int count) override {
    backed_up_ = count;
    count_ -= count;
  }
  bool Skip(int count) override {
    const void* data;
    int size;
    while (count > 0) {
      if (!Next(&data, &size)) return false;
      if (size > count) {
        BackUp(size - count);
        return true;
      }
      count -= size;
    }
    return true;
  }
  int64_t ByteCount() const override { return count_; }

 private:
  absl::Cord::ChunkRange chunks_;
  absl::Cord::ChunkIterator it_;
  absl::string_view current_;
  int backed_up_ = 0;
  int64_t count_ = 0;
};

}  // namespace

absl::Status ParseCord(const absl::Cord& bytes, google::protobuf::MessageLite* out) {
  try {
    CordInputStream in(bytes);
    if (!out->ParseFromZeroCopyStream(&in)) {
      out->Clear();
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", bytes.size(), " bytes are not a valid ", out->GetTypeName(), " message"));
    }
  } catch (const std::exception& e) {
    out->Clear();
    return absl::InvalidArgumentError(
        absl::StrCat("parsing ", out->GetTypeName(), " failed: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace modelgate::payload

// BYTES decoding: raw entries are walked prefix by prefix, never trusting a length beyond the
// bytes that remain.
#include "shadow/bytes_contents.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "shadow/typed_field.h"

namespace modelgate::shadow {

absl::Status DecodeRawBytes(absl::string_view bytes, uint64_t count,
                            std::vector<absl::string_view>* out) {
  std::vector<absl::string_view> elements;
  size_t offset = 0;
  while (offset < bytes.size()) {
    if (bytes.size() - offset < 4) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BYTES raw contents end inside the length prefix of element ", elements.size()));
    }
    uint64_t length = 0;
    for (size_t i = 0; i < 4; ++i) {
      length |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
    }
    offset += 4;
    if (length > bytes.size() - offset) {
      return absl::InvalidArgumentError(absl::StrCat("BYTES raw element ", elements.size(),
                                                     " claims ", length, " bytes, but only ",
                                                     bytes.size() - offset, " remain"));
    }
    elements.push_back(bytes.substr(offset, length));
    offset += length;
  }
  if (elements.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("BYTES raw contents hold ", elements.size(),
                                                   " elements, but the shape has ", count));
  }
  out->insert(out->end(), elements.begin(), elements.end());
  return absl::OkStatus();
}

absl::Status DecodeTypedBytes(const inference::InferTensorContents& contents, uint64_t count,
                              std::vector<absl::string_view>* out) {
  if (absl::Status s = CheckTypedField(contents, "bytes_contents", count, "BYTES"); !s.ok()) {
    return s;
  }
  for (const std::string& element : contents.bytes_contents()) out->push_back(element);
  return absl::OkStatus();
}

}  // namespace modelgate::shadow

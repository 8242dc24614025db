// DecodeOutput: checks how the response carries the tensor's data, then hands the bytes to the
// decoder of the tensor's domain (payload/ for floating types, which it decodes exactly).
#include "shadow/tensor_data.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "payload/datatype.h"
#include "payload/raw_contents.h"
#include "payload/tensor_shape.h"
#include "payload/typed_contents.h"
#include "shadow/bytes_contents.h"
#include "shadow/integer_contents.h"

namespace modelgate::shadow {
namespace {

using payload::DataType;

// The raw entry of output `index`, or null when the response uses typed contents.
absl::StatusOr<const std::string*> RawEntry(const inference::ModelInferResponse& response,
                                            int index) {
  const auto& raw = response.raw_output_contents();
  if (raw.empty()) return nullptr;
  if (raw.size() != response.outputs_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "raw_output_contents has ", raw.size(), " entries for ", response.outputs_size(),
        " outputs; raw entries pair with outputs by position, so there must be one each"));
  }
  if (payload::HasTypedValues(response.outputs(index).contents())) {
    return absl::InvalidArgumentError(
        "typed contents although the response uses raw_output_contents; the protocol allows one "
        "or the other");
  }
  return &raw[index];
}

absl::Status DecodeNumeric(DataType type, const inference::InferTensorContents& contents,
                           const std::string* raw, TensorData* out) {
  if (IsSignedInteger(type)) {
    out->domain = TensorData::Domain::kSigned;
    return raw != nullptr ? DecodeRawIntegers(type, *raw, out->count, &out->signeds)
                          : DecodeTypedIntegers(type, contents, out->count, &out->signeds);
  }
  if (IsUnsignedInteger(type)) {
    out->domain = TensorData::Domain::kUnsigned;
    return raw != nullptr ? DecodeRawIntegers(type, *raw, out->count, &out->unsigneds)
                          : DecodeTypedIntegers(type, contents, out->count, &out->unsigneds);
  }
  out->domain = TensorData::Domain::kFloat;
  return raw != nullptr ? payload::DecodeRawContents(type, *raw, out->count, &out->floats)
                        : payload::DecodeTypedContents(type, contents, out->count, &out->floats);
}

}  // namespace

absl::StatusOr<TensorData> DecodeOutput(const inference::ModelInferResponse& response, int index) {
  const auto& tensor = response.outputs(index);
  ASSIGN_OR_RETURN(const std::string* raw, RawEntry(response, index));
  TensorData data;
  ASSIGN_OR_RETURN(data.count, payload::ElementCount(tensor.shape()));
  if (tensor.datatype() == "BYTES") {
    data.domain = TensorData::Domain::kBytes;
    RETURN_IF_ERROR(raw != nullptr ? DecodeRawBytes(*raw, data.count, &data.bytes)
                                   : DecodeTypedBytes(tensor.contents(), data.count, &data.bytes));
    return data;
  }
  ASSIGN_OR_RETURN(const DataType type, payload::ParseDataType(tensor.datatype()));
  RETURN_IF_ERROR(DecodeNumeric(type, tensor.contents(), raw, &data));
  return data;
}

}  // namespace modelgate::shadow

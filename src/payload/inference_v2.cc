// ExtractOutput / ExtractInput: find the tensor, check how the message carries its data (raw
// entries paired by position, or typed contents, never both), then decode. Requests and
// responses differ only in field names, so one template serves both.
#include "payload/inference_v2.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "payload/datatype.h"
#include "payload/raw_contents.h"
#include "payload/tensor_shape.h"
#include "payload/typed_contents.h"

namespace modelgate::payload {
namespace {

// Names in messages: a NotFound listing every name of a hostile message could be huge.
constexpr int kMaxListedNames = 16;

// The words a message uses for one side of the protocol.
struct Side {
  absl::string_view tensor;     // "output"
  absl::string_view message;    // "response"
  absl::string_view raw_field;  // "raw_output_contents"
};

constexpr Side kOutputs = {"output", "response", "raw_output_contents"};
constexpr Side kInputs = {"input", "request", "raw_input_contents"};

// Tensor names come from the wire: keep UTF-8, escape control characters and quotes.
std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", absl::Utf8SafeCEscape(name), "\"");
}

absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

template <typename Tensor>
absl::StatusOr<int> FindTensor(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                               absl::string_view name, const Side& side) {
  if (tensors.empty()) {
    return absl::NotFoundError(absl::StrCat("the ", side.message, " has no ", side.tensor, "s"));
  }
  if (name.empty()) return 0;
  for (int i = 0; i < tensors.size(); ++i) {
    if (absl::string_view(tensors[i].name()) == name) return i;
  }
  std::string available;
  for (int i = 0; i < tensors.size() && i < kMaxListedNames; ++i) {
    absl::StrAppend(&available, i == 0 ? "" : ", ", Quoted(tensors[i].name()));
  }
  if (tensors.size() > kMaxListedNames) {
    absl::StrAppend(&available, " and ", tensors.size() - kMaxListedNames, " more");
  }
  return absl::NotFoundError(absl::StrCat("no ", side.tensor, " named ", Quoted(name), "; the ",
                                          side.message, " has ", side.tensor, "s ", available));
}

// The message-wide rules for raw contents: one entry per tensor (the pairing is positional, so
// any other count makes it ambiguous), and no typed contents anywhere.
template <typename Tensor>
absl::Status CheckRawLayout(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                            const google::protobuf::RepeatedPtrField<std::string>& raw,
                            const Side& side) {
  if (raw.size() != tensors.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        side.raw_field, " has ", raw.size(), " entries for ", tensors.size(), " ", side.tensor,
        "s; raw entries pair with ", side.tensor, "s by position, so there must be one each"));
  }
  for (int i = 0; i < tensors.size(); ++i) {
    if (HasTypedValues(tensors[i].contents())) {
      return absl::InvalidArgumentError(
          absl::StrCat(side.tensor, " ", Quoted(tensors[i].name()), " (position ", i,
                       ") has typed contents although the ", side.message, " uses ", side.raw_field,
                       "; the protocol allows one or the other"));
    }
  }
  return absl::OkStatus();
}

template <typename Tensor>
absl::Status DecodeTensor(const Tensor& tensor, const std::string* raw, TensorValues* out) {
  ASSIGN_OR_RETURN(const DataType type, ParseDataType(tensor.datatype()));
  ASSIGN_OR_RETURN(const uint64_t count, ElementCount(tensor.shape()));
  if (raw != nullptr) return DecodeRawContents(type, *raw, count, &out->values);
  return DecodeTypedContents(type, tensor.contents(), count, &out->values);
}

template <typename Tensor>
absl::StatusOr<TensorValues> Extract(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                                     const google::protobuf::RepeatedPtrField<std::string>& raw,
                                     absl::string_view name, const Side& side) {
  ASSIGN_OR_RETURN(const int index, FindTensor(tensors, name, side));
  const Tensor& tensor = tensors[index];
  if (!raw.empty()) RETURN_IF_ERROR(CheckRawLayout(tensors, raw, side));

  TensorValues result;
  if (absl::Status status = DecodeTensor(tensor, raw.empty() ? nullptr : &raw[index], &result);
      !status.ok()) {
    return WithPrefix(status, absl::StrCat(side.tensor, " ", Quoted(tensor.name()), ": "));
  }
  result.name = tensor.name();
  result.datatype = tensor.datatype();
  result.shape.assign(tensor.shape().begin(), tensor.shape().end());
  return result;
}

}  // namespace

absl::StatusOr<TensorValues> ExtractOutput(const inference::ModelInferResponse& response,
                                           absl::string_view name) {
  return Extract(response.outputs(), response.raw_output_contents(), name, kOutputs);
}

absl::StatusOr<TensorValues> ExtractInput(const inference::ModelInferRequest& request,
                                          absl::string_view name) {
  return Extract(request.inputs(), request.raw_input_contents(), name, kInputs);
}

}  // namespace modelgate::payload

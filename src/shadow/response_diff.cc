// DiffInferResponses: parse, pair outputs by name and occurrence, then walk each pair through
// datatype, shape, decoding and values, stopping at the first difference that makes the next
// step meaningless.
#include "shadow/response_diff.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "payload/parse_cord.h"
#include "payload/tensor_shape.h"
#include "shadow/argmax.h"
#include "shadow/compare_values.h"
#include "shadow/tensor_data.h"

namespace modelgate::shadow {
namespace {

using inference::ModelInferResponse;

// Carries the unparsable side(s) on the status, so callers need not parse the message text.
constexpr absl::string_view kSidesPayload = "modelgate.shadow/unparsable_sides";

bool Listed(const std::vector<std::string>& names, absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::Status Unparsable(const absl::Status& primary, const absl::Status& shadow) {
  std::string message;
  std::string sides;
  if (!primary.ok()) {
    absl::StrAppend(&message, "primary response: ", primary.message());
    sides = "primary";
  }
  if (!shadow.ok()) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", "shadow response: ", shadow.message());
    absl::StrAppend(&sides, sides.empty() ? "" : ",", "shadow");
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kSidesPayload, absl::Cord(sides));
  return status;
}

void CompareArgmaxIfAsked(const TensorData& primary, const TensorData& shadow,
                          const ModelInferResponse::InferOutputTensor& tensor,
                          const CompareSettings& settings, TensorDiff* diff) {
  if (!Listed(settings.argmax_outputs, tensor.name())) return;
  if (std::optional<ArgmaxAgreement> a = CompareArgmax(primary, shadow, tensor.shape())) {
    diff->argmax = true;
    diff->argmax_rows = a->rows;
    diff->argmax_rows_agreeing = a->agreeing;
  }
}

TensorDiff DiffTensor(const ModelInferResponse& primary, int p, const ModelInferResponse& shadow,
                      int s, const CompareSettings& settings) {
  const auto& pt = primary.outputs(p);
  const auto& st = shadow.outputs(s);
  TensorDiff diff;
  diff.name = pt.name();
  diff.datatype = pt.datatype();
  if (pt.datatype() != st.datatype()) {
    diff.kind = TensorDiffKind::kDatatypeMismatch;
    diff.detail = absl::StrCat("datatype ", absl::CEscape(pt.datatype()), " vs ",
                               absl::CEscape(st.datatype()));
    return diff;
  }
  if (!std::equal(pt.shape().begin(), pt.shape().end(), st.shape().begin(), st.shape().end())) {
    diff.kind = TensorDiffKind::kShapeMismatch;
    diff.detail = absl::StrCat("shape ", payload::ShapeString(pt.shape()), " vs ",
                               payload::ShapeString(st.shape()));
    return diff;
  }
  absl::StatusOr<TensorData> pd = DecodeOutput(primary, p);
  absl::StatusOr<TensorData> sd = DecodeOutput(shadow, s);
  if (!pd.ok() || !sd.ok()) {
    diff.kind = TensorDiffKind::kUndecodable;
    if (!pd.ok()) absl::StrAppend(&diff.detail, "primary: ", pd.status().message());
    if (!sd.ok()) {
      absl::StrAppend(&diff.detail, diff.detail.empty() ? "" : "; ",
                      "shadow: ", sd.status().message());
    }
    return diff;
  }
  CompareValues(*pd, *sd, pt.datatype(), settings, &diff);
  CompareArgmaxIfAsked(*pd, *sd, pt, settings, &diff);
  return diff;
}

// Output `index` of a response whose bytes equal the other side's: compared with itself, so the
// counts are those of any equal pair.
TensorDiff DiffWithItself(const ModelInferResponse& response, int index,
                          const CompareSettings& settings) {
  const auto& tensor = response.outputs(index);
  TensorDiff diff;
  diff.name = tensor.name();
  diff.datatype = tensor.datatype();
  absl::StatusOr<TensorData> data = DecodeOutput(response, index);
  if (!data.ok()) {  // still kEqual: identical bytes cannot differ
    diff.detail = absl::StrCat("byte-identical, but not decodable: ", data.status().message());
    return diff;
  }
  CompareValues(*data, *data, tensor.datatype(), settings, &diff);
  CompareArgmaxIfAsked(*data, *data, tensor, settings, &diff);
  return diff;
}

}  // namespace

bool ResponseDiff::Differs() const {
  if (bytes_equal) return false;
  if (!decoded) return true;
  return std::any_of(tensors.begin(), tensors.end(),
                     [](const TensorDiff& t) { return !t.Agrees(); });
}

ResponseDiff DiffBytes(const absl::Cord& primary, const absl::Cord& shadow) {
  ResponseDiff diff;
  diff.bytes_equal = primary == shadow;
  return diff;
}

ResponseDiff DiffParsedResponses(const ModelInferResponse& primary,
                                 const ModelInferResponse& shadow,
                                 const CompareSettings& settings) {
  ResponseDiff diff;
  diff.decoded = true;
  // Shadow outputs by name, in order; `next` is how many of each name are already paired.
  absl::flat_hash_map<absl::string_view, std::vector<int>> shadow_by_name;
  for (int i = 0; i < shadow.outputs_size(); ++i) {
    shadow_by_name[shadow.outputs(i).name()].push_back(i);
  }
  absl::flat_hash_map<absl::string_view, size_t> next;
  std::vector<bool> paired(static_cast<size_t>(shadow.outputs_size()), false);
  for (int p = 0; p < primary.outputs_size(); ++p) {
    const auto& tensor = primary.outputs(p);
    if (Listed(settings.ignore_outputs, tensor.name())) continue;
    const size_t occurrence = next[tensor.name()]++;
    auto it = shadow_by_name.find(tensor.name());
    if (it == shadow_by_name.end() || occurrence >= it->second.size()) {
      TensorDiff missing;
      missing.name = tensor.name();
      missing.datatype = tensor.datatype();
      missing.kind = TensorDiffKind::kMissingInShadow;
      diff.tensors.push_back(std::move(missing));
      continue;
    }
    const int s = it->second[occurrence];
    paired[static_cast<size_t>(s)] = true;
    diff.tensors.push_back(DiffTensor(primary, p, shadow, s, settings));
  }
  for (int s = 0; s < shadow.outputs_size(); ++s) {
    const auto& tensor = shadow.outputs(s);
    if (paired[static_cast<size_t>(s)] || Listed(settings.ignore_outputs, tensor.name())) continue;
    TensorDiff extra;
    extra.name = tensor.name();
    extra.datatype = tensor.datatype();
    extra.kind = TensorDiffKind::kExtraInShadow;
    diff.tensors.push_back(std::move(extra));
  }
  return diff;
}

absl::StatusOr<ResponseDiff> DiffInferResponses(const absl::Cord& primary, const absl::Cord& shadow,
                                                const CompareSettings& settings) {
  ModelInferResponse p;
  if (primary == shadow) {
    if (absl::Status status = payload::ParseCord(primary, &p); !status.ok()) {
      return Unparsable(status, status);  // identical bytes: the shadow fails alike
    }
    ResponseDiff diff;
    diff.bytes_equal = true;
    diff.decoded = true;
    for (int i = 0; i < p.outputs_size(); ++i) {
      if (Listed(settings.ignore_outputs, p.outputs(i).name())) continue;
      diff.tensors.push_back(DiffWithItself(p, i, settings));
    }
    return diff;
  }
  ModelInferResponse s;
  const absl::Status primary_status = payload::ParseCord(primary, &p);
  const absl::Status shadow_status = payload::ParseCord(shadow, &s);
  if (!primary_status.ok() || !shadow_status.ok()) {
    return Unparsable(primary_status, shadow_status);
  }
  return DiffParsedResponses(p, s, settings);
}

UnparsableSides UnparsableSidesOf(const absl::Status& status) {
  UnparsableSides sides;
  const auto payload = status.GetPayload(kSidesPayload);  // absl::optional in this Abseil
  if (!payload.has_value()) return sides;
  const std::string text(*payload);
  sides.primary = text.find("primary") != std::string::npos;
  sides.shadow = text.find("shadow") != std::string::npos;
  return sides;
}

}  // namespace modelgate::shadow

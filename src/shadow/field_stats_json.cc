// FieldStats::ToJson: the schema documented in field_stats.h. Every number goes through
// Number(), so a rate that cannot be computed, or a non-finite value, becomes null rather than
// something JSON cannot hold.
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "shadow/field_stats.h"

namespace modelgate::shadow {
namespace {

using nlohmann::json;

json Number(std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return nullptr;
  return *value;
}

// Tensor names and details come from the wire; dump() throws on invalid UTF-8, so replace it
// here, once, instead of making every consumer choose an error handler.
std::string ValidUtf8(const std::string& text) {
  return json::parse(json(text).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

json Row(const DifferenceCounts& counts, const NoiseVerdict& verdict) {
  return {
      {"compared", counts.compared},
      {"differing", counts.differing},
      {"reference_compared", counts.reference_compared},
      {"reference_differing", counts.reference_differing},
      {"raw_difference_rate", Number(verdict.raw_rate)},
      {"noise_difference_rate", Number(verdict.noise_rate)},
      {"adjusted_difference_rate", Number(verdict.adjusted_rate)},
      {"noise_status", std::string(NoiseStatusName(verdict.status))},
      {"real", verdict.real.has_value() ? json(*verdict.real) : json(nullptr)},
  };
}

json Errors(const ErrorSummary& errors) {
  return {
      {"max", Number(errors.max())},
      {"mean", Number(errors.mean())},
      {"p50", Number(errors.PairMaxQuantile(0.5))},
      {"p99", Number(errors.PairMaxQuantile(0.99))},
      {"pairs", errors.pairs()},
  };
}

json Sample(const std::optional<FieldSample>& sample) {
  if (!sample.has_value()) return nullptr;
  json out = {{"kind", std::string(KindName(sample->kind))},
              {"detail", ValidUtf8(sample->detail)},
              {"index", nullptr},
              {"primary", nullptr},
              {"shadow", nullptr}};
  if (sample->element.has_value()) {
    out["index"] = sample->element->index;
    out["primary"] = ValidUtf8(sample->element->primary);
    out["shadow"] = ValidUtf8(sample->element->shadow);
  }
  return out;
}

json Field(const FieldRecord& field, const NoiseVerdict& verdict) {
  json out = Row(field.counts(), verdict);
  out["field"] = ValidUtf8(field.name());
  json kinds = json::object();
  for (int k = 0; k < kTensorDiffKindCount; ++k) {
    const auto kind = static_cast<TensorDiffKind>(k);
    kinds[std::string(KindName(kind))] = field.kind_count(kind);
  }
  out["kinds"] = std::move(kinds);
  out["elements"] = field.elements();
  out["elements_within_tolerance"] = field.elements_within_tolerance();
  out["within_tolerance_rate"] = Number(field.within_tolerance_rate());
  out["abs_error"] = Errors(field.abs_error());
  out["rel_error"] = Errors(field.rel_error());
  out["argmax_rows"] = field.argmax_rows();
  out["argmax_agreement_rate"] = Number(field.argmax_agreement_rate());
  out["last_difference"] = Sample(field.last_difference());
  return out;
}

}  // namespace

json FieldStats::ToJson() const {
  json fields = json::array();
  for (const FieldRecord& field : fields_) fields.push_back(Field(field, Verdict(field)));
  std::optional<double> bytes_equal_rate;
  if (compared() > 0) {
    bytes_equal_rate = static_cast<double>(bytes_equal_) / static_cast<double>(compared());
  }
  return {
      {"pairs", pairs_},
      {"compared", compared()},
      {"bytes_equal", bytes_equal_},
      {"bytes_equal_rate", Number(bytes_equal_rate)},
      {"decode_errors",
       {{"primary", primary_decode_errors_},
        {"shadow", shadow_decode_errors_},
        {"reference", reference_decode_errors_}}},
      {"response", Row(response_, ResponseVerdict())},
      {"fields", std::move(fields)},
      {"overflow_tensor_diffs", overflow_tensor_diffs_},
      {"max_fields", settings_.max_fields},
      {"noise_settings",
       {{"absolute_threshold", settings_.noise.absolute_threshold},
        {"relative_threshold", settings_.noise.relative_threshold},
        {"min_samples", settings_.noise.min_samples}}},
  };
}

}  // namespace modelgate::shadow

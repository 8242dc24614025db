// FieldStats accumulation; the JSON rendering lives in field_stats_json.cc.
#include "shadow/field_stats.h"

#include "absl/strings/str_cat.h"

namespace modelgate::shadow {

absl::Status ValidateFieldStatsSettings(const FieldStatsSettings& settings) {
  if (absl::Status s = ValidateNoiseSettings(settings.noise); !s.ok()) return s;
  if (settings.max_fields < 1 || settings.max_fields > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_fields must be in 1..4096, got ", settings.max_fields));
  }
  return absl::OkStatus();
}

FieldStats::FieldStats() : FieldStats(FieldStatsSettings{}) {}

absl::StatusOr<FieldStats> FieldStats::Create(const FieldStatsSettings& settings) {
  if (absl::Status s = ValidateFieldStatsSettings(settings); !s.ok()) return s;
  return FieldStats(settings);
}

FieldRecord* FieldStats::FindOrCreate(const std::string& name) {
  if (auto it = index_.find(name); it != index_.end()) return &fields_[it->second];
  if (name.size() > kMaxFieldNameBytes ||
      fields_.size() >= static_cast<size_t>(settings_.max_fields)) {
    return nullptr;
  }
  index_.emplace(name, fields_.size());
  fields_.emplace_back(name);
  return &fields_.back();
}

const FieldRecord* FieldStats::Find(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &fields_[it->second];
}

void FieldStats::Add(const ResponseDiff& shadow_vs_primary,
                     const ResponseDiff* reference_vs_primary) {
  ++pairs_;
  ++response_.compared;
  if (shadow_vs_primary.bytes_equal) ++bytes_equal_;
  if (shadow_vs_primary.Differs()) ++response_.differing;
  for (const TensorDiff& diff : shadow_vs_primary.tensors) {
    if (FieldRecord* field = FindOrCreate(diff.name)) {
      field->AddShadow(diff);
    } else {
      ++overflow_tensor_diffs_;
    }
  }
  if (reference_vs_primary == nullptr) return;
  ++response_.reference_compared;
  if (reference_vs_primary->Differs()) ++response_.reference_differing;
  for (const TensorDiff& diff : reference_vs_primary->tensors) {
    if (auto it = index_.find(diff.name); it != index_.end()) {
      fields_[it->second].AddReference(diff);
    }
  }
}

void FieldStats::AddUnparsable(const UnparsableSides& sides) {
  ++pairs_;
  if (sides.primary) ++primary_decode_errors_;
  if (sides.shadow) ++shadow_decode_errors_;
}

void FieldStats::AddReferenceUnparsable() { ++reference_decode_errors_; }

}  // namespace modelgate::shadow

// FieldStats: the running comparison of one (route, shadow) pair, fed one ResponseDiff per
// sampled request by the monitor thread: per-field difference rates with Diffy-style noise
// cancellation against an optional noise reference, element agreement, error statistics and
// argmax agreement, plus a whole-response summary. Memory is bounded: at most
// FieldStatsSettings::max_fields fields are tracked (first come, first served); tensor diffs of
// further fields, and of names longer than kMaxFieldNameBytes, are only counted.
//
// Thread-compatible: one writer (the monitor thread); readers copy or serialize on that thread.
//
// ToJson() schema (numbers that cannot be computed are null, never NaN or infinity):
// {
//   "pairs": int,              // samples: Add() + AddUnparsable() calls
//   "compared": int,           // samples whose shadow-vs-primary diff exists (Add() calls)
//   "bytes_equal": int,        // of those, byte-identical responses
//   "bytes_equal_rate": num|null,          // bytes_equal / compared
//   "decode_errors": {"primary": int, "shadow": int, "reference": int},
//   "response": ROW,           // whole responses: a pair differs per ResponseDiff::Differs()
//   "fields": [                // in order of first appearance
//     ROW + {
//       "field": string,       // output tensor name (invalid UTF-8 replaced by U+FFFD)
//       "kinds": {"equal": int, "within_tolerance": int, "value_mismatch": int,
//                 "shape_mismatch": int, "datatype_mismatch": int, "missing_in_shadow": int,
//                 "extra_in_shadow": int, "undecodable": int},
//       "elements": int, "elements_within_tolerance": int,
//       "within_tolerance_rate": num|null,
//       "abs_error": ERR, "rel_error": ERR,
//       "argmax_rows": int, "argmax_agreement_rate": num|null,   // null: not an argmax output
//       "last_difference": null | {"kind": string, "detail": string,
//                                  "index": int|null, "primary": string|null,
//                                  "shadow": string|null}
//     }
//   ],
//   "overflow_tensor_diffs": int,  // shadow tensor diffs not tracked (field cap, long names)
//   "max_fields": int,
//   "noise_settings": {"absolute_threshold": num, "relative_threshold": num,
//                      "min_samples": int}
// }
// ROW = {"compared": int, "differing": int,               // shadow vs primary
//        "reference_compared": int, "reference_differing": int,   // reference vs primary
//        "raw_difference_rate": num|null,       // differing / compared
//        "noise_difference_rate": num|null,     // null without reference comparisons
//        "adjusted_difference_rate": num|null,  // max(0, raw - noise); raw without noise
//        "noise_status": "no_data" | "no_difference" | "no_reference" | "insufficient_data"
//                        | "within_noise" | "real",     // see NoiseStatus
//        "real": bool|null}                     // null while insufficient_data
// ERR = {"max": num|null, "mean": num|null,      // mean over elements
//        "p50": num|null, "p99": num|null,       // quantiles of the per-pair maximum
//        "pairs": int}                           // pairs that contributed
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"
#include "shadow/field_record.h"
#include "shadow/noise_verdict.h"
#include "shadow/response_diff.h"

namespace modelgate::shadow {

struct FieldStatsSettings {
  NoiseSettings noise;
  // Distinct fields tracked; a model has a handful of outputs, so 64 only bites on a backend
  // that invents names (which must not grow memory).
  int max_fields = 64;
};

// InvalidArgument for invalid noise settings or max_fields outside 1..4096.
absl::Status ValidateFieldStatsSettings(const FieldStatsSettings& settings);

class FieldStats {
 public:
  static constexpr size_t kMaxFieldNameBytes = 256;

  // Default settings (valid by construction).
  FieldStats();
  static absl::StatusOr<FieldStats> Create(const FieldStatsSettings& settings);

  // One sample: the shadow's diff against the primary, and, when the request was also sent to
  // the noise reference, the reference's diff against the primary (else null). Reference diffs
  // only update fields the shadow diffs have already introduced.
  void Add(const ResponseDiff& shadow_vs_primary, const ResponseDiff* reference_vs_primary);
  // A sample whose shadow-vs-primary diff failed (DiffInferResponses's error): counted in pairs
  // and decode_errors; no field changes.
  void AddUnparsable(const UnparsableSides& sides);
  // The reference's response of a sample did not parse (that sample is Add()ed without a
  // reference): counted in decode_errors.reference only.
  void AddReferenceUnparsable();

  int64_t pairs() const { return pairs_; }
  int64_t compared() const { return response_.compared; }
  int64_t bytes_equal() const { return bytes_equal_; }
  int64_t primary_decode_errors() const { return primary_decode_errors_; }
  int64_t shadow_decode_errors() const { return shadow_decode_errors_; }
  int64_t reference_decode_errors() const { return reference_decode_errors_; }
  int64_t overflow_tensor_diffs() const { return overflow_tensor_diffs_; }

  // Whole-response counts and their verdict.
  const DifferenceCounts& response_counts() const { return response_; }
  NoiseVerdict ResponseVerdict() const { return JudgeNoise(response_, settings_.noise); }

  // Tracked fields in order of first appearance; Find() is nullptr for an untracked name.
  absl::Span<const FieldRecord> fields() const { return fields_; }
  const FieldRecord* Find(absl::string_view name) const;
  // Raw, noise and adjusted difference rates, status and realness of one field.
  NoiseVerdict Verdict(const FieldRecord& field) const {
    return JudgeNoise(field.counts(), settings_.noise);
  }

  const FieldStatsSettings& settings() const { return settings_; }

  nlohmann::json ToJson() const;

 private:
  explicit FieldStats(const FieldStatsSettings& settings) : settings_(settings) {}

  // The record for `name`, created if there is room; nullptr otherwise.
  FieldRecord* FindOrCreate(const std::string& name);

  FieldStatsSettings settings_;
  std::vector<FieldRecord> fields_;
  absl::flat_hash_map<std::string, size_t> index_;
  DifferenceCounts response_;
  int64_t pairs_ = 0;
  int64_t bytes_equal_ = 0;
  int64_t primary_decode_errors_ = 0;
  int64_t shadow_decode_errors_ = 0;
  int64_t reference_decode_errors_ = 0;
  int64_t overflow_tensor_diffs_ = 0;
};

}  // namespace modelgate::shadow

// Diffy-style noise cancellation for shadow comparisons. A field that differs between two runs
// of the *same* primary model (the noise reference: a second instance of the legacy, sent the
// same request) cannot be blamed on the shadow: random seeds, timestamps, sampling. The rate at
// which the reference differs from the primary estimates that noise, and only the excess of the
// shadow's difference rate over it counts.
//
// The idea is Twitter's Diffy (primary / secondary / candidate), but not its exact rule: Diffy
// (analysis/JoinedDifferences.scala) compares counts in *percent*, absolute = |raw - noise| /
// total * 100 > 0.03 and relative = |raw - noise| / (raw + noise) * 100 > 20. The rule here,
// on rates in [0, 1], is the one modelgate's issue 10 specifies (see NoiseSettings); its
// absolute default of 0.03 is 3 percentage points, a hundred times Diffy's.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace modelgate::shadow {

struct NoiseSettings {
  // A field is a real difference when raw - noise > absolute_threshold AND (noise == 0 OR
  // raw / noise > 1 + relative_threshold): the excess must be large in absolute terms and
  // large relative to the noise itself.
  double absolute_threshold = 0.03;
  double relative_threshold = 0.2;
  // Reference comparisons a field needs before its noise rate is trusted.
  int64_t min_samples = 20;
};

// InvalidArgument for negative or non-finite thresholds or min_samples < 1.
absl::Status ValidateNoiseSettings(const NoiseSettings& settings);

// Checked in this order; the first that applies wins.
enum class NoiseStatus {
  kNoData,            // "no_data": nothing compared yet
  kNoDifference,      // "no_difference": the shadow never differed; nothing to explain
  kNoReference,       // "no_reference": no reference comparisons for this field; every
                      //   difference is taken as real
  kInsufficientData,  // "insufficient_data": fewer than min_samples reference comparisons;
                      //   undecided
  kWithinNoise,       // "within_noise": the shadow differs, but not beyond the thresholds
  kReal,              // "real": the shadow differs beyond the noise
};

absl::string_view NoiseStatusName(NoiseStatus status);

// Counts behind one verdict: shadow-vs-primary comparisons, and reference-vs-primary ones over
// the samples that had a reference.
struct DifferenceCounts {
  int64_t compared = 0;
  int64_t differing = 0;
  int64_t reference_compared = 0;
  int64_t reference_differing = 0;
};

struct NoiseVerdict {
  // differing / compared; nullopt when nothing was compared.
  std::optional<double> raw_rate;
  // reference_differing / reference_compared; nullopt without reference comparisons.
  std::optional<double> noise_rate;
  // max(0, raw - noise); equal to raw_rate when there is no noise estimate (nothing to subtract).
  std::optional<double> adjusted_rate;
  NoiseStatus status = NoiseStatus::kNoData;
  // Whether the difference is real; nullopt when undecided (kInsufficientData). Without data or
  // differences: false. Without a reference: raw > 0.
  std::optional<bool> real;
};

NoiseVerdict JudgeNoise(const DifferenceCounts& counts, const NoiseSettings& settings);

}  // namespace modelgate::shadow

// JudgeNoise: the rates, then the status in the documented order.
#include "shadow/noise_verdict.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace modelgate::shadow {

absl::Status ValidateNoiseSettings(const NoiseSettings& settings) {
  if (!(std::isfinite(settings.absolute_threshold) && settings.absolute_threshold >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "absolute_threshold must be a finite number >= 0, got ", settings.absolute_threshold));
  }
  if (!(std::isfinite(settings.relative_threshold) && settings.relative_threshold >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relative_threshold must be a finite number >= 0, got ", settings.relative_threshold));
  }
  if (settings.min_samples < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_samples must be at least 1, got ", settings.min_samples));
  }
  return absl::OkStatus();
}

absl::string_view NoiseStatusName(NoiseStatus status) {
  switch (status) {
    case NoiseStatus::kNoData:
      return "no_data";
    case NoiseStatus::kNoDifference:
      return "no_difference";
    case NoiseStatus::kNoReference:
      return "no_reference";
    case NoiseStatus::kInsufficientData:
      return "insufficient_data";
    case NoiseStatus::kWithinNoise:
      return "within_noise";
    case NoiseStatus::kReal:
      return "real";
  }
  return "unknown";
}

NoiseVerdict JudgeNoise(const DifferenceCounts& counts, const NoiseSettings& settings) {
  NoiseVerdict v;
  if (counts.compared > 0) {
    v.raw_rate = static_cast<double>(counts.differing) / static_cast<double>(counts.compared);
  }
  if (counts.reference_compared > 0) {
    v.noise_rate = static_cast<double>(counts.reference_differing) /
                   static_cast<double>(counts.reference_compared);
  }
  if (v.raw_rate.has_value()) {
    v.adjusted_rate =
        v.noise_rate.has_value() ? std::max(0.0, *v.raw_rate - *v.noise_rate) : *v.raw_rate;
  }

  if (!v.raw_rate.has_value()) {
    v.status = NoiseStatus::kNoData;
    v.real = false;
  } else if (counts.differing == 0) {
    v.status = NoiseStatus::kNoDifference;
    v.real = false;
  } else if (!v.noise_rate.has_value()) {
    v.status = NoiseStatus::kNoReference;
    v.real = true;
  } else if (counts.reference_compared < settings.min_samples) {
    v.status = NoiseStatus::kInsufficientData;
    v.real = std::nullopt;
  } else {
    const double raw = *v.raw_rate;
    const double noise = *v.noise_rate;
    const bool real = raw - noise > settings.absolute_threshold &&
                      (noise == 0 || raw / noise > 1 + settings.relative_threshold);
    v.status = real ? NoiseStatus::kReal : NoiseStatus::kWithinNoise;
    v.real = real;
  }
  return v;
}

}  // namespace modelgate::shadow

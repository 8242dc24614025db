// User traits and the cascade scan; see click_model.h.
#include "tools/clicksim/click_model.h"

#include <algorithm>

namespace modelgate::clicksim {

UserTraits DrawUserTraits(const ActivityOptions& options, SplitMix64& rng, int max_impressions) {
  BitSource bits(rng);
  UserTraits traits;
  // Propensity first, so that a user's propensity does not depend on the activity settings.
  std::gamma_distribution<double> propensity(options.propensity_shape,
                                             1.0 / options.propensity_shape);
  traits.propensity = propensity(bits);
  const double extra_mean = options.mean_impressions - 1.0;
  if (extra_mean > 0) {
    // Gamma-Poisson mixture: the rate is the user's, the count given the rate is Poisson.
    std::gamma_distribution<double> rate(options.activity_shape,
                                         extra_mean / options.activity_shape);
    const double lambda = rate(bits);
    int64_t extra = 0;
    if (lambda > 0) extra = std::poisson_distribution<int64_t>(lambda)(bits);
    traits.impressions = static_cast<int>(std::min<int64_t>(1 + extra, max_impressions));
  }
  return traits;
}

void DrawScan(int page_size, SplitMix64& rng, std::vector<double>& draws) {
  draws.resize(2 * static_cast<size_t>(std::max(0, page_size)));
  for (double& d : draws) d = rng.Uniform();
}

int Scan(const CascadeOptions& options, absl::Span<const double> shown, double propensity,
         absl::Span<const double> draws, std::vector<uint8_t>& clicked) {
  clicked.assign(shown.size(), 0);
  int clicks = 0;
  const double scale = propensity * options.click_scale;
  for (size_t k = 0; k < shown.size(); ++k) {
    const double p = std::min(1.0, scale * shown[k]);
    const bool click = draws[2 * k] < p;
    if (click) {
      clicked[k] = 1;
      ++clicks;
    }
    const double go_on = click ? options.continue_after_click : options.continue_after_skip;
    if (draws[2 * k + 1] >= go_on) break;
  }
  return clicks;
}

double ExaminationProbability(const CascadeOptions& options,
                              absl::Span<const double> click_probability, int k) {
  double examined = 1.0;
  for (int j = 0; j < k && j < static_cast<int>(click_probability.size()); ++j) {
    const double p = click_probability[j];
    examined *= p * options.continue_after_click + (1.0 - p) * options.continue_after_skip;
  }
  return examined;
}

}  // namespace modelgate::clicksim

// modelgate-interleave-power: measures, on simulated users with a position-biased cascade click
// model, how many users interleaving and an A/B test on click-through rate each need for 80%
// power, over a grid of user heterogeneity and ranker quality gaps, plus both designs' A/A
// false-positive rates. Prints a markdown report (the model's parameters included) on stdout and
// progress on stderr. Single-threaded and seeded: the same flags print the same tables.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/process_setup.h"
#include "tools/clicksim/power_sweep.h"
#include "tools/common/flags.h"

namespace {

// "0.5,1,4" -> {0.5, 1, 4}; false on an empty list or a malformed or non-positive number.
bool ParseList(const std::string& text, std::vector<double>& out) {
  out.clear();
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    double v = 0;
    if (!absl::SimpleAtod(part, &v) || !(v > 0)) return false;
    out.push_back(v);
  }
  return !out.empty();
}

}  // namespace

int main(int argc, char** argv) {
  modelgate::SetUpProcess();
  using namespace modelgate::clicksim;  // NOLINT: main only wires things together.
  using modelgate::tools::FlagSet;
  SweepOptions o;
  SimulationOptions& s = o.simulation;
  bool quick = false;
  int64_t seed = 1, items = s.world.num_items, world_seed = 1, page_size = s.page_size;
  int64_t pool_users = o.pool_users, replicates = o.search.replicates;
  int64_t coarse_replicates = o.search.coarse_replicates;
  int64_t aa_users = o.aa_users, aa_replicates = o.aa_replicates;
  std::string shapes = "0.5,1,4", ratios = "0.9,0.8,0.6";

  FlagSet flags("modelgate-interleave-power",
                "Usage: modelgate-interleave-power [--quick] [--seed N] [flags]\n"
                "Users needed for 80% power: Team-Draft interleaving vs an A/B test on "
                "click-through rate, on simulated users (src/tools/clicksim). Markdown on stdout.");
  flags.Add("quick", &quick,
            "CI-sized run: smaller pool and fewer replicates (same model; noisier numbers).");
  flags.Add("seed", &seed, "Seed of the pool, the replicates and the A/A runs.");
  flags.Add("activity_shapes", &shapes,
            "Comma-separated Gamma shapes k of the users' activity (smaller = more unequal).");
  flags.Add("noise_ratios", &ratios,
            "Comma-separated challenger noise / control noise (below 1 = better challenger).");
  flags.Add("noise_control", &o.noise_control, "The control ranker's noise.");
  flags.Add("items", &items, "Items in the world.");
  flags.Add("world_seed", &world_seed, "Seed of the true relevances.");
  flags.Add("affinity_exponent", &s.world.affinity_exponent, "aff = U^this.");
  flags.Add("popularity_exponent", &s.world.popularity_exponent, "pop = U^this.");
  flags.Add("page_size", &page_size, "Items per shown page (and per ranker list).");
  flags.Add("mean_impressions", &s.activity.mean_impressions, "Mean impressions per user (>= 1).");
  flags.Add("propensity_shape", &s.activity.propensity_shape,
            "Gamma shape of the per-user click propensity (mean 1).");
  flags.Add("click_scale", &s.cascade.click_scale,
            "Click probability of an examined item = min(1, propensity * click_scale * rel).");
  flags.Add("continue_after_skip", &s.cascade.continue_after_skip,
            "Cascade gamma: probability to look further after not clicking.");
  flags.Add("continue_after_click", &s.cascade.continue_after_click,
            "Cascade lambda: probability to look further after a click.");
  flags.Add("pool_users", &pool_users, "Simulated users per activity shape (bootstrap pool).");
  flags.Add("replicates", &replicates, "Replicate experiments per point of the fine grid.");
  flags.Add("coarse_replicates", &coarse_replicates,
            "Replicate experiments per point of the doubling search.");
  flags.Add("aa_users", &aa_users, "Users per A/A experiment.");
  flags.Add("aa_replicates", &aa_replicates, "A/A experiments per activity shape and ranker pair.");
  flags.Add("alpha", &o.alpha, "Significance level of every test.");
  if (int rc = modelgate::tools::HandleParseResult(flags, flags.Parse(argc, argv)); rc >= 0) {
    return rc;
  }
  if (!ParseList(shapes, o.activity_shapes)) {
    return modelgate::tools::UsageError(flags, "--activity_shapes: positive numbers, e.g. 0.5,1,4");
  }
  if (!ParseList(ratios, o.noise_ratios)) {
    return modelgate::tools::UsageError(flags, "--noise_ratios: positive numbers, e.g. 0.9,0.8");
  }
  if (quick) {
    pool_users = std::min<int64_t>(pool_users, 4000);
    replicates = std::min<int64_t>(replicates, 60);
    coarse_replicates = std::min<int64_t>(coarse_replicates, 20);
    aa_users = std::min<int64_t>(aa_users, 200);
    aa_replicates = std::min<int64_t>(aa_replicates, 60);
  }
  if (items < 1 || items > 1000000) return modelgate::tools::UsageError(flags, "--items: 1..1e6");
  if (page_size < 1 || page_size > 100) {
    return modelgate::tools::UsageError(flags, "--page_size: 1..100");
  }
  if (!(s.activity.mean_impressions >= 1) || !(s.activity.propensity_shape > 0) ||
      !(s.cascade.click_scale >= 0) || !(s.cascade.continue_after_skip >= 0) ||
      !(s.cascade.continue_after_skip <= 1) || !(s.cascade.continue_after_click >= 0) ||
      !(s.cascade.continue_after_click <= 1) || !(o.noise_control >= 0) ||
      !(s.world.affinity_exponent > 0) || !(s.world.popularity_exponent > 0)) {
    return modelgate::tools::UsageError(flags, "a model parameter is out of range");
  }
  if (pool_users < 10 || replicates < 10 || coarse_replicates < 5 || aa_users < 10 ||
      aa_replicates < 1 || !(o.alpha > 0 && o.alpha < 1)) {
    return modelgate::tools::UsageError(flags, "a sample-size setting is out of range");
  }
  s.world.num_items = static_cast<int>(items);
  s.world.seed = static_cast<uint64_t>(world_seed);
  s.page_size = static_cast<int>(page_size);
  o.seed = static_cast<uint64_t>(seed);
  o.pool_users = pool_users;
  o.search.replicates = static_cast<int>(replicates);
  o.search.coarse_replicates = static_cast<int>(coarse_replicates);
  o.aa_users = aa_users;
  o.aa_replicates = static_cast<int>(aa_replicates);
  o.preference.alpha = o.alpha;

  const SweepResult result =
      RunSweep(o, [](const std::string& line) { std::cerr << line << std::endl; });
  std::cout << FormatSweep(o, result) << std::flush;
  return 0;
}

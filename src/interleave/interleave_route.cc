// Merging and feedback of one interleaving route; see interleave_route.h.
#include "interleave/interleave_route.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "interleave/oip_list.h"
#include "interleave/recommend_list.h"
#include "interleave/team_draft.h"

namespace modelgate::interleave {
namespace {

constexpr char kImpressionHeader[] = "x-modelgate-impression";

absl::StatusOr<std::unique_ptr<ListFormat>> FormatOf(const InterleaveSpec& spec) {
  if (spec.payload == "recommend") return MakeRecommendListFormat();
  return MakeOipListFormat(OipListOptions{spec.items_tensor, spec.aligned_tensors});
}

// "win:<name>" for the ranker with strictly the most credited clicks, else "tie".
std::string OutcomeName(const std::vector<int>& credits, const std::vector<std::string>& names) {
  int best = -1;
  bool shared = false;
  for (size_t r = 0; r < credits.size(); ++r) {
    if (best < 0 || credits[r] > credits[best]) {
      best = static_cast<int>(r);
      shared = false;
    } else if (credits[r] == credits[best]) {
      shared = true;
    }
  }
  if (best < 0 || shared) return "tie";
  return absl::StrCat("win:", names[best]);
}

}  // namespace

absl::StatusOr<std::shared_ptr<InterleaveRoute>> InterleaveRoute::Create(
    const InterleaveSpec& spec, const InterleaveFamilies& f) {
  if (spec.rankers.size() < 2 || spec.rankers.size() > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("route ", spec.route, ": interleaving needs 2 to 32 rankers"));
  }
  absl::StatusOr<std::unique_ptr<ListFormat>> format = FormatOf(spec);
  if (!format.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("route ", spec.route, ": ", format.status().message()));
  }
  PreferenceOptions options;
  options.alpha = spec.alpha;
  options.tau = spec.tau;
  options.burn_in = spec.burn_in;
  absl::StatusOr<PreferenceTracker> tracker =
      PreferenceTracker::Create(static_cast<int>(spec.rankers.size()), options);
  if (!tracker.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("route ", spec.route, ": ", tracker.status().message()));
  }
  return std::shared_ptr<InterleaveRoute>(
      new InterleaveRoute(spec, f, *std::move(format), *std::move(tracker)));
}

InterleaveRoute::InterleaveRoute(const InterleaveSpec& spec, const InterleaveFamilies& f,
                                 std::unique_ptr<ListFormat> format, PreferenceTracker tracker)
    : spec_(spec),
      format_(std::move(format)),
      store_(static_cast<int>(spec.rankers.size()), static_cast<size_t>(spec.max_impressions),
             absl::Seconds(spec.impression_ttl_seconds)),
      impressions_(f.impressions, {{"route", spec.route}}),
      leg_failed_(f.unmerged, {{"route", spec.route}, {"reason", "leg_failed"}}),
      merge_error_(f.unmerged, {{"route", spec.route}, {"reason", "merge_error"}}),
      stored_(f.stored, {{"route", spec.route}}),
      evicted_(f.dropped, {{"route", spec.route}, {"reason", "capacity"}}),
      expired_(f.dropped, {{"route", spec.route}, {"reason", "expired"}}),
      tracker_(std::move(tracker)) {
  const int n = static_cast<int>(spec_.rankers.size());
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      const std::string pair = PairName(a, b);
      PairSeries s{{f.delta, {{"route", spec_.route}, {"pair", pair}}},
                   {f.pvalue, {{"route", spec_.route}, {"pair", pair}}},
                   {telemetry::CounterLease(f.outcomes, {{"route", spec_.route},
                                                         {"pair", pair},
                                                         {"outcome", spec_.rankers[a]}}),
                    telemetry::CounterLease(f.outcomes, {{"route", spec_.route},
                                                         {"pair", pair},
                                                         {"outcome", spec_.rankers[b]}}),
                    telemetry::CounterLease(
                        f.outcomes,
                        {{"route", spec_.route}, {"pair", pair}, {"outcome", "tie"}})}};
      s.pvalue->Set(1);
      pairs_.push_back(std::move(s));
    }
  }
}

std::string InterleaveRoute::PairName(int a, int b) const {
  return absl::StrCat(spec_.rankers[a], ":", spec_.rankers[b]);
}

absl::StatusOr<routing::MergeResult> InterleaveRoute::Merge(
    const std::vector<routing::MergeInput>& inputs, uint64_t key_hash, SplitMix64& rng) const {
  std::vector<std::unique_ptr<DecodedList>> decoded;
  std::vector<std::vector<std::string>> keys;
  decoded.reserve(inputs.size());
  keys.reserve(inputs.size());
  for (const routing::MergeInput& in : inputs) {
    if (in.arm < 0 || in.arm >= static_cast<int>(spec_.rankers.size())) {
      return absl::InternalError(absl::StrCat("merge input from unknown arm ", in.arm));
    }
    absl::StatusOr<std::unique_ptr<DecodedList>> list = format_->Decode(*in.response);
    if (!list.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("ranker ", spec_.rankers[in.arm], ": ",
                                                     list.status().message()));
    }
    keys.push_back((*list)->keys());
    decoded.push_back(*std::move(list));
  }
  const std::vector<Pick> picks = TeamDraft(keys, spec_.page_size, rng);
  std::vector<const DecodedList*> lists;
  for (const auto& d : decoded) lists.push_back(d.get());
  absl::StatusOr<absl::Cord> merged = format_->Merge(lists, picks);
  if (!merged.ok()) return merged.status();

  Impression impression;
  impression.items.reserve(picks.size());
  impression.teams.reserve(picks.size());
  for (const Pick& p : picks) {
    impression.items.push_back(keys[p.team][p.rank]);
    impression.teams.push_back(static_cast<uint8_t>(inputs[p.team].arm));
  }
  // Without a sticky key every impression is its own unit (a random one).
  impression.unit = key_hash != 0 ? key_hash : rng.Next();
  routing::MergeResult result;
  result.response = *std::move(merged);
  result.metadata.emplace_back(kImpressionHeader,
                               store_.Add(std::move(impression), absl::Now()));
  impressions_.Increment();
  return result;
}

void InterleaveRoute::Unmerged(const char* reason) const {
  (std::string_view(reason) == "merge_error" ? merge_error_ : leg_failed_).Increment();
}

absl::StatusOr<FeedbackResult> InterleaveRoute::RecordClicks(absl::string_view impression,
                                                             absl::Span<const std::string> items,
                                                             absl::Time now) {
  absl::StatusOr<ClickUpdate> update = store_.RecordClicks(impression, items, now);
  if (!update.ok()) return update.status();
  FeedbackResult result;
  result.route = spec_.route;
  for (size_t r = 0; r < spec_.rankers.size(); ++r) {
    result.credits.emplace_back(spec_.rankers[r], update->after[r]);
  }
  result.outcome = OutcomeName(update->after, spec_.rankers);
  result.new_clicks = update->new_clicks;
  if (update->first_report) {
    // The counters count each impression once, by its first report's outcome; the statistics
    // follow later reports too.
    size_t i = 0;
    const int n = static_cast<int>(spec_.rankers.size());
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b, ++i) {
        if (!update->present[a] || !update->present[b]) continue;
        switch (OutcomeFor(update->after, a, b)) {
          case PairOutcome::kWinA:
            pairs_[i].outcomes[0].Increment();
            break;
          case PairOutcome::kWinB:
            pairs_[i].outcomes[1].Increment();
            break;
          case PairOutcome::kTie:
            pairs_[i].outcomes[2].Increment();
            break;
        }
      }
    }
  }
  MutexLock lock(&mu_);
  tracker_.Apply(*update, update->present);
  return result;
}

void InterleaveRoute::Evaluate() {
  const ImpressionStore::Counters c = store_.counters();
  stored_->Set(static_cast<double>(store_.size()));
  MutexLock lock(&mu_);
  evicted_.Increment(static_cast<double>(c.evicted_full - published_evicted_));
  expired_.Increment(static_cast<double>(c.expired - published_expired_));
  published_evicted_ = c.evicted_full;
  published_expired_ = c.expired;
  reports_ = tracker_.Evaluate();
  for (size_t i = 0; i < reports_.size() && i < pairs_.size(); ++i) {
    pairs_[i].delta->Set(reports_[i].delta);
    pairs_[i].pvalue->Set(reports_[i].always_valid_p);
  }
}

nlohmann::json InterleaveRoute::Report() const {
  const ImpressionStore::Counters c = store_.counters();
  nlohmann::json pairs = nlohmann::json::array();
  {
    MutexLock lock(&mu_);
    for (const PairReport& r : reports_) {
      pairs.push_back({{"a", spec_.rankers[r.a]},
                       {"b", spec_.rankers[r.b]},
                       {"wins_a", r.wins_a},
                       {"wins_b", r.wins_b},
                       {"ties", r.ties},
                       {"delta", r.delta},
                       {"ci_low", r.ci_low},
                       {"ci_high", r.ci_high},
                       {"std_error", r.std_error},
                       {"units", r.units},
                       {"sign_test_p", r.sign_test_p},
                       {"clustered_p", r.clustered_p},
                       {"always_valid_p", r.always_valid_p},
                       {"significant", r.significant},
                       {"preferred", r.significant ? nlohmann::json(r.delta > 0 ? spec_.rankers[r.a]
                                                                                  : spec_.rankers[r.b])
                                                   : nlohmann::json(nullptr)}});
    }
  }
  return {{"route", spec_.route},
          {"strategy", "interleave"},
          {"rankers", spec_.rankers},
          {"impressions",
           {{"made", c.added},
            {"stored", store_.size()},
            {"evicted", c.evicted_full},
            {"expired", c.expired}}},
          {"feedback",
           {{"reports", c.reports},
            {"repeated", c.repeated_reports},
            {"clicks", c.clicks},
            {"unknown", c.unknown},
            {"invalid_item", c.invalid_item}}},
          {"alpha", spec_.alpha},
          {"pairs", pairs}};
}

}  // namespace modelgate::interleave

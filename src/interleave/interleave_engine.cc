// Interleaving routes' registry, feedback entry point and evaluation thread; see
// interleave_engine.h.
#include "interleave/interleave_engine.h"

#include "absl/strings/str_cat.h"
#include "modelgate/feedback/v1/feedback.pb.h"

namespace modelgate::interleave {

InterleaveEngine::InterleaveEngine(std::shared_ptr<prometheus::Registry> registry,
                                   Options options)
    : registry_(std::move(registry)),
      families_(InterleaveFamilies::Register(*registry_)),
      recorded_(families_.feedback, {{"result", "recorded"}}),
      repeated_(families_.feedback, {{"result", "repeated"}}),
      not_found_(families_.feedback, {{"result", "not_found"}}),
      expired_(families_.feedback, {{"result", "expired"}}),
      invalid_item_(families_.feedback, {{"result", "invalid_item"}}),
      malformed_(families_.feedback, {{"result", "malformed"}}) {
  if (options.start_thread) thread_.Start(options.interval, [this] { RunOnce(); });
}

InterleaveEngine::~InterleaveEngine() { Stop(); }

absl::StatusOr<std::shared_ptr<InterleaveRoute>> InterleaveEngine::ForRoute(
    const InterleaveSpec& spec, const std::string& identity) {
  const std::string key = absl::StrCat(spec.Key(), "\x1e", identity);
  return routes_.GetOrCreate(key, spec.route, [&] { return InterleaveRoute::Create(spec, families_); });
}

std::shared_ptr<InterleaveRoute> InterleaveEngine::Find(const std::string& route) const {
  return routes_.Find(route);
}

absl::StatusOr<FeedbackResult> InterleaveEngine::RecordClicks(
    const std::string& route, absl::string_view impression, absl::Span<const std::string> items) {
  if (impression.empty()) {
    malformed_.Increment();
    return absl::InvalidArgumentError("impression id is empty");
  }
  const absl::Time now = absl::Now();
  absl::StatusOr<FeedbackResult> result = absl::NotFoundError(
      route.empty() ? "no interleave route is configured"
                    : absl::StrCat("route \"", route, "\" does not exist or does not interleave"));
  if (!route.empty()) {
    if (std::shared_ptr<InterleaveRoute> r = routes_.Find(route)) {
      result = r->RecordClicks(impression, items, now);
    }
  } else {
    // An impression id is unique across routes (128 random bits): the route holding it
    // answers; the others say NOT_FOUND. Newest routes first (the current snapshot's).
    std::vector<std::shared_ptr<InterleaveRoute>> live = routes_.Live();
    for (auto it = live.rbegin(); it != live.rend(); ++it) {
      result = (*it)->RecordClicks(impression, items, now);
      if (result.ok() || !absl::IsNotFound(result.status()) ||
          IsExpiredImpression(result.status())) {
        break;
      }
    }
  }
  if (result.ok()) {
    (result->new_clicks > 0 ? recorded_ : repeated_).Increment();
  } else if (absl::IsNotFound(result.status())) {
    (IsExpiredImpression(result.status()) ? expired_ : not_found_).Increment();
  } else {
    invalid_item_.Increment();
  }
  return result;
}

absl::StatusOr<std::string> InterleaveEngine::RecordClicks(const absl::Cord& request) {
  modelgate::feedback::v1::RecordClicksRequest req;
  if (!req.ParseFromString(std::string(request))) {
    malformed_.Increment();
    return absl::InvalidArgumentError("malformed RecordClicksRequest");
  }
  std::vector<std::string> items(req.item_ids().begin(), req.item_ids().end());
  absl::StatusOr<FeedbackResult> result = RecordClicks("", req.impression_id(), items);
  if (!result.ok()) return result.status();
  modelgate::feedback::v1::RecordClicksResponse resp;
  resp.set_route(result->route);
  for (const auto& [ranker, clicks] : result->credits) {
    auto* c = resp.add_credits();
    c->set_ranker(ranker);
    c->set_clicks(clicks);
  }
  resp.set_outcome(result->outcome);
  resp.set_new_clicks(result->new_clicks);
  return resp.SerializeAsString();
}

void InterleaveEngine::RunOnce() {
  MutexLock run(&run_mu_);
  for (const auto& r : routes_.Live()) r->Evaluate();
}

nlohmann::json FeedbackJson(const FeedbackResult& result) {
  nlohmann::json credits = nlohmann::json::object();
  for (const auto& [ranker, clicks] : result.credits) credits[ranker] = clicks;
  return {{"route", result.route},
          {"credits", credits},
          {"outcome", result.outcome},
          {"new_clicks", result.new_clicks}};
}

}  // namespace modelgate::interleave

// The interleave engine: watches (weakly) every interleaving route the snapshots use, answers
// click feedback for them (the proxy's gRPC Feedback service and the admin API both come here),
// and evaluates their statistics once a second on its own thread. A reload that keeps a
// route's settings and rankers' backends gets the same InterleaveRoute back (impressions awaiting
// feedback and the statistics survive); any change starts a fresh one.
//
// Thread-safety: everything from any thread; RunOnce is serialised.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/mutex.h"
#include "common/poll_thread.h"
#include "common/weak_registry.h"
#include "interleave/interleave_families.h"
#include "interleave/interleave_route.h"
#include "interleave/interleave_spec.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "routing/feedback.h"
#include "telemetry/series_lease.h"

namespace modelgate::interleave {

class InterleaveEngine final : public routing::FeedbackHandler {
 public:
  struct Options {
    bool start_thread = true;  // false: the owner calls RunOnce (deterministic tests)
    absl::Duration interval = absl::Seconds(1);
  };

  InterleaveEngine(std::shared_ptr<prometheus::Registry> registry, Options options);
  explicit InterleaveEngine(std::shared_ptr<prometheus::Registry> registry)
      : InterleaveEngine(std::move(registry), Options()) {}
  ~InterleaveEngine() override;
  InterleaveEngine(const InterleaveEngine&) = delete;
  InterleaveEngine& operator=(const InterleaveEngine&) = delete;

  // The route for `spec`; `identity` names what else makes it the same experiment (the rankers'
  // backends, the salt). Errors: settings the list format rejects.
  absl::StatusOr<std::shared_ptr<InterleaveRoute>> ForRoute(const InterleaveSpec& spec,
                                                            const std::string& identity);
  // The newest live route named `route`, or null.
  std::shared_ptr<InterleaveRoute> Find(const std::string& route) const;

  // Records feedback for an impression of `route` ("" = whichever route made it). Errors:
  // NOT_FOUND (no such route, unknown or expired impression), INVALID_ARGUMENT (an empty id, an
  // item not shown in the impression). Every report is counted by result.
  absl::StatusOr<FeedbackResult> RecordClicks(const std::string& route,
                                              absl::string_view impression,
                                              absl::Span<const std::string> items);
  // Counts a feedback report that could not be read (an HTTP body that is not the JSON shape).
  void CountMalformed() { malformed_.Increment(); }

  // The gRPC Feedback service (modelgate.feedback.v1.RecordClicks, serialized both ways).
  absl::StatusOr<std::string> RecordClicks(const absl::Cord& request) override;

  // Evaluates every live route's statistics.
  void RunOnce() ABSL_LOCKS_EXCLUDED(run_mu_);
  void Stop() { thread_.Stop(); }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  const InterleaveFamilies families_;
  WeakRegistry<InterleaveRoute> routes_;
  // modelgate_interleave_feedback_total{result}: recorded, repeated, not_found, expired,
  // invalid_item, malformed.
  telemetry::CounterLease recorded_, repeated_, not_found_, expired_, invalid_item_, malformed_;
  Mutex run_mu_;
  PollThread thread_;  // last: stopped first
};

// The JSON the admin API answers a feedback report with.
nlohmann::json FeedbackJson(const FeedbackResult& result);

}  // namespace modelgate::interleave

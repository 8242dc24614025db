// The canary controller: for every route with `strategy: canary`, reads the route monitor's
// latest evaluation and the candidate's health, judges the run (canary_run.h), and moves the
// candidate's share through the snapshot publisher (a run-time route state: weights plus the
// run's bookkeeping, persisted when state_dir is set). Also the manual gates of the admin API
// (promote, rollback, pause, resume, step). Every transition is audited (audit_log.h and the
// log) with its evidence and, on promote/rollback, handed to the route's webhook notifier.
//
// It runs on its own thread, never on the request path; the clock is injected so tests drive
// it on simulated time (RunOnce). Thread-safe: RunOnce and the admin actions are serialised.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "control/audit_log.h"
#include "control/canary_run.h"
#include "control/snapshot_publisher.h"
#include "monitor/evaluation.h"
#include "nlohmann/json.hpp"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Gauge;
class Counter;
}  // namespace prometheus

namespace modelgate::control {

class CanaryController {
 public:
  struct Deps {
    SnapshotPublisher* publisher = nullptr;  // required; must outlive the controller
    // The route monitor's latest evaluation (null: none yet).
    std::function<std::shared_ptr<const monitor::Evaluation>(const std::string& route)>
        evaluation;
    // Whether a backend is fit for traffic; empty: every backend is.
    std::function<bool(const std::string& backend)> healthy;
    // A promote/rollback event for the route's webhook (canary.webhook.url non-empty); empty:
    // no notifications. Must not block.
    std::function<void(const std::string& url, double timeout_seconds,
                       const nlohmann::json& event)>
        notify;
    std::string audit_path;                        // "" = no audit file
    std::shared_ptr<prometheus::Registry> registry;  // null = no metrics
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  explicit CanaryController(Deps deps);
  ~CanaryController();  // stops the thread

  // Routes whose persisted state could not be read: each starts paused with all traffic on the
  // legacy (the safe default) until an operator resumes or steps it.
  void MarkUnrestorable(const std::vector<std::string>& routes);

  // Starts the thread: a round every `tick` (judging happens only on fresh evaluations, so a
  // short tick only shortens the reaction time).
  void Start(absl::Duration tick);
  void Stop();

  // One round: every canary route of the publisher's config is judged and, if its run moved,
  // its new state is published.
  void RunOnce();

  // GET /api/v1/routes/{route}/canary. NotFound: no such route or not a canary.
  absl::StatusOr<nlohmann::json> Status(const std::string& route);

  // Manual gates. `action`: promote | rollback | pause | resume | step (then `step` is the
  // index). NotFound (route), InvalidArgument (action, step out of range), FailedPrecondition
  // (not allowed from the current state, e.g. resume when not paused). Returns the new status.
  absl::StatusOr<nlohmann::json> Act(const std::string& route, const std::string& action,
                                     std::optional<int> step, const std::string& actor);

 private:
  struct RouteMetrics;

  // The run of `route` as persisted in its state, or a fresh one starting at `now`.
  CanaryRun RunOf(const config::Route& route, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Publishes `next` for `route` and records the transition from `prev`.
  absl::Status Apply(const config::Route& route, const config::Config& config,
                     const CanaryRun& prev, const CanaryRun& next, const std::string& actor,
                     const Judgement* judgement, const monitor::Evaluation* evaluation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  nlohmann::json StatusJson(const config::Route& route, const CanaryRun& run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  RouteMetrics& MetricsFor(const std::string& route) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges(const std::string& route, const strategies::CanaryBlock& block,
                    const CanaryRun& run) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetRoutesExcept(const std::vector<std::string>& live) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Loop(absl::Duration tick);

  Deps deps_;
  AuditLog audit_;
  Mutex mu_;
  std::map<std::string, bool> unrestorable_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<RouteMetrics>> metrics_ ABSL_GUARDED_BY(mu_);
  prometheus::Family<prometheus::Gauge>* weight_family_ = nullptr;
  prometheus::Family<prometheus::Gauge>* step_family_ = nullptr;
  prometheus::Family<prometheus::Gauge>* state_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* transitions_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* gate_checks_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* state_errors_family_ = nullptr;

  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace modelgate::control

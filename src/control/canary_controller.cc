// Judging canary routes, applying their runs, the manual gates, audit and metrics.
#include "control/canary_controller.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace modelgate::control {
namespace {

constexpr int64_t kFullShare = 10000;

const strategies::CanaryBlock* CanaryOf(const config::Route& route) {
  if (route.strategy != "canary" || route.block == nullptr) return nullptr;
  return &route.block_as<strategies::CanaryBlock>();
}

const config::Route* FindRoute(const config::Config& config, const std::string& name) {
  for (const config::Route& r : config.routes) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

nlohmann::json TimeJson(absl::Time t) {
  if (t == absl::InfinitePast()) return nullptr;
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

// A finite double, or null (JSON has no NaN).
nlohmann::json Num(double v) {
  if (std::isnan(v) || std::isinf(v)) return nullptr;
  return v;
}

nlohmann::json ArmEvidence(const monitor::ArmSummary* arm) {
  if (arm == nullptr) return nullptr;
  return {{"weight", arm->weight},
          {"step_requests", arm->epoch_requests},
          {"step_errors", arm->epoch_errors},
          {"step_error_rate", Num(arm->epoch_error_rate)},
          {"step_latency_p99_seconds", Num(arm->epoch_latency_p99)},
          {"requests", arm->requests},
          {"error_rate", Num(arm->error_rate)},
          {"latency_p99_seconds", Num(arm->latency_p99)}};
}

nlohmann::json Evidence(const strategies::CanaryBlock& block,
                        const monitor::Evaluation* evaluation) {
  if (evaluation == nullptr) return nullptr;
  nlohmann::json comparisons = nlohmann::json::array();
  for (const monitor::ComparisonRow& row : evaluation->comparisons) {
    if (row.arm != block.candidate) continue;
    comparisons.push_back({{"metric", row.metric},
                           {"gate", row.gate},
                           {"n_legacy", row.n_reference},
                           {"n_candidate", row.n},
                           {"legacy", Num(row.reference_value)},
                           {"candidate", Num(row.value)},
                           {"always_valid_p_value", Num(row.adjusted_p_value)},
                           {"tolerance", Num(row.tolerance)},
                           {"verdict", std::string(stats::ToString(row.verdict))}});
  }
  return {{"evaluated_at", TimeJson(evaluation->evaluated_at)},
          {"legacy", ArmEvidence(evaluation->Arm(block.legacy))},
          {"candidate", ArmEvidence(evaluation->Arm(block.candidate))},
          {"comparisons", comparisons},
          {"srm",
           {{"evaluated", evaluation->srm.evaluated},
            {"detected", evaluation->srm.detected},
            {"p_value", Num(evaluation->srm.p_value)},
            {"observed", evaluation->srm.observed}}}};
}

nlohmann::json Thresholds(const strategies::CanaryBlock& block) {
  auto opt = [](double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"max_error_rate", opt(block.gates.max_error_rate)},
          {"max_latency_p99_seconds", opt(block.gates.max_latency_p99_seconds)},
          {"rollback_error_rate", opt(block.gates.rollback_error_rate)},
          {"max_failed_checks", block.max_failed_checks},
          {"min_requests_per_step", block.min_requests_per_step},
          {"step_seconds", block.step_seconds}};
}

nlohmann::json RunSide(const strategies::CanaryBlock& block, const CanaryRun& run) {
  return {{"state", CanaryStateName(run.state)},
          {"step", run.step},
          {"candidate_percent", run.CandidateShare(block) / 100.0}};
}

}  // namespace

struct CanaryController::RouteMetrics {
  std::vector<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>> gauges;
  std::vector<std::pair<prometheus::Family<prometheus::Counter>*, prometheus::Counter*>> counters;
  prometheus::Gauge* weight = nullptr;
  prometheus::Gauge* step = nullptr;
  std::map<std::string, prometheus::Gauge*> states;
  // The newest transitions (oldest first), for GET .../canary and the status page; bounded so
  // a long-lived canary costs fixed memory (the audit log keeps them all).
  std::deque<nlohmann::json> transitions;
};

namespace {
constexpr size_t kRecentTransitions = 20;
}  // namespace

CanaryController::CanaryController(Deps deps) : deps_(std::move(deps)), audit_(deps_.audit_path) {
  if (deps_.registry != nullptr) {
    prometheus::Registry& r = *deps_.registry;
    weight_family_ = &prometheus::BuildGauge()
                          .Name("modelgate_canary_weight")
                          .Help("Share of the canary route's traffic on the candidate (0..1)")
                          .Register(r);
    step_family_ = &prometheus::BuildGauge()
                        .Name("modelgate_canary_step")
                        .Help("Index of the canary's current step (0-based)")
                        .Register(r);
    state_family_ = &prometheus::BuildGauge()
                         .Name("modelgate_canary_state")
                         .Help("1 for the canary's current state, 0 for the others")
                         .Register(r);
    transitions_family_ = &prometheus::BuildCounter()
                               .Name("modelgate_canary_transitions_total")
                               .Help("Canary transitions by from/to state and reason")
                               .Register(r);
    gate_checks_family_ = &prometheus::BuildCounter()
                               .Name("modelgate_gate_checks_total")
                               .Help("Canary gate results (pass, fail, wait) per check")
                               .Register(r);
    state_errors_family_ = &prometheus::BuildCounter()
                                .Name("modelgate_canary_state_errors_total")
                                .Help("Persisted canary states that could not be restored")
                                .Register(r);
  }
}

CanaryController::~CanaryController() { Stop(); }

void CanaryController::MarkUnrestorable(const std::vector<std::string>& routes) {
  MutexLock lock(&mu_);
  for (const std::string& r : routes) {
    unrestorable_[r] = true;
    if (state_errors_family_ != nullptr) state_errors_family_->Add({{"route", r}}).Increment();
  }
}

void CanaryController::Start(absl::Duration tick) {
  thread_ = std::thread([this, tick] { Loop(tick); });
}

void CanaryController::Stop() {
  {
    MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  stop_cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void CanaryController::Loop(absl::Duration tick) {
  const auto period = std::chrono::microseconds(absl::ToInt64Microseconds(tick));
  while (true) {
    {
      MutexLock lock(&stop_mu_);
      if (stopping_) return;
      stop_cv_.WaitFor(&stop_mu_, period);
      if (stopping_) return;
    }
    RunOnce();
  }
}

CanaryRun CanaryController::RunOf(const config::Route& route, absl::Time now) {
  if (auto state = deps_.publisher->State(route.name);
      state.has_value() && state->controller.contains("canary")) {
    absl::StatusOr<CanaryRun> run = CanaryRun::FromJson(state->controller["canary"]);
    if (run.ok()) return *run;
    MG_LOG(kError, "canary ", route.name, ": stored run unusable (", run.status().message(),
           "); pausing with all traffic on the legacy");
    unrestorable_[route.name] = true;
    if (state_errors_family_ != nullptr) {
      state_errors_family_->Add({{"route", route.name}}).Increment();
    }
  }
  CanaryRun run;
  run.step_started_at = now;
  if (unrestorable_.count(route.name) > 0) {
    run.state = CanaryState::kPaused;
    run.legacy_only = true;
    run.reason = "the persisted state could not be read: paused on the legacy";
  } else {
    run.reason = "run started";
  }
  return run;
}

void CanaryController::RunOnce() {
  MutexLock lock(&mu_);
  const config::Config config = deps_.publisher->config();
  const absl::Time now = deps_.clock();
  std::vector<std::string> live;
  for (const config::Route& route : config.routes) {
    const strategies::CanaryBlock* block = CanaryOf(route);
    if (block == nullptr) continue;
    live.push_back(route.name);
    const bool has_state = [&] {
      auto s = deps_.publisher->State(route.name);
      return s.has_value() && s->controller.contains("canary");
    }();
    const CanaryRun run = RunOf(route, now);
    if (!has_state) {
      // A new run (or an unreadable one): persist where it starts.
      CanaryRun first = run;
      if (absl::Status s = Apply(route, config, CanaryRun{}, first, "controller", nullptr, nullptr);
          !s.ok()) {
        MG_LOG(kError, "canary ", route.name, ": ", s.message());
      }
      unrestorable_.erase(route.name);
      continue;
    }
    std::shared_ptr<const monitor::Evaluation> evaluation =
        deps_.evaluation ? deps_.evaluation(route.name) : nullptr;
    const bool healthy = !deps_.healthy || deps_.healthy(block->candidate);
    Judgement j = JudgeCanary(*block, run, evaluation.get(), healthy, now);
    if (!j.checked) {
      UpdateGauges(route.name, *block, run);
      continue;
    }
    if (gate_checks_family_ != nullptr) {
      for (const GateCheck& g : j.gates) {
        prometheus::Counter& c = gate_checks_family_->Add(
            {{"route", route.name}, {"gate", g.gate}, {"result", g.result}});
        c.Increment();
        MetricsFor(route.name).counters.emplace_back(gate_checks_family_, &c);
      }
    }
    if (absl::Status s = Apply(route, config, run, j.next, "controller", &j, evaluation.get());
        !s.ok()) {
      MG_LOG(kError, "canary ", route.name, ": ", s.message());
    }
  }
  ForgetRoutesExcept(live);
}

absl::Status CanaryController::Apply(const config::Route& route, const config::Config& config,
                                     const CanaryRun& prev, const CanaryRun& next,
                                     const std::string& actor, const Judgement* judgement,
                                     const monitor::Evaluation* evaluation) {
  const strategies::CanaryBlock& block = route.block_as<strategies::CanaryBlock>();
  const std::string definition = RouteDefinition(route, config.backends);
  const int64_t share = next.CandidateShare(block);
  absl::Status applied = deps_.publisher->UpdateRoute(
      route.name, [&](const config::Route& current, RouteState& state) -> absl::Status {
        // A reload between reading the config and now: the run belongs to the old route.
        if (state.definition != definition) {
          return absl::AbortedError("the route changed while its canary was judged");
        }
        (void)current;
        state.weights = {kFullShare - share, share};
        state.controller["canary"] = next.ToJson();
        return absl::OkStatus();
      });
  if (!applied.ok()) return applied;
  UpdateGauges(route.name, block, next);

  const bool moved = prev.state != next.state || prev.step != next.step ||
                     prev.CandidateShare(block) != share || judgement == nullptr;
  if (!moved) return absl::OkStatus();
  const std::string reason = next.reason;
  if (transitions_family_ != nullptr && judgement != nullptr) {
    const char* why = next.state == CanaryState::kRolledBack ? "gates_failed"
                      : next.state == CanaryState::kPromoted ? "last_step_passed"
                      : next.step != prev.step                ? "step_passed"
                      : next.state == CanaryState::kWaiting   ? "not_enough_data"
                                                              : "gates_pass";
    prometheus::Counter& c = transitions_family_->Add({{"route", route.name},
                                                       {"from", CanaryStateName(prev.state)},
                                                       {"to", CanaryStateName(next.state)},
                                                       {"reason", why}});
    c.Increment();
    MetricsFor(route.name).counters.emplace_back(transitions_family_, &c);
  }
  nlohmann::json gates = nlohmann::json::array();
  if (judgement != nullptr) {
    for (const GateCheck& g : judgement->gates) {
      gates.push_back({{"gate", g.gate}, {"result", g.result}, {"detail", g.detail}});
    }
  }
  nlohmann::json event = {{"time", TimeJson(deps_.clock())},
                          {"route", route.name},
                          {"actor", actor},
                          {"reason", reason},
                          {"from", RunSide(block, prev)},
                          {"to", RunSide(block, next)},
                          {"weights", {{block.legacy, kFullShare - share}, {block.candidate, share}}},
                          {"failed_checks", next.failed_checks},
                          {"gates", gates},
                          {"evidence", Evidence(block, evaluation)},
                          {"thresholds", Thresholds(block)}};
  std::deque<nlohmann::json>& recent = MetricsFor(route.name).transitions;
  recent.push_back({{"time", event["time"]},
                    {"actor", actor},
                    {"reason", reason},
                    {"from", event["from"]},
                    {"to", event["to"]}});
  while (recent.size() > kRecentTransitions) recent.pop_front();
  MG_LOG(kInfo, "canary ", route.name, ": ", CanaryStateName(prev.state), " step ", prev.step,
         " -> ", CanaryStateName(next.state), " step ", next.step, " (candidate ", share / 100.0,
         "%) by ", actor, ": ", reason);
  if (absl::Status s = audit_.Append(event); !s.ok()) MG_LOG(kError, s.message());
  if (deps_.notify && !block.webhook.url.empty() && prev.state != next.state &&
      (next.state == CanaryState::kPromoted || next.state == CanaryState::kRolledBack)) {
    deps_.notify(block.webhook.url, block.webhook.timeout_seconds, event);
  }
  return absl::OkStatus();
}

CanaryController::RouteMetrics& CanaryController::MetricsFor(const std::string& route) {
  std::unique_ptr<RouteMetrics>& m = metrics_[route];
  if (m == nullptr) m = std::make_unique<RouteMetrics>();
  return *m;
}

void CanaryController::UpdateGauges(const std::string& route,
                                    const strategies::CanaryBlock& block, const CanaryRun& run) {
  if (weight_family_ == nullptr) return;
  RouteMetrics& m = MetricsFor(route);
  if (m.weight == nullptr) {
    m.weight = &weight_family_->Add({{"route", route}});
    m.step = &step_family_->Add({{"route", route}});
    m.gauges.emplace_back(weight_family_, m.weight);
    m.gauges.emplace_back(step_family_, m.step);
    for (CanaryState s : AllCanaryStates()) {
      prometheus::Gauge* g = &state_family_->Add({{"route", route}, {"state", CanaryStateName(s)}});
      m.states[CanaryStateName(s)] = g;
      m.gauges.emplace_back(state_family_, g);
    }
  }
  m.weight->Set(run.CandidateShare(block) / static_cast<double>(kFullShare));
  m.step->Set(run.step);
  for (auto& [name, g] : m.states) g->Set(name == CanaryStateName(run.state) ? 1 : 0);
}

void CanaryController::ForgetRoutesExcept(const std::vector<std::string>& live) {
  for (auto it = metrics_.begin(); it != metrics_.end();) {
    if (std::find(live.begin(), live.end(), it->first) != live.end()) {
      ++it;
      continue;
    }
    for (auto& [family, g] : it->second->gauges) family->Remove(g);
    // Counters may be listed more than once (one entry per increment site): remove each once.
    std::vector<prometheus::Counter*> removed;
    for (auto& [family, c] : it->second->counters) {
      if (std::find(removed.begin(), removed.end(), c) != removed.end()) continue;
      removed.push_back(c);
      family->Remove(c);
    }
    it = metrics_.erase(it);
  }
}

nlohmann::json CanaryController::StatusJson(const config::Route& route, const CanaryRun& run) {
  const strategies::CanaryBlock& block = route.block_as<strategies::CanaryBlock>();
  nlohmann::json steps = nlohmann::json::array();
  for (int64_t bp : block.steps) steps.push_back(bp / 100.0);
  std::shared_ptr<const monitor::Evaluation> evaluation =
      deps_.evaluation ? deps_.evaluation(route.name) : nullptr;
  return {{"route", route.name},
          {"legacy", block.legacy},
          {"candidate", block.candidate},
          {"state", CanaryStateName(run.state)},
          {"step", run.step},
          {"steps_percent", steps},
          {"candidate_percent", run.CandidateShare(block) / 100.0},
          {"step_started_at", TimeJson(run.step_started_at)},
          {"failed_checks", run.failed_checks},
          {"reason", run.reason},
          {"candidate_healthy", !deps_.healthy || deps_.healthy(block.candidate)},
          {"evidence", Evidence(block, evaluation.get())},
          {"thresholds", Thresholds(block)},
          {"transitions", MetricsFor(route.name).transitions}};
}

absl::StatusOr<nlohmann::json> CanaryController::Status(const std::string& route_name) {
  MutexLock lock(&mu_);
  const config::Config config = deps_.publisher->config();
  const config::Route* route = FindRoute(config, route_name);
  if (route == nullptr) {
    return absl::NotFoundError(absl::StrCat("no route named \"", route_name, "\""));
  }
  if (CanaryOf(*route) == nullptr) {
    return absl::NotFoundError(absl::StrCat("route \"", route_name, "\" is not a canary (strategy ",
                                            route->strategy, ")"));
  }
  return StatusJson(*route, RunOf(*route, deps_.clock()));
}

absl::StatusOr<nlohmann::json> CanaryController::Act(const std::string& route_name,
                                                     const std::string& action,
                                                     std::optional<int> step,
                                                     const std::string& actor) {
  MutexLock lock(&mu_);
  const config::Config config = deps_.publisher->config();
  const config::Route* route = FindRoute(config, route_name);
  if (route == nullptr) {
    return absl::NotFoundError(absl::StrCat("no route named \"", route_name, "\""));
  }
  const strategies::CanaryBlock* block = CanaryOf(*route);
  if (block == nullptr) {
    return absl::NotFoundError(absl::StrCat("route \"", route_name, "\" is not a canary"));
  }
  const absl::Time now = deps_.clock();
  const CanaryRun prev = RunOf(*route, now);
  CanaryRun next = prev;
  const std::string by = absl::StrCat(" by ", actor);
  if (action == "promote") {
    next.state = CanaryState::kPromoted;
    next.legacy_only = false;
    next.reason = "promoted" + by;
  } else if (action == "rollback") {
    next.state = CanaryState::kRolledBack;
    next.reason = "rolled back" + by;
  } else if (action == "pause") {
    if (prev.state == CanaryState::kPaused || prev.terminal()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot pause: the canary is ", CanaryStateName(prev.state)));
    }
    next.state = CanaryState::kPaused;
    next.reason = "paused" + by;
  } else if (action == "resume") {
    if (prev.state != CanaryState::kPaused) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot resume: the canary is ", CanaryStateName(prev.state), ", not paused"));
    }
    next.state = CanaryState::kProgressing;
    next.legacy_only = false;
    next.step_started_at = now;  // the step's minimum time counts from here
    next.reason = "resumed" + by;
  } else if (action == "step") {
    if (!step.has_value() || *step < 0 || *step >= static_cast<int>(block->steps.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "step must be an index from 0 to ", block->steps.size() - 1, " (steps: ",
          block->steps.size(), ")"));
    }
    next.state = CanaryState::kProgressing;
    next.legacy_only = false;
    next.step = *step;
    next.step_started_at = now;
    next.failed_checks = 0;
    next.reason = absl::StrCat("set to step ", *step, by);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown action \"", action, "\""));
  }
  if (transitions_family_ != nullptr) {
    prometheus::Counter& c = transitions_family_->Add({{"route", route_name},
                                                       {"from", CanaryStateName(prev.state)},
                                                       {"to", CanaryStateName(next.state)},
                                                       {"reason", "admin_" + action}});
    c.Increment();
    MetricsFor(route_name).counters.emplace_back(transitions_family_, &c);
  }
  if (absl::Status s = Apply(*route, config, prev, next, actor, nullptr,
                             deps_.evaluation ? deps_.evaluation(route_name).get() : nullptr);
      !s.ok()) {
    return s;
  }
  unrestorable_.erase(route_name);
  return StatusJson(*route, next);
}

}  // namespace modelgate::control

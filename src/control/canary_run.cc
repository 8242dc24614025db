// The canary's gates and step rule; the run's JSON form.
#include "control/canary_run.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace modelgate::control {
namespace {

constexpr int64_t kFullShare = 10000;

std::string Percent(double ratio) { return absl::StrFormat("%.2f%%", 100 * ratio); }

// Time as Unix seconds with sub-second precision; infinite past as null.
nlohmann::json TimeJson(absl::Time t) {
  if (t == absl::InfinitePast()) return nullptr;
  return absl::ToDoubleSeconds(t - absl::UnixEpoch());
}

absl::StatusOr<absl::Time> TimeFromJson(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return absl::InfinitePast();
  if (!j[key].is_number()) return absl::InvalidArgumentError(absl::StrCat(key, ": not a number"));
  return absl::UnixEpoch() + absl::Seconds(j[key].get<double>());
}

}  // namespace

std::string CanaryStateName(CanaryState s) {
  switch (s) {
    case CanaryState::kProgressing: return "progressing";
    case CanaryState::kWaiting: return "waiting";
    case CanaryState::kPaused: return "paused";
    case CanaryState::kPromoted: return "promoted";
    case CanaryState::kRolledBack: return "rolled_back";
  }
  return "unknown";
}

const std::vector<CanaryState>& AllCanaryStates() {
  static const std::vector<CanaryState> all = {CanaryState::kProgressing, CanaryState::kWaiting,
                                               CanaryState::kPaused, CanaryState::kPromoted,
                                               CanaryState::kRolledBack};
  return all;
}

int64_t CanaryRun::CandidateShare(const strategies::CanaryBlock& block) const {
  if (state == CanaryState::kRolledBack || legacy_only) return 0;
  if (state == CanaryState::kPromoted) return kFullShare;
  if (block.steps.empty()) return 0;
  const int i = std::clamp(step, 0, static_cast<int>(block.steps.size()) - 1);
  return block.steps[i];
}

nlohmann::json CanaryRun::ToJson() const {
  return {{"state", CanaryStateName(state)},
          {"step", step},
          {"step_started_at", TimeJson(step_started_at)},
          {"failed_checks", failed_checks},
          {"last_evaluation", TimeJson(last_evaluation)},
          {"reason", reason},
          {"legacy_only", legacy_only}};
}

absl::StatusOr<CanaryRun> CanaryRun::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("canary run: not an object");
  CanaryRun run;
  if (!j.contains("state") || !j["state"].is_string()) {
    return absl::InvalidArgumentError("canary run: state missing or not a string");
  }
  bool known = false;
  for (CanaryState s : AllCanaryStates()) {
    if (CanaryStateName(s) == j["state"].get<std::string>()) {
      run.state = s;
      known = true;
    }
  }
  if (!known) return absl::InvalidArgumentError("canary run: unknown state");
  if (!j.contains("step") || !j["step"].is_number_integer() || j["step"].get<int>() < 0) {
    return absl::InvalidArgumentError("canary run: step missing or not a non-negative integer");
  }
  run.step = j["step"].get<int>();
  absl::StatusOr<absl::Time> started = TimeFromJson(j, "step_started_at");
  if (!started.ok()) return started.status();
  run.step_started_at = *started;
  absl::StatusOr<absl::Time> last = TimeFromJson(j, "last_evaluation");
  if (!last.ok()) return last.status();
  run.last_evaluation = *last;
  if (j.contains("failed_checks")) {
    if (!j["failed_checks"].is_number_integer()) {
      return absl::InvalidArgumentError("canary run: failed_checks not an integer");
    }
    run.failed_checks = j["failed_checks"].get<int64_t>();
  }
  if (j.contains("reason") && j["reason"].is_string()) run.reason = j["reason"];
  if (j.contains("legacy_only") && j["legacy_only"].is_boolean()) {
    run.legacy_only = j["legacy_only"];
  }
  return run;
}

Judgement JudgeCanary(const strategies::CanaryBlock& block, const CanaryRun& run,
                      const monitor::Evaluation* evaluation, bool candidate_healthy,
                      absl::Time now) {
  Judgement j;
  j.next = run;
  if (run.state == CanaryState::kPaused || run.terminal() || evaluation == nullptr) return j;
  if (evaluation->evaluated_at <= run.last_evaluation ||
      evaluation->evaluated_at < run.step_started_at) {
    return j;
  }
  const monitor::ArmSummary* candidate = evaluation->Arm(block.candidate);
  const monitor::ArmSummary* legacy = evaluation->Arm(block.legacy);
  const int64_t share = run.CandidateShare(block);
  // An evaluation of the previous step's weights says nothing about this step.
  if (candidate == nullptr || legacy == nullptr || candidate->weight != share ||
      legacy->weight != kFullShare - share) {
    return j;
  }
  j.checked = true;
  j.next.last_evaluation = evaluation->evaluated_at;

  bool rollback_now = false;
  auto add = [&j](std::string gate, std::string result, std::string detail) {
    if (result == "fail") j.failed = true;
    j.gates.push_back({std::move(gate), std::move(result), std::move(detail)});
  };

  add("health", candidate_healthy ? "pass" : "fail",
      candidate_healthy ? "candidate healthy" : "candidate backend unhealthy");

  const int64_t calls = candidate->epoch_requests;
  const double rate = candidate->epoch_error_rate;
  if (block.gates.rollback_error_rate >= 0) {
    if (calls < kMinCallsForRollback || std::isnan(rate)) {
      add("rollback_error_rate", "wait",
          absl::StrCat(calls, " candidate calls on the step, ", kMinCallsForRollback,
                       " needed"));
    } else if (rate >= block.gates.rollback_error_rate) {
      rollback_now = true;
      add("rollback_error_rate", "fail",
          absl::StrCat("error rate ", Percent(rate), " >= ",
                       Percent(block.gates.rollback_error_rate), " over ", calls, " calls"));
    } else {
      add("rollback_error_rate", "pass",
          absl::StrCat("error rate ", Percent(rate), " < ",
                       Percent(block.gates.rollback_error_rate)));
    }
  }

  const bool enough = calls >= block.min_requests_per_step;
  const std::string not_enough = absl::StrCat(calls, " of ", block.min_requests_per_step,
                                              " candidate calls on the step");
  if (block.gates.max_error_rate >= 0) {
    if (!enough || std::isnan(rate)) {
      add("max_error_rate", "wait", not_enough);
    } else {
      const bool ok = rate <= block.gates.max_error_rate;
      add("max_error_rate", ok ? "pass" : "fail",
          absl::StrCat("error rate ", Percent(rate), ok ? " <= " : " > ",
                       Percent(block.gates.max_error_rate)));
    }
  }
  if (block.gates.max_latency_p99_seconds >= 0) {
    const double p99 = candidate->epoch_latency_p99;
    if (!enough || std::isnan(p99)) {
      add("max_latency_p99", "wait", enough ? "no successful candidate call" : not_enough);
    } else {
      const bool ok = p99 <= block.gates.max_latency_p99_seconds;
      add("max_latency_p99", ok ? "pass" : "fail",
          absl::StrFormat("p99 %.4fs %s %.4fs", p99, ok ? "<=" : ">",
                          block.gates.max_latency_p99_seconds));
    }
  }

  for (const monitor::ComparisonRow& row : evaluation->comparisons) {
    if (row.arm != block.candidate || !row.gate) continue;
    const char* result = row.verdict == stats::Verdict::kPass   ? "pass"
                         : row.verdict == stats::Verdict::kFail ? "fail"
                                                                : "wait";
    add(absl::StrCat("relative:", row.metric), result,
        absl::StrFormat("candidate %.6g vs legacy %.6g (n=%d/%d), always-valid p=%.4g",
                        row.value, row.reference_value, row.n, row.n_reference,
                        row.adjusted_p_value));
  }

  if (evaluation->srm.evaluated) {
    add("srm", evaluation->srm.detected ? "fail" : "pass",
        absl::StrFormat("chi2=%.3f p=%.4g threshold %.4g", evaluation->srm.chi2,
                        evaluation->srm.p_value, evaluation->srm.threshold));
  }

  CanaryRun& next = j.next;
  if (rollback_now) {
    next.state = CanaryState::kRolledBack;
    next.reason = "candidate error rate at or above rollback_error_rate";
    j.reason = next.reason;
    return j;
  }
  if (j.failed) {
    ++next.failed_checks;
    std::string failed_gates;
    for (const GateCheck& g : j.gates) {
      if (g.result == "fail") absl::StrAppend(&failed_gates, failed_gates.empty() ? "" : ", ", g.gate);
    }
    if (next.failed_checks >= block.max_failed_checks) {
      next.state = CanaryState::kRolledBack;
      next.reason = absl::StrCat(next.failed_checks, " failed checks (max ",
                                 block.max_failed_checks, "); last failed: ", failed_gates);
    } else {
      next.state = CanaryState::kProgressing;
      next.reason = absl::StrCat("check failed (", next.failed_checks, " of ",
                                 block.max_failed_checks, "): ", failed_gates);
    }
    j.reason = next.reason;
    return j;
  }
  bool waiting = !enough;
  for (const GateCheck& g : j.gates) waiting = waiting || g.result == "wait";
  const absl::Duration on_step = now - run.step_started_at;
  const absl::Duration min_step = absl::Seconds(block.step_seconds);
  if (waiting) {
    next.state = CanaryState::kWaiting;
    next.reason = enough ? "waiting for conclusive gates" : absl::StrCat("waiting: ", not_enough);
  } else if (on_step < min_step) {
    next.state = CanaryState::kProgressing;
    next.reason = absl::StrCat("gates pass; ",
                               absl::FormatDuration(absl::Trunc(min_step - on_step, absl::Milliseconds(100))),
                               " left on the step");
  } else if (run.step + 1 < static_cast<int>(block.steps.size())) {
    next.state = CanaryState::kProgressing;
    next.step = run.step + 1;
    next.step_started_at = now;
    next.reason = absl::StrCat("step ", run.step, " passed");
  } else {
    next.state = CanaryState::kPromoted;
    next.reason = "last step passed";
  }
  j.reason = next.reason;
  return j;
}

}  // namespace modelgate::control

// RouteMonitor: recording, evaluation, report and gauges of one route.
#include "monitor/route_monitor.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/stable_hash.h"
#include "monitor/evaluation.h"
#include "monitor/report_json.h"
#include "monitor/route_publisher.h"
#include "prometheus/registry.h"
#include "stats/hypothesis/srm.h"

namespace modelgate::monitor {
namespace {

// Distinct users kept for the sample-ratio check of a sticky route (~1.5 MiB at most).
constexpr size_t kUserSampleCapacity = 1 << 16;
// Buckets of users for the cluster-robust comparison variances on sticky routes: 255 degrees of
// freedom for the variance, 8 KiB per arm and recording thread.
constexpr int kUserClusters = 256;


using nlohmann::json;

// The SRM check needs every positive-weight arm to expect at least this many requests (the
// usual validity condition of the chi-square approximation).
constexpr double kMinExpectedPerArm = 5.0;

}  // namespace

RouteMonitor::RouteMonitor(std::string route, std::vector<ArmInfo> arms,
                           config::MonitorConfig config, int num_shards,
                           std::shared_ptr<prometheus::Registry> registry)
    : RouteMonitor(
          std::move(route), std::move(arms), config, num_shards, std::move(registry),
          [&config]() -> std::shared_ptr<const stats::DriftReference> {
            if (config.payload.empty() || config.drift.reference_file.empty()) {
              return nullptr;
            }
            stats::DriftReferenceOptions options;
            options.num_bins = config.drift.bins;
            auto ref = stats::DriftReference::FromFile(config.drift.reference_file, options);
            if (ref.ok()) return *std::move(ref);
            MG_LOG(kError,
                   "monitor: drift reference not loaded, learning it from "
                   "traffic instead: ",
                   ref.status().ToString());
            return nullptr;
          }(),
          nullptr) {}

absl::StatusOr<std::shared_ptr<RouteMonitor>> RouteMonitor::Create(
    std::string route, std::vector<ArmInfo> arms, config::MonitorConfig config, int num_shards,
    std::shared_ptr<prometheus::Registry> registry) {
  if (arms.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("monitor for route ", route, ": no arms"));
  }
  std::shared_ptr<const stats::DriftReference> reference;
  if (!config.payload.empty() && !config.drift.reference_file.empty()) {
    stats::DriftReferenceOptions options;
    options.num_bins = config.drift.bins;
    absl::StatusOr<std::shared_ptr<const stats::DriftReference>> ref =
        stats::DriftReference::FromFile(config.drift.reference_file, options);
    if (!ref.ok()) {
      return absl::Status(ref.status().code(),
                          absl::StrCat("route ", route,
                                       ": monitor.drift.reference_file: ", ref.status().message()));
    }
    reference = *std::move(ref);
  }
  absl::Status init;
  std::shared_ptr<RouteMonitor> m(
      new RouteMonitor(std::move(route), std::move(arms), std::move(config), num_shards,
                       std::move(registry), std::move(reference), &init));
  if (!init.ok()) return init;
  return m;
}

RouteMonitor::RouteMonitor(std::string route, std::vector<ArmInfo> arms,
                           config::MonitorConfig config, int num_shards,
                           std::shared_ptr<prometheus::Registry> registry,
                           std::shared_ptr<const stats::DriftReference> output_reference,
                           absl::Status* init_error)
    : route_(std::move(route)),
      arms_(std::move(arms)),
      config_(std::move(config)),
      registry_(std::move(registry)),
      families_(registry_ != nullptr
                    ? std::optional<MonitorFamilies>(MonitorFamilies::Register(*registry_))
                    : std::nullopt),
      outcomes_(static_cast<int>(arms_.size()), num_shards,
                OutcomeRecorder::kDefaultReservoirCapacity, StableHash64(route_),
                config_.sticky_assignment ? kUserClusters : 0, ErrorCodeMask(config_.error_codes)),
      epoch_(0),
      decoded_counter_(families_ ? families_->decoded : nullptr, {{"route", route_}}),
      dropped_counter_(families_ ? families_->dropped : nullptr, {{"route", route_}}),
      decode_errors_counter_(families_ ? families_->decode_errors : nullptr, {{"route", route_}}) {
  for (size_t a = 0; a < arms_.size(); ++a) {
    if (arms_[a].name == config_.reference_arm) reference_arm_ = static_cast<int>(a);
  }
  if (config_.sticky_assignment) {
    users_ = std::make_unique<stats::DistinctSampler>(static_cast<int>(arms_.size()),
                                                      kUserSampleCapacity, num_shards);
  }
  {
    std::vector<int64_t> weights;
    for (const ArmInfo& a : arms_) weights.push_back(a.weight);
    epoch_.store(WeightEpoch(weights), std::memory_order_relaxed);
    MutexLock lock(&eval_mu_);
    weights_ = std::move(weights);
  }
  auto fail = [&](const absl::Status& s) {
    MG_LOG(kError, "monitor for route ", route_, ": ", s.ToString());
    if (init_error != nullptr && init_error->ok()) *init_error = s;
  };
  {
    MutexLock lock(&eval_mu_);
    for (size_t a = 0; a < arms_.size(); ++a) {
      if (static_cast<int>(a) == reference_arm_) continue;
      comparators_.emplace_back(arms_[a].name, config_);
      comparator_arm_.push_back(static_cast<int>(a));
    }
  }
  if (payload_enabled() && !arms_.empty()) {
    queue_ = std::make_unique<BoundedMpscQueue<PendingPayload>>(
        static_cast<size_t>(config_.queue_size < 1 ? 1 : config_.queue_size));
    std::vector<std::string> names;
    for (const ArmInfo& a : arms_) names.push_back(a.name);
    const uint64_t seed = StableHash64(route_);
    auto out = TensorDrift::Create(config_.output_tensor, true, names, reference_arm_,
                                   config_.drift, output_reference, seed);
    if (out.ok()) {
      output_drift_ = *std::move(out);
    } else {
      fail(out.status());
    }
    for (size_t i = 0; i < config_.input_tensors.size(); ++i) {
      auto in = TensorDrift::Create(config_.input_tensors[i], false, names, reference_arm_,
                                    config_.drift, nullptr, seed + 104729 * (i + 1));
      if (in.ok()) {
        input_drift_.push_back(*std::move(in));
      } else {
        fail(in.status());
        input_drift_.push_back(nullptr);
      }
    }
  }
  if (registry_ != nullptr) RegisterPublisher(registry_.get(), route_, this);
}

RouteMonitor::~RouteMonitor() {
  if (registry_ != nullptr) UnregisterPublisher(registry_.get(), route_, this);
  MutexLock lock(&eval_mu_);
  gauges_.Clear();
}

// --- request path --------------------------------------------------------------------------

void RouteMonitor::RecordOutcome(int shard, int arm, int grpc_code, double latency_seconds,
                                 std::optional<uint64_t> user) {
  outcomes_.Record(shard, arm, grpc_code, latency_seconds, user);
}

void RouteMonitor::RecordUser(int arm, uint64_t key_hash) {
  if (users_ != nullptr) users_->Add(key_hash, arm);
}

bool RouteMonitor::payload_enabled() const { return config_.payload == "inference_v2"; }

double RouteMonitor::sample_rate() const { return config_.sample_rate; }

bool RouteMonitor::needs_request() const {
  return payload_enabled() && !config_.input_tensors.empty();
}

bool RouteMonitor::TryEnqueuePayload(int arm, absl::Cord request, absl::Cord response,
                                     bool request_compressed, bool response_compressed) {
  if (queue_ == nullptr || arm < 0 || arm >= static_cast<int>(arms_.size())) return false;
  PendingPayload p;
  p.arm = arm;
  if (needs_request()) {
    p.request = std::move(request);
    p.request_compressed = request_compressed;
  }
  p.response = std::move(response);
  p.response_compressed = response_compressed;
  return queue_->TryPush(std::move(p));
}

void RouteMonitor::Record(const telemetry::Outcome& o) {
  const std::optional<uint64_t> user =
      o.keyed ? std::optional<uint64_t>(o.key_hash) : std::nullopt;
  // Outcomes without an epoch (0) come from callers that do not track one: they count.
  const bool in_epoch =
      o.weight_epoch == 0 || o.weight_epoch == epoch_.load(std::memory_order_relaxed);
  outcomes_.Record(o.shard, o.arm, o.code, o.latency_seconds, user, in_epoch);
  if (o.keyed && in_epoch && users_ != nullptr) users_->Add(o.shard, o.key_hash, o.arm);
}

void RouteMonitor::SetWeights(const std::vector<int64_t>& weights) {
  MutexLock lock(&eval_mu_);
  if (weights == weights_ || weights.size() != arms_.size()) return;
  weights_ = weights;
  epoch_.store(WeightEpoch(weights), std::memory_order_relaxed);
  outcomes_.ResetEpoch();
  if (users_ != nullptr) users_->Reset();
}

bool RouteMonitor::WantsPayload(const telemetry::Outcome& o, SplitMix64& rng) {
  return o.code == 0 && queue_ != nullptr && rng.Uniform() < config_.sample_rate &&
         // Cheap early exit: do not take the messages for an item that cannot be queued.
         queue_->size_approx() < queue_->capacity();
}

void RouteMonitor::OfferPayload(const telemetry::Outcome& o,
                                const telemetry::PayloadSource& payload) {
  if (!payload_enabled()) return;  // nothing to decode: not a drop
  bool request_compressed = false, response_compressed = false;
  absl::Cord request = needs_request() ? payload.Request(&request_compressed) : absl::Cord();
  absl::Cord response = payload.Response(&response_compressed);
  if (!TryEnqueuePayload(o.arm, std::move(request), std::move(response), request_compressed,
                         response_compressed)) {
    CountDropped();
  }
}

void RouteMonitor::CountDropped() {
  dropped_.fetch_add(1, std::memory_order_relaxed);
  dropped_counter_.Increment();
}

// --- monitor thread -----------------------------------------------------------------------

bool RouteMonitor::TryDequeuePayload(PendingPayload* out) {
  return queue_ != nullptr && queue_->TryPop(out);
}

void RouteMonitor::CountDecodeError() {
  decode_errors_.fetch_add(1, std::memory_order_relaxed);
  decode_errors_counter_.Increment();
}

void RouteMonitor::RecordPayload(int arm, const inference::ModelInferRequest* request,
                                 const inference::ModelInferResponse& response, absl::Time now) {
  if (!payload_enabled() || arm < 0 || arm >= static_cast<int>(arms_.size())) return;
  bool complete = true;
  absl::StatusOr<payload::TensorValues> out =
      payload::ExtractOutput(response, config_.output_tensor);
  if (out.ok()) {
    if (config_.output_tensor.empty()) {
      MutexLock lock(&label_mu_);
      if (output_name_seen_.empty()) output_name_seen_ = out->name;
    }
    if (output_drift_ != nullptr) output_drift_->Record(arm, out->values, now);
  } else {
    complete = false;
  }
  for (size_t i = 0; i < config_.input_tensors.size(); ++i) {
    if (request == nullptr) {
      complete = false;
      break;
    }
    absl::StatusOr<payload::TensorValues> in =
        payload::ExtractInput(*request, config_.input_tensors[i]);
    if (!in.ok()) {
      complete = false;
      continue;
    }
    if (input_drift_[i] != nullptr) input_drift_[i]->Record(arm, in->values, now);
  }
  if (complete) {
    decoded_.fetch_add(1, std::memory_order_relaxed);
    decoded_counter_.Increment();
  } else {
    CountDecodeError();
  }
}

std::string RouteMonitor::OutputLabel() const {
  if (!config_.output_tensor.empty()) return config_.output_tensor;
  MutexLock lock(&label_mu_);
  return output_name_seen_.empty() ? "output" : output_name_seen_;
}

std::string RouteMonitor::InputLabel(const std::string& name,
                                     const std::string& output_label) const {
  // An input and an output may share a name; keep their series apart.
  return name == output_label ? absl::StrCat("input:", name) : name;
}

absl::Duration RouteMonitor::interval() const { return absl::Seconds(config_.interval_seconds); }

const std::string& RouteMonitor::route() const { return route_; }

RouteMonitor::PayloadCounts RouteMonitor::payload_counts() const {
  return {decoded_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
          decode_errors_.load(std::memory_order_relaxed)};
}

std::shared_ptr<const Evaluation> RouteMonitor::Latest() const {
  MutexLock lock(&report_mu_);
  return latest_;
}

json RouteMonitor::Report() const {
  std::shared_ptr<const Evaluation> latest = Latest();
  return latest != nullptr ? EvaluationJson(*latest, config_) : InitialReport();
}

stats::Verdict RouteMonitor::verdict() const {
  std::shared_ptr<const Evaluation> latest = Latest();
  return latest != nullptr ? latest->verdict : stats::Verdict::kInconclusive;
}

json RouteMonitor::InitialReport() const {
  return {{"route", route_},
          {"evaluated_at", nullptr},
          {"reference_arm", arms_.empty() ? json(nullptr) : json(arms_[reference_arm_].name)},
          {"verdict", "inconclusive"},
          {"arms", json::array()},
          {"srm", nullptr},
          {"comparisons", json::array()},
          {"drift", json::array()},
          {"distance", json::array()},
          {"payload",
           {{"enabled", payload_enabled()}, {"decoded", 0}, {"dropped", 0}, {"decode_errors", 0}}}};
}

// --- evaluation ----------------------------------------------------------------------------

void RouteMonitor::Evaluate(absl::Time now) {
  MutexLock lock(&eval_mu_);
  outcomes_.Snapshot(&totals_);
  auto e = std::make_shared<Evaluation>();
  e->route = route_;
  e->evaluated_at = now;
  e->reference_arm = arms_.empty() ? "" : arms_[reference_arm_].name;
  const size_t num_arms = arms_.size();

  // Per-arm summary.
  for (size_t a = 0; a < num_arms; ++a) {
    const ArmTotals& t = totals_[a];
    ArmSummary s;
    s.name = arms_[a].name;
    s.weight = weights_[a];
    s.requests = t.requests;
    s.errors = t.errors;
    if (t.error_sample > 0) {
      s.error_rate = static_cast<double>(t.errors) / static_cast<double>(t.error_sample);
    }
    s.latency_count = t.latency.count();
    if (t.latency.count() > 0) s.latency_mean = t.latency.mean();
    if (t.latency.count() > 1) s.latency_sd = std::sqrt(t.latency.variance());
    s.latency_p50 = SketchQuantile(t.sketch, 0.5);
    s.latency_p90 = SketchQuantile(t.sketch, 0.9);
    s.latency_p99 = SketchQuantile(t.sketch, 0.99);
    s.epoch_requests = t.epoch_requests;
    s.epoch_errors = t.epoch_errors;
    if (t.epoch_error_sample > 0) {
      s.epoch_error_rate =
          static_cast<double>(t.epoch_errors) / static_cast<double>(t.epoch_error_sample);
    }
    s.epoch_latency_p99 = SketchQuantile(t.epoch_sketch, 0.99);
    e->arms.push_back(std::move(s));
  }

  // Sample ratio mismatch, within the current weight epoch.
  SrmSummary& srm = e->srm;
  srm.threshold = config_.srm_threshold;
  std::optional<stats::DistinctSampler::Counts> users;
  if (users_ != nullptr) users = users_->Snapshot();
  srm.users = users.has_value();
  if (users) srm.sample_level = users->level;
  double weight_sum = 0;
  for (int64_t w : weights_) weight_sum += static_cast<double>(w);
  std::vector<double> weights(num_arms);
  int64_t total = 0;
  for (size_t a = 0; a < num_arms; ++a) {
    srm.observed.push_back(users ? users->per_label[a] : totals_[a].epoch_requests);
    weights[a] = static_cast<double>(weights_[a]);
    total += srm.observed[a];
    srm.expected_share.push_back(weight_sum > 0 ? weights[a] / weight_sum : 0.0);
  }
  if (weight_sum > 0 && num_arms > 1) {
    bool enough = true;
    for (size_t a = 0; a < num_arms; ++a) {
      const double expected = static_cast<double>(total) * weights[a] / weight_sum;
      if (weights[a] > 0 && expected < kMinExpectedPerArm) enough = false;
    }
    absl::StatusOr<stats::SrmResult> r =
        stats::CheckSampleRatio(srm.observed, weights, config_.srm_threshold);
    // An arm with weight 0 that gets traffic is a mismatch whatever the counts.
    if (r.ok() && r->computable && (enough || r->zero_weight_arm_has_traffic)) {
      srm.evaluated = true;
      srm.detected = r->srm;
      srm.chi2 = r->chi_square;
      srm.df = r->df;
      srm.p_value = r->p_value;
    }
  }

  // Comparisons with the reference arm.
  for (size_t c = 0; c < comparators_.size(); ++c) {
    comparators_[c].Compare(totals_[static_cast<size_t>(reference_arm_)],
                            totals_[static_cast<size_t>(comparator_arm_[c])], &e->comparisons);
  }
  DecideComparisons(config_, &e->comparisons);
  e->verdict = DecideRoute(srm.detected, e->comparisons);

  // Payload drift. Rows carry their tensor label.
  const std::string output_label = OutputLabel();
  auto evaluate_tensor = [&](TensorDrift* t, const std::string& label) {
    if (t == nullptr) return;
    std::vector<DriftRow> d, x;
    t->Evaluate(now, &d, &x);
    for (DriftRow& r : d) e->drift.push_back({label, t->is_output(), std::move(r)});
    for (DriftRow& r : x) e->distance.push_back({label, t->is_output(), std::move(r)});
  };
  evaluate_tensor(output_drift_.get(), output_label);
  for (size_t i = 0; i < input_drift_.size(); ++i) {
    evaluate_tensor(input_drift_[i].get(), InputLabel(config_.input_tensors[i], output_label));
  }
  const PayloadCounts counts = payload_counts();
  e->payload = {payload_enabled(), counts.decoded, counts.dropped, counts.decode_errors};

  if (families_.has_value() && IsPublisher(registry_.get(), route_, this)) {
    Publish(*e);
  } else {
    gauges_.Clear();  // another monitor of this route publishes (or there is no registry)
  }

  MutexLock report_lock(&report_mu_);
  latest_ = std::move(e);
}

void RouteMonitor::Publish(const Evaluation& e) {
  const MonitorFamilies& f = *families_;
  const prometheus::Labels route = {{"route", route_}};
  gauges_.Begin();
  gauges_.Set(f.route_verdict, route, VerdictGaugeValue(e.verdict));
  if (e.srm.evaluated) {
    gauges_.Set(f.srm_pvalue, route, e.srm.p_value);
    gauges_.Set(f.srm_detected, route, e.srm.detected ? 1 : 0);
  }
  for (const ArmSummary& a : e.arms) {
    const std::pair<const char*, double> quantiles[] = {
        {"0.5", a.latency_p50}, {"0.9", a.latency_p90}, {"0.99", a.latency_p99}};
    for (const auto& [label, value] : quantiles) {
      gauges_.Set(f.arm_latency, {{"route", route_}, {"arm", a.name}, {"quantile", label}},
                  value);
    }
    if (a.latency_count > 0) {
      const prometheus::Labels arm = {{"route", route_}, {"arm", a.name}};
      gauges_.Set(f.arm_latency_count, arm, static_cast<double>(a.latency_count));
      gauges_.Set(f.arm_latency_sum, arm, a.latency_mean * static_cast<double>(a.latency_count));
    }
    gauges_.Set(f.arm_error_ratio, {{"route", route_}, {"arm", a.name}}, a.error_rate);
  }
  for (const ComparisonRow& r : e.comparisons) {
    const prometheus::Labels l = {{"route", route_}, {"arm", r.arm}, {"metric", r.metric}};
    gauges_.Set(f.compare_effect, l, r.effect);
    if (!r.gate) continue;  // descriptive rows export their effect only
    gauges_.Set(f.compare_pvalue, l, r.always_valid_p_value);
    gauges_.Set(f.compare_adjusted_pvalue, l, r.adjusted_p_value);
    gauges_.Set(f.compare_ci_lower, l, r.ci_low);
    gauges_.Set(f.compare_ci_upper, l, r.ci_high);
    gauges_.Set(f.compare_verdict, l, VerdictGaugeValue(r.verdict));
  }
  auto publish_drift = [&](prometheus::Family<prometheus::Gauge>* scores,
                           prometheus::Family<prometheus::Gauge>* pvalue,
                           const std::vector<TensorRow>& list)
                           ABSL_EXCLUSIVE_LOCKS_REQUIRED(eval_mu_) {
    for (const auto& [tensor, is_output, row] : list) {
      const stats::DriftReport& r = row.report;
      if (r.status != stats::DriftStatus::kOk) continue;
      const KsView ks = PreferredKs(r);
      const std::pair<const char*, double> methods[] = {{"psi", r.psi},
                                                        {"ks", ks.statistic},
                                                        {"wasserstein", r.w1_normalized},
                                                        {"js", r.js_distance}};
      for (const auto& [method, value] : methods) {
        gauges_.Set(scores,
                    {{"route", route_}, {"arm", row.arm}, {"tensor", tensor}, {"method", method}},
                    value);
      }
      gauges_.Set(pvalue, {{"route", route_}, {"arm", row.arm}, {"tensor", tensor}}, ks.p_value);
    }
  };
  publish_drift(f.drift_score, f.drift_pvalue, e.drift);
  publish_drift(f.arm_distance, f.arm_distance_pvalue, e.distance);
  gauges_.End();
}

}  // namespace modelgate::monitor

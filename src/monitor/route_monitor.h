// Live statistics of one A/B route: per-arm outcomes recorded on the request path, and (on the
// monitor thread) sample-ratio check, candidate-vs-reference comparisons with always-valid
// p-values, multiple-comparison adjustment, verdicts, and payload drift. Memory is bounded
// whatever the traffic.
//
// Thread-safety: RecordOutcome may be called concurrently from any number of threads as long
// as each passes its own shard index (the proxy's worker index); it is O(1) and does not
// allocate in steady state. TryEnqueuePayload and CountDropped may be called from any thread
// (lock-free). Evaluate, RecordPayload, TryDequeuePayload and CountDecodeError run on the monitor
// thread (or a test's thread); Evaluate is serialised internally. Report, verdict and
// payload_counts may be called from any thread.
//
// What is computed (cumulative since the monitor was created, except the drift windows):
//   - per arm: requests, errors (codes in monitor.error_codes), error rate (errors over calls
//     other than client cancellations); latency of SUCCESSFUL calls:
//     Welford mean/sd, DDSketch p50/p90/p99, a 2,048-value reservoir (outcome_recorder.h);
//   - sample ratio mismatch: chi-square of the arms' counts against their configured weights,
//     flagged at p < srm_threshold; evaluated once every positive-weight arm expects at least
//     5 (the chi-square approximation needs it). The unit is the unit of randomisation: on a
//     route with a sticky header it is the USER (distinct keys of completed calls, counted in
//     a bounded hash-selected sample, stats/sketch/distinct_sampler.h; requests without the key are
//     left out), because heavy users make request counts over-dispersed and a request-level check
//     then raises false alarms (tests/stats/sketch/distinct_sampler_test.cc measures 95% vs 6% at
//     0.05). Without a sticky header each request is randomised and requests are counted.
//     The expected shares are the weight shares; the bucket grid makes the true shares differ
//     by at most 1e-4, which only matters beyond ~10^8 users;
//   - comparisons of every other arm with the reference arm, their mSPRT mixture scale,
//     multiple-comparison correction and verdict rules: see comparison.h;
//   - payload drift (payload: inference_v2): see tensor_drift.h. The monitored output is
//     config.output_tensor (empty: the first output); drift.reference_file, when set, is the
//     reference of that output for every arm; input tensors always learn their reference from
//     each arm's first drift.reference_samples values.
// The route verdict ignores drift (it is descriptive: a new model is expected to differ).
//
// Report() JSON (GET /api/v1/routes/{name}/stats). Numbers that are not computed are null,
// never NaN, and never a placeholder 0. Latencies are in seconds.
// {
//   "route": str, "evaluated_at": RFC 3339 UTC | null (before the first Evaluate),
//   "reference_arm": str, "verdict": "pass" | "fail" | "inconclusive",
//   "settings": {alpha, correction, min_samples, sequential_tau, latency_tolerance,
//                error_rate_tolerance, srm_threshold, interval_seconds},
//   "arms": [{"name", "weight", "requests", "errors", "error_rate",
//             "latency": {"count", "mean", "sd", "p50", "p90", "p99"}}],
//   "srm": {"chi2", "df", "p_value", "threshold", "detected", "evaluated",
//           "unit": "requests" | "users", "sample_level": L (users: each user is in the
//           sample with probability 2^-L), "observed": {arm: n}, "expected_share": {arm: w}},
//   "comparisons": [{"arm", "metric", "method", "gate", "reference_value", "value", "effect",
//       "relative_effect",
//       "ci_low", "ci_high",                       // ALWAYS-VALID confidence sequence
//       "always_valid_p_value", "adjusted_p_value", // mSPRT; adjusted = after correction
//       "fixed_horizon_p_value", "fixed_horizon_ci_low", "fixed_horizon_ci_high",
//                                                  // one look at a pre-set n only: display
//       "tau", "tolerance", "n_reference", "n",
//       "verdict": "pass" | "fail" | "inconclusive" | null (descriptive rows, gate = false)}],
//   "drift": [{"arm", "tensor", "kind": "output" | "input",
//       "status": "ok" | "learning_reference" | "insufficient_data",
//       "reference_count", "current_count", "reference_missing", "current_missing",
//       "psi", "psi_noise_floor", "js_distance", "ks_statistic", "ks_p_value",
//       "ks_method": "sample" | "binned", "wasserstein", "wasserstein_normalized",
//       "wasserstein_error_bound"}],
//   "distance": [same fields plus "reference_arm"; reference_* describe the reference arm's
//       window, current_* the candidate arm's],
//   "payload": {"enabled", "decoded", "dropped", "decode_errors"}
// }
// "wasserstein" is the binned W1 in data units (a lower bound, exact within
// wasserstein_error_bound); "wasserstein_normalized" divides it by the reference sd (Evidently's
// normed W1, rule of thumb 0.1) and is what modelgate_drift_score{method="wasserstein"} exports.
// The KS p-value is that of the current window alone (one test per evaluation, not a sequential
// test): read it as a monitoring signal, not as a decision with a controlled error rate.
//
// Gauges (monitor_metrics.h) are written at each Evaluate by the route's publishing monitor
// (route_publisher.h: the newest live monitor of the route) and absent while not computed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/cord.h"
#include "common/mutex.h"
#include "config/config.h"
#include "monitor/comparison.h"
#include "monitor/evaluation.h"
#include "monitor/gauge_board.h"
#include "monitor/monitor_metrics.h"
#include "monitor/outcome_recorder.h"
#include "monitor/payload_queue.h"
#include "monitor/tensor_drift.h"
#include "nlohmann/json.hpp"
#include "payload/inference_v2.h"
#include "stats/drift/reference.h"
#include "stats/hypothesis/verdict.h"
#include "stats/sketch/distinct_sampler.h"
#include "telemetry/outcome.h"
#include "telemetry/series_lease.h"

namespace prometheus {
class Registry;
}

namespace modelgate::monitor {

struct ArmInfo {
  std::string name;  // metrics label
  int64_t weight;    // configured weight (for the sample-ratio check)
};

// A sampled call waiting for the monitor thread. Cords share the data plane's buffers, so
// queueing and dequeueing never copy message bytes.
struct PendingPayload {
  int arm = 0;
  absl::Cord request;  // empty unless the route monitors input tensors
  absl::Cord response;
  // As sent, gzip/deflate-compressed: the monitor thread inflates them (capped).
  bool request_compressed = false;
  bool response_compressed = false;
};

// The data plane writes every leg's outcome to the route's monitor through telemetry's
// OutcomeSink interface: the proxy knows no monitor type.
class RouteMonitor : public telemetry::OutcomeSink {
 public:
  // `num_shards` = number of threads that record (one shard each). A drift.reference_file that
  // cannot be loaded, or drift settings the drift monitors reject, are logged and that drift
  // is left out (prefer Create(), which reports them as errors).
  RouteMonitor(std::string route, std::vector<ArmInfo> arms, config::MonitorConfig config,
               int num_shards, std::shared_ptr<prometheus::Registry> registry);
  // As the constructor, but fails instead: InvalidArgument for no arms or invalid drift
  // settings; the reference file's own errors (NotFound, InvalidArgument naming path:line).
  static absl::StatusOr<std::shared_ptr<RouteMonitor>> Create(
      std::string route, std::vector<ArmInfo> arms, config::MonitorConfig config, int num_shards,
      std::shared_ptr<prometheus::Registry> registry);
  ~RouteMonitor();

  RouteMonitor(const RouteMonitor&) = delete;
  RouteMonitor& operator=(const RouteMonitor&) = delete;

  // --- request path (OutcomeSink) -----------------------------------------------------------
  // Records the outcome (and, on sticky routes, its user for the sample-ratio check).
  void Record(const telemetry::Outcome& outcome) override;
  // Payload monitoring is on and this successful call is sampled (monitor.sample_rate).
  bool WantsPayload(const telemetry::Outcome& outcome, SplitMix64& rng) override;
  // Queues the call's messages for the monitor thread; a full queue drops and counts.
  void OfferPayload(const telemetry::Outcome& outcome,
                    const telemetry::PayloadSource& payload) override;

  // `user`: the sticky key hash of the call (routing::RoutePlan), if it had one; on sticky
  // routes it groups the call with the user's others for the comparisons' variances.
  void RecordOutcome(int shard, int arm, int grpc_code, double latency_seconds,
                     std::optional<uint64_t> user = std::nullopt);
  // The user (sticky key hash, see routing::RoutePlan) a completed call belonged to. Feeds the
  // sample-ratio check on sticky routes, whose unit is the user. Thread-safe.
  void RecordUser(int arm, uint64_t key_hash);
  bool payload_enabled() const;
  double sample_rate() const;
  // Input tensors are monitored: the request must be decoded too (else it is not even queued).
  bool needs_request() const;
  // Queues a payload for the monitor thread (the Cords share their bytes). False when payloads
  // are not monitored or this route's queue (capacity config.queue_size) is full; the caller
  // then counts the drop (CountDropped). Lock-free, never blocks.
  // `*_compressed`: the message is as sent, gzip/deflate-compressed (inflated when decoded).
  bool TryEnqueuePayload(int arm, absl::Cord request, absl::Cord response,
                         bool request_compressed = false, bool response_compressed = false);

  // --- monitor thread -----------------------------------------------------------------------
  bool TryDequeuePayload(PendingPayload* out);
  // Decoded payload of one sampled call served by `arm` (request may be null when only outputs
  // are monitored). Feeds drift monitors. A payload whose monitored tensors cannot all be
  // extracted counts as a decode error (the tensors that could be are still recorded).
  void RecordPayload(int arm, const inference::ModelInferRequest* request,
                     const inference::ModelInferResponse& response, absl::Time now)
      ABSL_LOCKS_EXCLUDED(label_mu_);
  void CountDropped();      // a payload could not be queued
  void CountDecodeError();  // a payload could not be parsed/extracted

  // The arms' current weights (a new snapshot's): if they changed, the sample-ratio check
  // restarts with them (a new weight epoch); the comparisons keep their evidence.
  void SetWeights(const std::vector<int64_t>& weights);

  // Recomputes every statistic from the recorded data, updates the Prometheus gauges and the
  // JSON report. `now` drives sliding windows (injected for tests).
  void Evaluate(absl::Time now) ABSL_LOCKS_EXCLUDED(eval_mu_, report_mu_);
  absl::Duration interval() const;

  // The last evaluation (null before the first): what controllers read.
  std::shared_ptr<const Evaluation> Latest() const ABSL_LOCKS_EXCLUDED(report_mu_);
  // The report of the last Evaluate (schema above), rendered from Latest().
  nlohmann::json Report() const ABSL_LOCKS_EXCLUDED(report_mu_);
  // The route verdict of the last Evaluate (inconclusive before the first).
  stats::Verdict verdict() const ABSL_LOCKS_EXCLUDED(report_mu_);

  struct PayloadCounts {
    int64_t decoded = 0;
    int64_t dropped = 0;
    int64_t decode_errors = 0;
  };
  PayloadCounts payload_counts() const;

  const std::string& route() const;
  const std::vector<ArmInfo>& arms() const { return arms_; }
  const config::MonitorConfig& config() const { return config_; }

 private:
  // `output_reference`: the loaded drift.reference_file (null: learn from traffic). Errors met
  // while building drift monitors are stored in *init_error (first one) and logged.
  RouteMonitor(std::string route, std::vector<ArmInfo> arms, config::MonitorConfig config,
               int num_shards, std::shared_ptr<prometheus::Registry> registry,
               std::shared_ptr<const stats::DriftReference> output_reference,
               absl::Status* init_error);

  std::string OutputLabel() const ABSL_LOCKS_EXCLUDED(label_mu_);
  std::string InputLabel(const std::string& name, const std::string& output_label) const;
  void Publish(const Evaluation& evaluation) ABSL_EXCLUSIVE_LOCKS_REQUIRED(eval_mu_);
  nlohmann::json InitialReport() const;

  const std::string route_;
  const std::vector<ArmInfo> arms_;
  const config::MonitorConfig config_;
  int reference_arm_ = 0;
  const std::shared_ptr<prometheus::Registry> registry_;  // outlives the leases below
  std::optional<MonitorFamilies> families_;

  OutcomeRecorder outcomes_;
  // The current weight epoch (WeightEpoch of the weights below): outcomes of calls routed with
  // other weights do not count in the sample-ratio check.
  std::atomic<uint64_t> epoch_;
  // Distinct users per arm, sampled by hash (stats/sketch/distinct_sampler.h); sticky routes only.
  std::unique_ptr<stats::DistinctSampler> users_;

  // Payload path. Null queue / drift when payloads are not monitored or a monitor could not be
  // built.
  std::unique_ptr<BoundedMpscQueue<PendingPayload>> queue_;
  std::unique_ptr<TensorDrift> output_drift_;
  std::vector<std::unique_ptr<TensorDrift>> input_drift_;  // by config.input_tensors
  std::atomic<int64_t> decoded_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> decode_errors_{0};
  telemetry::CounterLease decoded_counter_;
  telemetry::CounterLease dropped_counter_;
  telemetry::CounterLease decode_errors_counter_;
  // modelgate::Mutex (a std::mutex) rather than absl::Mutex throughout: Debian's Abseil is not
  // built for ThreadSanitizer, which then cannot see absl::Mutex's synchronisation (see
  // common/mutex.h).
  mutable Mutex label_mu_;
  std::string output_name_seen_ ABSL_GUARDED_BY(label_mu_);  // first output's name, if unnamed

  Mutex eval_mu_;
  std::vector<ArmTotals> totals_ ABSL_GUARDED_BY(eval_mu_);
  std::vector<int64_t> weights_ ABSL_GUARDED_BY(eval_mu_);  // the arms' current weights
  std::vector<ArmComparator> comparators_ ABSL_GUARDED_BY(eval_mu_);  // non-reference arms
  std::vector<int> comparator_arm_ ABSL_GUARDED_BY(eval_mu_);         // arm of each comparator
  GaugeBoard gauges_ ABSL_GUARDED_BY(eval_mu_);

  mutable Mutex report_mu_;
  std::shared_ptr<const Evaluation> latest_ ABSL_GUARDED_BY(report_mu_);
};

}  // namespace modelgate::monitor

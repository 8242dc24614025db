// Family declarations and lazy per-code counter resolution.
#include "telemetry/metrics.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"
#include "telemetry/process_metrics.h"
#include "telemetry/summary_fold.h"

namespace modelgate::telemetry {

CodeCounters::CodeCounters(prometheus::Family<prometheus::Counter>* family,
                           prometheus::Labels labels)
    : family_(family), labels_(std::move(labels)) {}

CodeCounters::~CodeCounters() {
  for (auto& slot : slots_) {
    if (prometheus::Counter* c = slot.load(std::memory_order_acquire)) ReleaseSeries(family_, c);
  }
}

prometheus::Counter* CodeCounters::Resolve(int code) {
  // Two threads may race here: both lease the same series (the registry returns one object per
  // label set), one stores it, and the loser returns its extra lease.
  prometheus::Labels labels = labels_;
  labels["code"] = std::string(GrpcStatusCodeName(code));  // in 0..16: Increment clamps it
  prometheus::Counter* c = AcquireSeries(family_, labels);
  prometheus::Counter* expected = nullptr;
  if (!slots_[code].compare_exchange_strong(expected, c, std::memory_order_acq_rel)) {
    ReleaseSeries(family_, c);
    return expected;
  }
  return c;
}

void CodeCounters::Increment(int code) {
  if (code < 0 || code >= kNumGrpcStatusCodes) code = 2;  // UNKNOWN
  prometheus::Counter* c = slots_[code].load(std::memory_order_acquire);
  if (c == nullptr) c = Resolve(code);
  c->Increment();
}

double CodeCounters::Value(int code) const {
  if (code < 0 || code >= kNumGrpcStatusCodes) return 0;
  prometheus::Counter* c = slots_[code].load(std::memory_order_acquire);
  return c ? c->Value() : 0;
}

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
      0.1,    0.15,    0.2,    0.3,   0.5,    0.75,  1,    2.5,   5,    10};
  return kBuckets;
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("modelgate_requests_total")
                   .Help("Requests completed, by route, arm and gRPC status code.")
                   .Register(*registry_);
  duration_ = &prometheus::BuildHistogram()
                   .Name("modelgate_request_duration_seconds")
                   .Help("Time from receiving a call to sending its status, by route and arm.")
                   .Register(*registry_);
  upstream_errors_ = &prometheus::BuildCounter()
                          .Name("modelgate_upstream_errors_total")
                          .Help("Non-OK statuses from upstream calls, by backend and code.")
                          .Register(*registry_);
  inflight_ = &prometheus::BuildGauge()
                   .Name("modelgate_inflight_requests")
                   .Help("Calls in progress, by route.")
                   .Register(*registry_);
  backend_connected_ = &prometheus::BuildGauge()
                            .Name("modelgate_backend_connected")
                            .Help("1 while the backend's channel has a ready connection, else 0.")
                            .Register(*registry_);
  fallbacks_ = &prometheus::BuildCounter()
                    .Name("modelgate_fallbacks_total")
                    .Help("Calls sent on to a fallback arm after an arm ended with a fallback "
                          "code, by route and that code.")
                    .Register(*registry_);
  unrouted_ = &prometheus::BuildCounter()
                   .Name("modelgate_unrouted_requests_total")
                   .Help("Calls that matched no route (answered UNIMPLEMENTED).")
                   .Register(*registry_);
  overloaded_ = &prometheus::BuildCounter()
                     .Name("modelgate_overload_rejections_total")
                     .Help("Calls answered RESOURCE_EXHAUSTED because proxy.max_inflight_calls "
                           "calls were already in progress.")
                     .Register(*registry_);
  config_info_ = &prometheus::BuildGauge()
                      .Name("modelgate_config_info")
                      .Help("The loaded config: file hash and generation (1 per reload).")
                      .Register(*registry_);
  reloads_ = &prometheus::BuildCounter()
                  .Name("modelgate_config_reload_total")
                  .Help("Config reload attempts, by result.")
                  .Register(*registry_);
  last_reload_ok_ = &prometheus::BuildGauge()
                         .Name("modelgate_config_last_reload_successful")
                         .Help("Whether the last config load or reload attempt succeeded (1) or "
                               "was rejected (0).")
                         .Register(*registry_)
                         .Add({});
  last_reload_success_time_ =
      &prometheus::BuildGauge()
           .Name("modelgate_config_last_reload_success_timestamp_seconds")
           .Help("Unix time of the last successful config load or reload.")
           .Register(*registry_)
           .Add({});
  auto& build = prometheus::BuildGauge()
                    .Name("modelgate_build_info")
                    .Help("modelgate build version.")
                    .Register(*registry_);
  build.Add({{"version", MODELGATE_VERSION}}).Set(1);
  client_connections_ = &prometheus::BuildGauge()
                             .Name("modelgate_client_connections")
                             .Help("Client connections open on the gRPC listener.")
                             .Register(*registry_)
                             .Add({});
  auto& rejected = prometheus::BuildCounter()
                       .Name("modelgate_client_connections_rejected_total")
                       .Help("Client connections refused at once: over "
                             "proxy.max_client_connections (limit) or out of file descriptors.")
                       .Register(*registry_);
  rejected_limit_ = &rejected.Add({{"reason", "limit"}});
  rejected_descriptors_ = &rejected.Add({{"reason", "file_descriptors"}});
  backend_healthy_ = &prometheus::BuildGauge()
                          .Name("modelgate_backend_healthy")
                          .Help("1 while a backend with health checks is fit for traffic (as of "
                                "its last check), else 0.")
                          .Register(*registry_);
  health_checks_ = &prometheus::BuildCounter()
                        .Name("modelgate_health_checks_total")
                        .Help("Active gRPC health checks, by backend and result (serving, "
                              "not_serving, timeout, error).")
                        .Register(*registry_);
  diversions_ = &prometheus::BuildCounter()
                     .Name("modelgate_diversions_total")
                     .Help("Calls sent to the reference arm because the arm they were assigned "
                           "to had an unhealthy backend, by route and that arm.")
                     .Register(*registry_);
  shadow_requests_ = &prometheus::BuildCounter()
                          .Name("modelgate_shadow_requests_total")
                          .Help("Shadow copies that ran, by route, shadow and the shadow's gRPC "
                                "status code.")
                          .Register(*registry_);
  shadow_dropped_ = ShadowDroppedFamily(*registry_);
  // Label-less series used on the request path: resolved once here.
  unrouted_series_ = &unrouted_->Add({});
  overloaded_series_ = &overloaded_->Add({});
}

std::shared_ptr<CodeCounters> Metrics::SharedCodeCounters(
    prometheus::Family<prometheus::Counter>* family, const prometheus::Labels& labels) {
  std::string key = family->GetName();
  for (const auto& [k, v] : labels) absl::StrAppend(&key, "\x1f", k, "=", v);
  absl::MutexLock lock(&code_counters_mu_);
  if (auto it = code_counters_.find(key); it != code_counters_.end()) {
    if (std::shared_ptr<CodeCounters> live = it->second.lock()) return live;
  }
  absl::erase_if(code_counters_, [](const auto& e) { return e.second.expired(); });
  auto created = std::make_shared<CodeCounters>(family, labels);
  code_counters_[key] = created;
  return created;
}

std::unique_ptr<ArmMetrics> Metrics::ForArm(const std::string& route, const std::string& arm) {
  auto m = std::make_unique<ArmMetrics>();
  m->requests = SharedCodeCounters(requests_, {{"route", route}, {"arm", arm}});
  m->duration = SeriesLease<prometheus::Histogram>(
      duration_, {{"route", route}, {"arm", arm}},
      prometheus::Histogram::BucketBoundaries(LatencyBuckets()));
  return m;
}

std::unique_ptr<BackendMetrics> Metrics::ForBackend(const std::string& backend) {
  auto m = std::make_unique<BackendMetrics>();
  m->upstream_errors = SharedCodeCounters(upstream_errors_, {{"backend", backend}});
  return m;
}

SeriesLease<prometheus::Gauge> Metrics::Inflight(const std::string& route) {
  return SeriesLease<prometheus::Gauge>(inflight_, {{"route", route}});
}

prometheus::Gauge* Metrics::BackendConnected(const std::string& backend) {
  return &backend_connected_->Add({{"backend", backend}});
}

void Metrics::RemoveBackendConnected(prometheus::Gauge* series) {
  backend_connected_->Remove(series);
}

std::shared_ptr<CodeCounters> Metrics::Fallbacks(const std::string& route) {
  return SharedCodeCounters(fallbacks_, {{"route", route}});
}

SeriesLease<prometheus::Gauge> Metrics::BackendHealthy(const std::string& backend) {
  return SeriesLease<prometheus::Gauge>(backend_healthy_, {{"backend", backend}});
}

prometheus::Family<prometheus::Counter>* Metrics::ShadowDroppedFamily(
    prometheus::Registry& registry) {
  return &prometheus::BuildCounter()
              .Name("modelgate_shadow_dropped_total")
              .Help("Shadow copies not sent (reason max_inflight) or not compared "
                    "(compare_queue_full), by route and shadow.")
              .Register(registry);
}

std::shared_ptr<CodeCounters> Metrics::ShadowRequests(const std::string& route,
                                                     const std::string& shadow) {
  return SharedCodeCounters(shadow_requests_, {{"route", route}, {"shadow", shadow}});
}

CounterLease Metrics::ShadowDropped(const std::string& route, const std::string& shadow,
                                    const std::string& reason) {
  return CounterLease(shadow_dropped_, {{"route", route}, {"shadow", shadow}, {"reason", reason}});
}

CounterLease Metrics::HealthChecks(const std::string& backend, const std::string& result) {
  return CounterLease(health_checks_, {{"backend", backend}, {"result", result}});
}

CounterLease Metrics::Diversions(const std::string& route, const std::string& from_arm) {
  return CounterLease(diversions_, {{"route", route}, {"from_arm", from_arm}});
}

prometheus::Counter* Metrics::Unrouted() { return unrouted_series_; }
prometheus::Counter* Metrics::Overloaded() { return overloaded_series_; }

void Metrics::SetConfigInfo(const std::string& hash, uint64_t generation) {
  if (config_info_series_ != nullptr) config_info_->Remove(config_info_series_);
  config_info_series_ =
      &config_info_->Add({{"hash", hash}, {"generation", std::to_string(generation)}});
  config_info_series_->Set(1);
}

void Metrics::CountReload(bool ok) {
  reloads_->Add({{"result", ok ? "success" : "error"}}).Increment();
  last_reload_ok_->Set(ok ? 1 : 0);
  if (ok) last_reload_success_time_->SetToCurrentTime();
}

void Metrics::MarkConfigValid() {
  last_reload_ok_->Set(1);
  last_reload_success_time_->SetToCurrentTime();
}

std::string Metrics::Serialize() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  if (absl::StatusOr<ProcessStats> process = ReadProcessStats(); process.ok()) {
    for (prometheus::MetricFamily& f : ProcessFamilies(*process)) families.push_back(std::move(f));
  }
  return SerializeText(std::move(families));
}

}  // namespace modelgate::telemetry

// Family declarations and lazy per-code counter resolution.
#include "telemetry/metrics.h"

#include <sstream>

#include "prometheus/text_serializer.h"

namespace modelgate::telemetry {

const char* StatusCodeName(int code) {
  // The table's names are literals, so their data is NUL-terminated.
  const absl::string_view name = GrpcStatusCodeName(code);
  return name.empty() ? "UNKNOWN" : name.data();
}

CodeCounters::CodeCounters(prometheus::Family<prometheus::Counter>* family,
                           prometheus::Labels labels)
    : family_(family), labels_(std::move(labels)) {}

prometheus::Counter* CodeCounters::Resolve(int code) {
  // Family::Add is thread-safe and returns the same object for the same labels, so two threads
  // racing here store the same pointer.
  prometheus::Labels labels = labels_;
  labels["code"] = StatusCodeName(code);
  prometheus::Counter* c = &family_->Add(labels);
  slots_[code].store(c, std::memory_order_release);
  return c;
}

void CodeCounters::Increment(int code) {
  if (code < 0 || code >= kNumStatusCodes) code = 2;  // UNKNOWN
  prometheus::Counter* c = slots_[code].load(std::memory_order_acquire);
  if (c == nullptr) c = Resolve(code);
  c->Increment();
}

double CodeCounters::Value(int code) const {
  if (code < 0 || code >= kNumStatusCodes) return 0;
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
  auto& build = prometheus::BuildGauge()
                    .Name("modelgate_build_info")
                    .Help("modelgate build version.")
                    .Register(*registry_);
  build.Add({{"version", MODELGATE_VERSION}}).Set(1);
  // Label-less series used on the request path: resolved once here.
  unrouted_series_ = &unrouted_->Add({});
  overloaded_series_ = &overloaded_->Add({});
}

std::unique_ptr<ArmMetrics> Metrics::ForArm(const std::string& route, const std::string& arm) {
  auto m = std::make_unique<ArmMetrics>();
  m->requests =
      std::make_unique<CodeCounters>(requests_, prometheus::Labels{{"route", route}, {"arm", arm}});
  m->duration = &duration_->Add({{"route", route}, {"arm", arm}},
                                prometheus::Histogram::BucketBoundaries(LatencyBuckets()));
  return m;
}

std::unique_ptr<BackendMetrics> Metrics::ForBackend(const std::string& backend) {
  auto m = std::make_unique<BackendMetrics>();
  m->upstream_errors =
      std::make_unique<CodeCounters>(upstream_errors_, prometheus::Labels{{"backend", backend}});
  return m;
}

prometheus::Gauge* Metrics::Inflight(const std::string& route) {
  return &inflight_->Add({{"route", route}});
}

prometheus::Gauge* Metrics::BackendConnected(const std::string& backend) {
  return &backend_connected_->Add({{"backend", backend}});
}

void Metrics::RemoveBackendConnected(prometheus::Gauge* series) {
  backend_connected_->Remove(series);
}

prometheus::Counter* Metrics::Unrouted() { return unrouted_series_; }
prometheus::Counter* Metrics::Overloaded() { return overloaded_series_; }

void Metrics::SetConfigInfo(const std::string& hash, uint64_t generation) {
  if (config_info_series_ != nullptr) config_info_->Remove(config_info_series_);
  config_info_series_ =
      &config_info_->Add({{"hash", hash}, {"generation", std::to_string(generation)}});
  config_info_series_->Set(1);
}

void Metrics::CountReload(bool ok) { reloads_->Add({{"result", ok ? "success" : "error"}}).Increment(); }

std::string Metrics::Serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace modelgate::telemetry

// modelgate's Prometheus metrics. Families are declared once here; per-route and per-arm handles
// are resolved when a config snapshot is built, never by label on the request path
// (Family::Add takes a lock). Counters per gRPC status code are resolved lazily, once per code,
// so /metrics only shows codes that happened. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "common/status_codes.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace modelgate::telemetry {

inline constexpr int kNumStatusCodes = kNumGrpcStatusCodes;

// Canonical gRPC status name ("OK", "UNAVAILABLE", ...); "UNKNOWN" for out-of-range codes.
const char* StatusCodeName(int code);

// A counter per status code over a fixed label set, resolved on first use of each code.
class CodeCounters {
 public:
  CodeCounters(prometheus::Family<prometheus::Counter>* family, prometheus::Labels labels);
  void Increment(int code);
  // Current value for `code` (0 if never incremented); for tests and the admin API.
  double Value(int code) const;

 private:
  prometheus::Counter* Resolve(int code);
  prometheus::Family<prometheus::Counter>* family_;
  prometheus::Labels labels_;
  std::array<std::atomic<prometheus::Counter*>, kNumStatusCodes> slots_{};
};

struct ArmMetrics {
  std::unique_ptr<CodeCounters> requests;  // modelgate_requests_total{route,arm,code}
  prometheus::Histogram* duration;          // modelgate_request_duration_seconds{route,arm}
};

struct BackendMetrics {
  std::unique_ptr<CodeCounters> upstream_errors;  // modelgate_upstream_errors_total{backend,code}
};

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  std::unique_ptr<ArmMetrics> ForArm(const std::string& route, const std::string& arm);
  std::unique_ptr<BackendMetrics> ForBackend(const std::string& backend);
  prometheus::Gauge* Inflight(const std::string& route);
  // modelgate_backend_connected{backend}: set off the request path by the upstream pool.
  prometheus::Gauge* BackendConnected(const std::string& backend);
  void RemoveBackendConnected(prometheus::Gauge* series);
  prometheus::Counter* Unrouted();
  prometheus::Counter* Overloaded();

  // Replaces the modelgate_config_info series with the new hash/generation.
  void SetConfigInfo(const std::string& hash, uint64_t generation);
  void CountReload(bool ok);

  // Text exposition format 0.0.4 of everything registered.
  std::string Serialize() const;

  static const std::vector<double>& LatencyBuckets();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* duration_;
  prometheus::Family<prometheus::Counter>* upstream_errors_;
  prometheus::Family<prometheus::Gauge>* inflight_;
  prometheus::Family<prometheus::Gauge>* backend_connected_;
  prometheus::Family<prometheus::Counter>* unrouted_;
  prometheus::Family<prometheus::Counter>* overloaded_;
  prometheus::Family<prometheus::Gauge>* config_info_;
  prometheus::Family<prometheus::Counter>* reloads_;
  prometheus::Gauge* config_info_series_ = nullptr;
  prometheus::Counter* unrouted_series_ = nullptr;
  prometheus::Counter* overloaded_series_ = nullptr;
};

}  // namespace modelgate::telemetry

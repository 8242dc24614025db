// modelgate's Prometheus metrics. Families are declared once here; per-route and per-arm handles
// are resolved when a config snapshot is built, never by label on the request path
// (Family::Add takes a lock). Counters per gRPC status code are resolved lazily, once per code,
// so /metrics only shows codes that happened. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "common/status_codes.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "telemetry/series_lease.h"

namespace modelgate::telemetry {

// A counter per status code over a fixed label set, resolved on first use of each code. One
// object per label set is shared by every snapshot that uses it (Metrics hands out the same one),
// so a code counted under an old snapshot stays exported while a newer snapshot still has the
// arm; its series are returned on destruction, so a removed route, arm or backend disappears
// from /metrics once no snapshot uses it.
class CodeCounters {
 public:
  CodeCounters(prometheus::Family<prometheus::Counter>* family, prometheus::Labels labels);
  ~CodeCounters();
  CodeCounters(const CodeCounters&) = delete;
  CodeCounters& operator=(const CodeCounters&) = delete;
  void Increment(int code);
  // Current value for `code` (0 if never incremented); for tests and the admin API.
  double Value(int code) const;

 private:
  prometheus::Counter* Resolve(int code);
  prometheus::Family<prometheus::Counter>* family_;
  prometheus::Labels labels_;
  std::array<std::atomic<prometheus::Counter*>, kNumGrpcStatusCodes> slots_{};
};

struct ArmMetrics {
  std::shared_ptr<CodeCounters> requests;  // modelgate_requests_total{route,arm,code}
  SeriesLease<prometheus::Histogram> duration;  // modelgate_request_duration_seconds{route,arm}
};

struct BackendMetrics {
  std::shared_ptr<CodeCounters> upstream_errors;  // modelgate_upstream_errors_total{backend,code}
};

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  std::unique_ptr<ArmMetrics> ForArm(const std::string& route, const std::string& arm);
  std::unique_ptr<BackendMetrics> ForBackend(const std::string& backend);
  SeriesLease<prometheus::Gauge> Inflight(const std::string& route);
  // modelgate_fallbacks_total{route,code}: calls answered by a fallback after an arm failed.
  std::shared_ptr<CodeCounters> Fallbacks(const std::string& route);
  // modelgate_backend_connected{backend}: set off the request path by the upstream pool.
  prometheus::Gauge* BackendConnected(const std::string& backend);
  void RemoveBackendConnected(prometheus::Gauge* series);
  prometheus::Counter* Unrouted();
  prometheus::Counter* Overloaded();

  // Backend health (src/health): modelgate_backend_healthy{backend} for backends with active
  // checks, modelgate_health_checks_total{backend,result}, and
  // modelgate_diversions_total{route,from_arm}: calls a strategy sent elsewhere because that
  // arm's backend was unhealthy. Leased: a backend's or arm's series go with its last holder.
  SeriesLease<prometheus::Gauge> BackendHealthy(const std::string& backend);
  CounterLease HealthChecks(const std::string& backend, const std::string& result);
  CounterLease Diversions(const std::string& route, const std::string& from_arm);
  // Shadow copies: modelgate_shadow_requests_total{route,shadow,code} (every copy that ran) and
  // modelgate_shadow_dropped_total{route,shadow,reason} (copies not sent, or not compared).
  std::shared_ptr<CodeCounters> ShadowRequests(const std::string& route, const std::string& shadow);
  CounterLease ShadowDropped(const std::string& route, const std::string& shadow,
                             const std::string& reason);
  // The modelgate_shadow_dropped_total family, for the comparers that count their own drops in
  // it (registering again returns the same family).
  static prometheus::Family<prometheus::Counter>* ShadowDroppedFamily(
      prometheus::Registry& registry);
  // modelgate_client_connections and modelgate_client_connections_rejected_total{reason}.
  prometheus::Gauge* ClientConnections() { return client_connections_; }
  prometheus::Counter* ClientConnectionsRejected(bool out_of_descriptors) {
    return out_of_descriptors ? rejected_descriptors_ : rejected_limit_;
  }

  // Replaces the modelgate_config_info series with the new hash/generation.
  void SetConfigInfo(const std::string& hash, uint64_t generation);
  // Counts a reload attempt and sets modelgate_config_last_reload_successful (and, on success,
  // modelgate_config_last_reload_success_timestamp_seconds to now). The initial load counts as
  // a successful one for the two gauges (Prometheus's own convention).
  void CountReload(bool ok);
  // The config file was read and is valid (at start, or unchanged on a reload): sets both gauges
  // as a successful reload would, without counting one.
  void MarkConfigValid();

  // Text exposition format 0.0.4 of everything registered.
  std::string Serialize() const;

  static const std::vector<double>& LatencyBuckets();

 private:
  // The live CodeCounters of `family` with `labels`, or a new one.
  std::shared_ptr<CodeCounters> SharedCodeCounters(prometheus::Family<prometheus::Counter>* family,
                                                   const prometheus::Labels& labels);

  absl::Mutex code_counters_mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<CodeCounters>> code_counters_
      ABSL_GUARDED_BY(code_counters_mu_);
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* duration_;
  prometheus::Family<prometheus::Counter>* upstream_errors_;
  prometheus::Family<prometheus::Gauge>* inflight_;
  prometheus::Family<prometheus::Counter>* fallbacks_;
  prometheus::Family<prometheus::Gauge>* backend_connected_;
  prometheus::Family<prometheus::Counter>* unrouted_;
  prometheus::Family<prometheus::Counter>* overloaded_;
  prometheus::Family<prometheus::Gauge>* backend_healthy_;
  prometheus::Family<prometheus::Counter>* health_checks_;
  prometheus::Family<prometheus::Counter>* diversions_;
  prometheus::Family<prometheus::Counter>* shadow_requests_;
  prometheus::Family<prometheus::Counter>* shadow_dropped_;
  prometheus::Family<prometheus::Gauge>* config_info_;
  prometheus::Family<prometheus::Counter>* reloads_;
  prometheus::Gauge* last_reload_ok_ = nullptr;
  prometheus::Gauge* last_reload_success_time_ = nullptr;
  prometheus::Gauge* config_info_series_ = nullptr;
  prometheus::Counter* unrouted_series_ = nullptr;
  prometheus::Counter* overloaded_series_ = nullptr;
  prometheus::Gauge* client_connections_ = nullptr;
  prometheus::Counter* rejected_limit_ = nullptr;
  prometheus::Counter* rejected_descriptors_ = nullptr;
};

}  // namespace modelgate::telemetry

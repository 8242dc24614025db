// Snapshot readings and the sampler thread.
#include "admin/history_sampler.h"

#include <chrono>
#include <string>

#include "common/arm_role.h"
#include "common/status_codes.h"

namespace modelgate::admin {
namespace {

// Calls and non-OK calls of one CodeCounters (every status code).
void ReadCodes(const telemetry::CodeCounters& counters, double* calls, double* errors) {
  for (int code = 0; code < kNumGrpcStatusCodes; ++code) {
    const double v = counters.Value(code);
    *calls += v;
    if (code != 0) *errors += v;
  }
}

}  // namespace

std::vector<RouteReading> ReadSnapshot(const proxy::Snapshot& snapshot) {
  std::vector<RouteReading> out;
  const config::Config& config = snapshot.config();
  for (int i = 0; i < snapshot.table().size(); ++i) {
    const proxy::RouteRuntime& rt = snapshot.route(i);
    const config::Route* route = nullptr;
    for (const config::Route& c : config.routes) {
      if (c.name == rt.route->name) route = &c;
    }
    RouteReading r;
    r.route = rt.route->name;
    r.strategy = route != nullptr ? route->strategy : "";
    double total_weight = 0;
    if (route != nullptr) {
      for (const config::RouteArm& a : route->arms) {
        if (a.role != ArmRole::kShadow) total_weight += static_cast<double>(a.weight);
      }
    }
    for (const proxy::ArmRuntime& arm : rt.arms) {
      ArmReading a;
      a.arm = arm.spec->name;
      a.role = std::string(ArmRoleName(arm.spec->role));
      if (route != nullptr && total_weight > 0 && arm.spec->role != ArmRole::kShadow) {
        const int index = route->FindArm(a.arm);
        if (index >= 0) a.weight = static_cast<double>(route->arms[index].weight) / total_weight;
      }
      if (arm.spec->role == ArmRole::kShadow && arm.shadow_requests != nullptr) {
        // A shadow arm never answers a client: its traffic is the copies it was sent.
        a.series = arm.shadow_requests;
        ReadCodes(*arm.shadow_requests, &a.calls, &a.errors);
      } else if (arm.metrics != nullptr && arm.metrics->requests != nullptr) {
        a.series = arm.metrics->requests;
        ReadCodes(*arm.metrics->requests, &a.calls, &a.errors);
        if (arm.metrics->duration.get() != nullptr) {
          // Collect() is what a /metrics scrape does: it reads the bucket counters.
          const prometheus::ClientMetric m = arm.metrics->duration->Collect();
          for (const prometheus::ClientMetric::Bucket& b : m.histogram.bucket) {
            a.buckets.push_back(static_cast<double>(b.cumulative_count));
          }
        }
      }
      r.arms.push_back(std::move(a));
    }
    out.push_back(std::move(r));
  }
  return out;
}

HistorySampler::HistorySampler(History* history, SnapshotFn snapshot, absl::Duration interval)
    : history_(history), snapshot_(std::move(snapshot)), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

HistorySampler::~HistorySampler() { Stop(); }

void HistorySampler::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void HistorySampler::Loop() {
  auto next = std::chrono::steady_clock::now();
  while (true) {
    if (std::shared_ptr<const proxy::Snapshot> snap = snapshot_()) {
      history_->Record(absl::Now(), ReadSnapshot(*snap));
    }
    next += absl::ToChronoNanoseconds(interval_);
    MutexLock lock(&mu_);
    while (!stopping_) {
      if (!cv_.WaitUntil(&mu_, next)) break;  // the interval passed
    }
    if (stopping_) return;
  }
}

}  // namespace modelgate::admin

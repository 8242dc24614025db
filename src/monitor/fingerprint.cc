// ExperimentFingerprint: a canonical, unambiguous serialisation (length-prefixed strings,
// exact hexadecimal doubles) rather than a hash, so two different experiments can never
// collide.
#include "monitor/fingerprint.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace modelgate::monitor {
namespace {

class Writer {
 public:
  Writer& Str(absl::string_view s) {
    absl::StrAppend(&out_, s.size(), ":", s, ";");
    return *this;
  }
  Writer& Int(int64_t v) {
    absl::StrAppend(&out_, v, ";");
    return *this;
  }
  Writer& Real(double v) {
    absl::StrAppend(&out_, absl::StrFormat("%a", v), ";");
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string ExperimentFingerprint(const config::Route& route,
                                  const std::vector<config::Backend>& backends,
                                  absl::string_view reference_file_digest) {
  Writer w;
  w.Str("route").Str(route.name).Str(route.strategy);
  w.Str("arms").Int(static_cast<int64_t>(route.arms.size()));
  for (const config::RouteArm& a : route.arms) {
    w.Str(a.name).Str(a.backend).Int(static_cast<int>(a.role));
    // A validated config defines every arm's backend; an unknown one serialises as absent.
    auto b = std::find_if(backends.begin(), backends.end(),
                          [&](const config::Backend& x) { return x.name == a.backend; });
    if (b == backends.end()) {
      w.Int(0);
    } else {
      w.Int(1).Str(b->address).Str(b->authority);
    }
  }
  w.Str("strategy").Str(route.block != nullptr ? route.block->ExperimentKey() : "");
  const config::MonitorConfig& m = route.monitor;
  w.Str("monitor").Int(m.enabled).Str(m.reference_arm).Real(m.alpha).Real(m.srm_threshold);
  w.Int(m.min_samples).Real(m.sequential_tau).Real(m.latency_tolerance);
  w.Real(m.error_rate_tolerance).Str(m.correction).Real(m.interval_seconds).Str(m.payload);
  w.Str(m.output_tensor).Int(static_cast<int64_t>(m.input_tensors.size()));
  for (const std::string& t : m.input_tensors) w.Str(t);
  w.Real(m.sample_rate).Int(m.queue_size).Int(static_cast<int64_t>(m.error_codes.size()));
  for (int c : m.error_codes) w.Int(c);
  const config::DriftConfig& d = m.drift;
  w.Str("drift").Int(d.bins).Int(d.reference_samples).Str(d.reference_file);
  w.Real(d.window_seconds).Int(d.min_samples).Str(reference_file_digest);
  return w.Take();
}

}  // namespace modelgate::monitor

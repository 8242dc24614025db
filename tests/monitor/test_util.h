// Shared helpers for the monitor tests: configs, seeded simulated traffic, synthetic Open
// Inference Protocol messages, and reading gauges back from a registry.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "common/random.h"
#include "config/config.h"
#include "inference/grpc_predict_v2.pb.h"
#include "monitor/monitor_engine.h"
#include "monitor/route_monitor.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "telemetry/summary_fold.h"

namespace modelgate::monitor::testing {

inline config::MonitorConfig BaseConfig() {
  config::MonitorConfig c;
  c.enabled = true;
  c.reference_arm = "legacy";
  c.min_samples = 100;
  return c;
}

inline std::vector<ArmInfo> TwoArms(int64_t legacy_weight = 50, int64_t candidate_weight = 50) {
  return {{"legacy", legacy_weight}, {"candidate", candidate_weight}};
}

// Seeded normal variates (Box-Muller), so every simulation is reproducible.
class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : rng_(seed) {}
  double Next(double mean, double sd) {
    if (has_spare_) {
      has_spare_ = false;
      return mean + sd * spare_;
    }
    double u1 = rng_.Uniform();
    while (u1 <= 0.0) u1 = rng_.Uniform();
    const double u2 = rng_.Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return mean + sd * r * std::cos(2.0 * M_PI * u2);
  }
  double Uniform() { return rng_.Uniform(); }
  SplitMix64& rng() { return rng_; }

 private:
  SplitMix64 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// One simulated arm: latency ~ N(mean, sd) seconds (successful calls), error probability.
struct ArmModel {
  double latency_mean = 0.005;
  double latency_sd = 0.0005;
  double error_rate = 0.01;
};

inline void RecordCalls(RouteMonitor& m, Gaussian& g, int arm, const ArmModel& model, int n,
                        int shard = 0) {
  for (int i = 0; i < n; ++i) {
    const bool error = g.Uniform() < model.error_rate;
    const double latency = std::max(0.0, g.Next(model.latency_mean, model.latency_sd));
    m.RecordOutcome(shard, arm, error ? 14 : 0, latency);
  }
}

inline const nlohmann::json* FindComparison(const nlohmann::json& report, const std::string& arm,
                                            const std::string& metric) {
  for (const auto& c : report["comparisons"]) {
    if (c["arm"] == arm && c["metric"] == metric) return &c;
  }
  return nullptr;
}

inline std::string Serialize(const prometheus::Registry& registry) {
  return telemetry::SerializeText(registry.Collect());
}

// The value of the exposition line that starts with `series` (name{labels} exactly as
// serialised), or NaN when absent.
inline double SeriesValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nan("");
}

inline absl::Cord ToCord(const google::protobuf::MessageLite& message) {
  return absl::Cord(message.SerializeAsString());
}

inline absl::Cord RawCord(const std::string& bytes) { return absl::Cord(bytes); }

// A strategy block with the settings of a split: salt and sticky header.
struct SplitBlock final : config::StrategyBlock {
  explicit SplitBlock(std::string salt = "modelgate", std::string sticky = "")
      : salt(std::move(salt)), sticky(std::move(sticky)) {}
  std::string ExperimentKey() const override { return salt + "|" + sticky; }
  std::string DefinitionKey() const override { return ExperimentKey(); }
  std::string sticky_header() const override { return sticky; }
  nlohmann::json ToJson() const override { return {{"salt", salt}}; }
  std::string salt, sticky;
};

// The monitor a strategy makes by default: every arm compared with the reference arm.
inline MonitorEngine::Factory ArmsMonitor() {
  return [](const config::Route& route, int shards, std::shared_ptr<prometheus::Registry> r) {
    std::vector<ArmInfo> arms;
    for (const config::RouteArm& a : route.arms) arms.push_back({a.name, a.weight});
    return RouteMonitor::Create(route.name, std::move(arms), route.monitor, shards, std::move(r));
  };
}

// What the data plane does with a sampled call's messages: hand them to the route's sink
// (`compressed`: both are gzip/deflate-compressed, as sent).
inline void Offer(RouteMonitor& m, int arm, const absl::Cord& request, const absl::Cord& response,
                  bool compressed = false) {
  struct Messages : telemetry::PayloadSource {
    Messages(const absl::Cord& req, const absl::Cord& resp, bool compressed)
        : req(req), resp(resp), compressed(compressed) {}
    absl::Cord Request(bool* c) const override {
      *c = compressed;
      return req;
    }
    absl::Cord Response(bool* c) const override {
      *c = compressed;
      return resp;
    }
    absl::Cord req, resp;
    bool compressed;
  };
  telemetry::Outcome outcome;
  outcome.arm = arm;
  m.OfferPayload(outcome, Messages(request, response, compressed));
}

// A response with one FP32 output in typed contents.
inline inference::ModelInferResponse Fp32Response(const std::string& name,
                                                  const std::vector<float>& values) {
  inference::ModelInferResponse r;
  r.set_model_name("model");
  auto* out = r.add_outputs();
  out->set_name(name);
  out->set_datatype("FP32");
  out->add_shape(1);
  out->add_shape(static_cast<int64_t>(values.size()));
  for (float v : values) out->mutable_contents()->add_fp32_contents(v);
  return r;
}

// The same tensor sent as raw_output_contents (little-endian FP32).
inline inference::ModelInferResponse RawFp32Response(const std::string& name,
                                                     const std::vector<float>& values) {
  inference::ModelInferResponse r;
  auto* out = r.add_outputs();
  out->set_name(name);
  out->set_datatype("FP32");
  out->add_shape(static_cast<int64_t>(values.size()));
  std::string raw;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 4; ++b) raw.push_back(static_cast<char>((bits >> (8 * b)) & 0xff));
  }
  r.add_raw_output_contents(raw);
  return r;
}

inline inference::ModelInferRequest Fp64Request(const std::string& name,
                                                const std::vector<double>& values) {
  inference::ModelInferRequest r;
  r.set_model_name("model");
  auto* in = r.add_inputs();
  in->set_name(name);
  in->set_datatype("FP64");
  in->add_shape(static_cast<int64_t>(values.size()));
  for (double v : values) in->mutable_contents()->add_fp64_contents(v);
  return r;
}

}  // namespace modelgate::monitor::testing

// One function per config section; defaults shown resolved (arm names, salt).
#include "admin/config_json.h"

#include <string>
#include <vector>

#include "common/status_codes.h"

namespace modelgate::admin {
namespace {

using nlohmann::json;

json Arm(const config::Config& config, const config::RouteArm& a) {
  const config::Backend* b = config.FindBackend(a.backend);
  return {{"name", a.name},
          {"backend", a.backend},
          {"address", b != nullptr ? b->address : ""},
          {"weight", a.weight},
          {"role", std::string(ArmRoleName(a.role))}};
}

json ErrorCodeNames(const std::vector<int>& codes) {
  json names = json::array();
  for (int c : codes) names.push_back(std::string(GrpcStatusCodeName(c)));
  return names;
}

json Monitor(const config::MonitorConfig& m) {
  if (!m.enabled) return nullptr;
  const config::DriftConfig& d = m.drift;
  return {{"reference_arm", m.reference_arm},
          {"alpha", m.alpha},
          {"srm_threshold", m.srm_threshold},
          {"min_samples", m.min_samples},
          {"sequential_tau", m.sequential_tau},
          {"latency_tolerance", m.latency_tolerance},
          {"error_rate_tolerance", m.error_rate_tolerance},
          {"correction", m.correction},
          {"interval_seconds", m.interval_seconds},
          {"payload", m.payload},
          {"output_tensor", m.output_tensor},
          {"input_tensors", m.input_tensors},
          {"sample_rate", m.sample_rate},
          {"queue_size", m.queue_size},
          {"drift",
           {{"bins", d.bins},
            {"reference_samples", d.reference_samples},
            {"reference_file", d.reference_file},
            {"window_seconds", d.window_seconds},
            {"min_samples", d.min_samples}}},
          {"error_codes", ErrorCodeNames(m.error_codes)},
          {"sticky_assignment", m.sticky_assignment}};
}

json Route(const config::Config& config, const config::Route& r) {
  json headers = json::object();
  for (const auto& [name, value] : r.match.headers) headers[name] = value;
  json arms = json::array();
  for (const config::RouteArm& a : r.arms) arms.push_back(Arm(config, a));
  json route = {{"name", r.name},
                {"match",
                 {{"service", r.match.service},
                  {"method", r.match.method},
                  {"headers", headers}}},
                {"strategy", r.strategy}};
  // The strategy's own settings (e.g. sticky_header and salt), as it describes them.
  if (r.block != nullptr) {
    const json settings = r.block->ToJson();
    for (const auto& [key, value] : settings.items()) route[key] = value;
  }
  route["arms"] = arms;
  route["arm_header"] = r.arm_header;
  route["timeout_seconds"] = r.timeout_seconds;
  route["monitor"] = Monitor(r.monitor);
  return route;
}

}  // namespace

json EffectiveConfigJson(const config::Config& config, uint64_t generation) {
  json backends = json::array();
  for (const config::Backend& b : config.backends) {
    backends.push_back({{"name", b.name}, {"address", b.address}, {"authority", b.authority}});
  }
  json routes = json::array();
  for (const config::Route& r : config.routes) routes.push_back(Route(config, r));
  const config::ProxyConfig& p = config.proxy;
  return {{"generation", generation},
          {"hash", config.hash},
          {"path", config.path},
          {"listen", config.listen},
          {"admin",
           {{"listen", config.admin.listen},
            {"token_file", config.admin.token_file.empty() ? json(nullptr)
                                                           : json(config.admin.token_file)}}},
          {"proxy",
           {{"threads", p.threads},
            {"max_message_bytes", p.max_message_bytes},
            {"drain_seconds", p.drain_seconds},
            {"max_inflight_calls", p.max_inflight_calls},
            {"unary_methods", p.unary_methods},
            {"descriptor_sets", p.descriptor_sets}}},
          {"backends", backends},
          {"routes", routes}};
}

}  // namespace modelgate::admin

// proxy.upstream, backends[].upstream and backends[].lb_policy; see upstream_schema.h.
#include "config/upstream_schema.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

// gRPC raises any backoff or connect timeout below 100 ms to 100 ms; saying so beats a value
// that silently does not apply.
constexpr double kMinSeconds = 0.1;
constexpr double kMaxSeconds = 3600;

constexpr char kInitial[] = "reconnect_initial_seconds";
constexpr char kMax[] = "reconnect_max_seconds";
constexpr char kConnectTimeout[] = "connect_timeout_seconds";

// Reads `key` into `out` if present; returns the node it was read from.
const YamlNode* ReadSeconds(const MapReader& map, absl::string_view key, Diagnostics& diag,
                            double& out) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return nullptr;
  const std::string path = map.PathOf(key);
  std::optional<double> v = ReadNumber(*n, path, diag, kMinSeconds);
  if (v && *v > kMaxSeconds) {
    diag.Add(n->pos, path, absl::StrCat("must be <= ", kMaxSeconds, " (got ", n->scalar, ")"));
    v.reset();
  }
  if (v) out = *v;
  return n;
}

}  // namespace

void ReadUpstream(const YamlNode& node, const std::string& path, absl::string_view inherited_from,
                  Diagnostics& diag, UpstreamConfig& out) {
  if (!ExpectMap(node, path, diag)) return;
  MapReader upstream(node, path, {kInitial, kMax, kConnectTimeout}, diag);
  const YamlNode* initial = ReadSeconds(upstream, kInitial, diag, out.reconnect_initial_seconds);
  const YamlNode* max = ReadSeconds(upstream, kMax, diag, out.reconnect_max_seconds);
  ReadSeconds(upstream, kConnectTimeout, diag, out.connect_timeout_seconds);
  // Inherited values were checked where they were set; report at the key this block set.
  if (out.reconnect_initial_seconds <= out.reconnect_max_seconds) return;
  if (initial == nullptr && max == nullptr) return;
  const auto origin = [&](const YamlNode* n) {
    return n != nullptr ? std::string() : absl::StrCat(", from ", inherited_from);
  };
  const YamlNode* at = initial != nullptr ? initial : max;
  const std::string at_path = upstream.PathOf(initial != nullptr ? kInitial : kMax);
  diag.Add(at->pos, at_path,
           absl::StrCat(kInitial, " (", out.reconnect_initial_seconds, origin(initial),
                        ") must not exceed ", kMax, " (", out.reconnect_max_seconds, origin(max),
                        ")"));
}

void ReadLbPolicy(const YamlNode& node, const std::string& path, Diagnostics& diag,
                  LbPolicy& out) {
  const std::vector<absl::string_view> choices = {LbPolicyName(LbPolicy::kRoundRobin),
                                                  LbPolicyName(LbPolicy::kPickFirst)};
  if (auto s = ReadChoice(node, path, choices, diag)) {
    out = *s == choices[1] ? LbPolicy::kPickFirst : LbPolicy::kRoundRobin;
  }
}

}  // namespace modelgate::config

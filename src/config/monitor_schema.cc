// routes[i].monitor: statistics settings with their ranges, and drift settings.
#include "config/monitor_schema.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_codes.h"
#include "config/closest_match.h"
#include "config/route_parts.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

// A number in (0, 1) exclusive, e.g. a significance level.
void ReadOpenUnit(const MapReader& map, absl::string_view key, Diagnostics& diag, double& out) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return;
  const std::string path = map.PathOf(key);
  if (auto v = ReadNumber(*n, path, diag, 0)) {
    if (*v <= 0 || *v >= 1) {
      diag.Add(n->pos, path, absl::StrCat("must be between 0 and 1, exclusive (got ", *v, ")"));
    } else {
      out = *v;
    }
  }
}

void ReadPositive(const MapReader& map, absl::string_view key, Diagnostics& diag, double& out) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return;
  const std::string path = map.PathOf(key);
  if (auto v = ReadNumber(*n, path, diag, 0)) {
    if (*v <= 0) {
      diag.Add(n->pos, path, absl::StrCat("must be > 0 (got ", *v, ")"));
    } else {
      out = *v;
    }
  }
}

void ReadIntIn(const MapReader& map, absl::string_view key, Diagnostics& diag, int64_t min,
               int64_t max, int64_t& out) {
  if (const YamlNode* n = map.Find(key)) {
    if (auto v = ReadInt(*n, map.PathOf(key), diag, min, max)) out = *v;
  }
}

void ReadChoice(const MapReader& map, absl::string_view key,
                const std::vector<absl::string_view>& choices, Diagnostics& diag,
                std::string& out) {
  if (const YamlNode* n = map.Find(key)) {
    if (auto s = config::ReadChoice(*n, map.PathOf(key), choices, diag)) out = *s;
  }
}

void ReadDrift(const YamlNode& node, const std::string& path, Diagnostics& diag, DriftConfig& out) {
  if (!ExpectMap(node, path, diag)) return;
  MapReader drift(node, path,
                  {"bins", "reference_samples", "reference_file", "window_seconds", "min_samples"},
                  diag);
  if (const YamlNode* n = drift.Find("bins")) {
    if (auto v = ReadInt(*n, drift.PathOf("bins"), diag, 2, 1000)) out.bins = static_cast<int>(*v);
  }
  ReadIntIn(drift, "reference_samples", diag, 10, 10'000'000, out.reference_samples);
  if (const YamlNode* n = drift.Find("reference_file")) {
    if (auto s = ReadString(*n, drift.PathOf("reference_file"), diag)) out.reference_file = *s;
  }
  ReadPositive(drift, "window_seconds", diag, out.window_seconds);
  ReadIntIn(drift, "min_samples", diag, 1, 10'000'000, out.min_samples);
}

}  // namespace

void ReadMonitor(const YamlNode& node, const std::string& path,
                 const std::vector<std::string>& arm_names, Diagnostics& diag, MonitorConfig& out) {
  if (!ExpectMap(node, path, diag)) return;
  out.enabled = true;
  MapReader m(node, path,
              {"reference_arm", "alpha", "srm_threshold", "min_samples", "sequential_tau",
               "latency_tolerance", "error_rate_tolerance", "correction", "interval_seconds",
               "payload", "output_tensor", "input_tensors", "sample_rate", "queue_size", "drift",
               "error_codes"},
              diag);
  if (const YamlNode* n = m.Find("reference_arm")) {
    const std::string p = m.PathOf("reference_arm");
    if (auto s = ReadString(*n, p, diag)) {
      bool known = arm_names.empty();
      for (const std::string& a : arm_names) known = known || a == *s;
      if (known) {
        out.reference_arm = *s;
      } else {
        std::vector<absl::string_view> names(arm_names.begin(), arm_names.end());
        diag.Add(n->pos, p,
                 absl::StrCat("no arm named ", Quote(*s), " in this route (arms: ",
                              absl::StrJoin(arm_names, ", "), ")"));
      }
    }
  }
  ReadOpenUnit(m, "alpha", diag, out.alpha);
  ReadOpenUnit(m, "srm_threshold", diag, out.srm_threshold);
  ReadIntIn(m, "min_samples", diag, 2, 1'000'000'000, out.min_samples);
  ReadPositive(m, "sequential_tau", diag, out.sequential_tau);
  ReadPositive(m, "latency_tolerance", diag, out.latency_tolerance);
  ReadOpenUnit(m, "error_rate_tolerance", diag, out.error_rate_tolerance);
  ReadChoice(m, "correction", {"holm", "bh", "none"}, diag, out.correction);
  ReadPositive(m, "interval_seconds", diag, out.interval_seconds);
  ReadChoice(m, "payload", {"inference_v2"}, diag, out.payload);
  if (const YamlNode* n = m.Find("output_tensor")) {
    if (auto s = ReadString(*n, m.PathOf("output_tensor"), diag)) out.output_tensor = *s;
  }
  if (const YamlNode* n = m.Find("input_tensors")) {
    const std::string p = m.PathOf("input_tensors");
    if (ExpectList(*n, p, diag)) {
      for (size_t i = 0; i < n->items.size(); ++i) {
        if (auto s = ReadString(n->items[i], IndexPath(p, i), diag)) out.input_tensors.push_back(*s);
      }
    }
  }
  if (const YamlNode* n = m.Find("sample_rate")) {
    const std::string p = m.PathOf("sample_rate");
    if (auto v = ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0 || *v > 1) {
        diag.Add(n->pos, p, absl::StrCat("must be in (0, 1] (got ", *v, ")"));
      } else {
        out.sample_rate = *v;
      }
    }
  }
  ReadIntIn(m, "queue_size", diag, 1, 1'000'000, out.queue_size);
  if (const YamlNode* n = m.Find("error_codes")) {
    ReadStatusCodes(*n, m.PathOf("error_codes"), diag, out.error_codes);
  }
  if (const YamlNode* n = m.Find("drift")) ReadDrift(*n, m.PathOf("drift"), diag, out.drift);
  // Payload settings without a payload type would silently do nothing.
  if (out.payload.empty()) {
    for (absl::string_view key : {"output_tensor", "input_tensors", "drift"}) {
      if (const YamlEntry* e = m.FindEntry(key)) {
        diag.Add(e->key.pos, m.PathOf(key), "needs monitor.payload (e.g. payload: inference_v2)");
      }
    }
  }
}

}  // namespace modelgate::config

// Parsing of access log lines; see access_record.h.
#include "tools/logs/access_record.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace modelgate::logs {
namespace {

using nlohmann::json;

absl::Status Missing(absl::string_view key, absl::string_view kind) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" missing or not a ", kind));
}

bool ReadString(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace

absl::StatusOr<AccessRecord> ParseAccessRecord(std::string_view line) {
  const json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("not JSON");
  if (!j.is_object()) return absl::InvalidArgumentError("not a JSON object");
  AccessRecord r;
  std::string time;
  if (!ReadString(j, "time", &time)) return Missing("time", "string");
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, time, &r.time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("\"time\" is not RFC 3339: ", error));
  }
  if (!ReadString(j, "route", &r.route)) return Missing("route", "string");
  if (!ReadString(j, "arm", &r.arm)) return Missing("arm", "string");
  if (!ReadString(j, "code", &r.code) || r.code.empty()) return Missing("code", "string");
  auto latency = j.find("latency_ms");
  if (latency == j.end() || !latency->is_number()) return Missing("latency_ms", "number");
  r.latency_ms = latency->get<double>();
  if (!(r.latency_ms >= 0)) return absl::InvalidArgumentError("\"latency_ms\" is negative");
  ReadString(j, "method", &r.method);
  ReadString(j, "message", &r.message);
  ReadString(j, "shadow", &r.shadow);
  ReadString(j, "interleave", &r.interleave);
  return r;
}

}  // namespace modelgate::logs

// The status page and the JSON it polls.
#include "admin/ui_routes.h"

#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "admin/history_sampler.h"
#include "admin/ui_assets.h"  // generated from src/admin/ui/ (embed_ui.cmake)

namespace modelgate::admin {
namespace {

// `text` parsed, or null (a report that does not parse is a bug elsewhere: show nothing).
nlohmann::json ParseOrNull(const absl::StatusOr<std::string>& text) {
  if (!text.ok()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

nlohmann::json OrNull(const absl::StatusOr<nlohmann::json>& j) {
  return j.ok() ? *j : nlohmann::json(nullptr);
}

std::string MatchText(const config::Route& r) {
  std::string s = r.match.service.empty() ? "*" : r.match.service;
  s += "/";
  s += r.match.method.empty() ? "*" : r.match.method;
  for (const auto& [key, value] : r.match.headers) s += " [" + key + "=" + value + "]";
  return s;
}

}  // namespace

const std::string& UiPage() {
  static const std::string* page = new std::string(
      reinterpret_cast<const char*>(ui_assets::kPage), sizeof(ui_assets::kPage) - 1);
  return *page;
}

nlohmann::json UiState(const UiSources& sources) {
  const std::shared_ptr<const proxy::Snapshot> snap = sources.snapshot();
  nlohmann::json history = sources.history->Json();
  nlohmann::json routes = nlohmann::json::array();
  const std::vector<RouteReading> now = ReadSnapshot(*snap);
  const config::Config& config = snap->config();
  for (const RouteReading& reading : now) {
    const config::Route* found = nullptr;
    for (const config::Route& c : config.routes) {
      if (c.name == reading.route) found = &c;
    }
    if (found == nullptr) continue;  // every compiled route comes from the config
    const config::Route& route = *found;
    nlohmann::json arms = nlohmann::json::array();
    for (const ArmReading& a : reading.arms) {
      const int index = route.FindArm(a.arm);
      arms.push_back({{"name", a.arm},
                      {"backend", index >= 0 ? route.arms[index].backend : ""},
                      {"role", a.role},
                      {"weight", a.weight},
                      {"calls", a.calls},
                      {"errors", a.errors}});
    }
    nlohmann::json r = {{"name", route.name},
                        {"strategy", route.strategy},
                        {"match", MatchText(route)},
                        {"arms", arms}};
    const nlohmann::json& h = history["routes"];
    r["history"] = h.contains(route.name) ? h[route.name]["arms"] : nlohmann::json::object();
    nlohmann::json stats = sources.route_stats ? ParseOrNull(sources.route_stats(route.name))
                                               : nlohmann::json(nullptr);
    // The stats hook adds an interleave route's preference report; it has its own key here.
    if (stats.is_object()) stats.erase("interleave");
    if (stats.is_object() && stats.empty()) stats = nullptr;
    r["stats"] = stats;
    r["canary"] = route.strategy == "canary" && sources.canary_status
                      ? OrNull(sources.canary_status(route.name))
                      : nlohmann::json(nullptr);
    r["shadow"] = route.strategy == "shadow" && sources.shadow_report
                      ? ParseOrNull(sources.shadow_report(route.name, false))
                      : nlohmann::json(nullptr);
    r["interleave"] = route.strategy == "interleave" && sources.interleave_report
                          ? OrNull(sources.interleave_report(route.name))
                          : nlohmann::json(nullptr);
    routes.push_back(std::move(r));
  }
  history.erase("routes");
  return {{"time", absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch())},
          {"generation", snap->generation()},
          {"config_hash", config.hash},
          {"history", history},
          {"routes", routes}};
}

void AddUiRoutes(Router& router, UiSources sources) {
  router.Add("GET", "/ui", {}, [](const HttpRequest&, const PathParams&) {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    // The page is self-contained: it may talk to this port's JSON and nothing else.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'unsafe-inline'; "
                           "style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = UiPage();
    return r;
  });
  auto shared = std::make_shared<UiSources>(std::move(sources));
  router.Add("GET", "/api/v1/ui/state", {}, [shared](const HttpRequest&, const PathParams&) {
    HttpResponse r;
    r.content_type = "application/json";
    r.body = UiState(*shared).dump();  // compact: the page polls it every second or two
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace modelgate::admin

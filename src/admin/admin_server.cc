// Wiring: the route groups on one router, bearer auth from the running config, the server.
#include "admin/admin_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "admin/bearer_auth.h"
#include "admin/canary_routes.h"
#include "admin/config_routes.h"
#include "admin/health_routes.h"
#include "admin/history.h"
#include "admin/history_sampler.h"
#include "admin/http_server.h"
#include "admin/router.h"
#include "admin/stats_routes.h"
#include "admin/ui_routes.h"
#include "config/value_syntax.h"
#include "proxy/server.h"

namespace modelgate::admin {

AdminServer::AdminServer() = default;

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const std::string& listen,
                                                                telemetry::Metrics* metrics,
                                                                proxy::ProxyServer* proxy,
                                                                AdminHooks hooks) {
  const std::optional<config::HostPort> parts = config::SplitHostPort(listen);
  if (!parts.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("admin.listen: malformed address ", listen));
  }
  const std::string host(parts->host);
  const int port = parts->port;
  std::unique_ptr<AdminServer> self(new AdminServer());
  auto snapshot = [proxy] { return proxy->snapshot(); };
  self->auth_ = std::make_unique<BearerTokenAuth>(
      [proxy] { return proxy->snapshot()->config().admin.token_file; });
  self->router_ = std::make_unique<Router>(self->auth_.get());
  // The status page's history: 15 minutes at one reading per 5 s (history.h bounds it).
  self->history_ = std::make_unique<History>(History::Options{},
                                             telemetry::Metrics::LatencyBuckets());
  UiSources ui;
  ui.snapshot = snapshot;
  ui.history = self->history_.get();
  ui.route_stats = hooks.route_stats;
  ui.shadow_report = hooks.shadow_report;
  ui.canary_status = hooks.canary.status;
  ui.interleave_report = hooks.interleave.report;
  AddUiRoutes(*self->router_, std::move(ui));
  AddHealthRoutes(*self->router_, [proxy] { return proxy->serving(); },
                  std::move(hooks.listener_problem));
  AddStatsRoutes(*self->router_, metrics, snapshot, std::move(hooks.route_stats),
                 std::move(hooks.shadow_report));
  AddConfigRoutes(*self->router_, snapshot, std::move(hooks.reload));
  AddCanaryRoutes(*self->router_, std::move(hooks.canary));
  AddInterleaveRoutes(*self->router_, std::move(hooks.interleave));
  absl::StatusOr<std::unique_ptr<HttpServer>> http =
      HttpServer::Start(host, port, self->router_.get());
  if (!http.ok()) return http.status();
  self->http_ = std::move(*http);
  self->sampler_ = std::make_unique<HistorySampler>(self->history_.get(), snapshot,
                                                    History::Options{}.interval);
  return self;
}

int AdminServer::port() const { return http_->port(); }

void AdminServer::Stop() {
  if (http_) http_->Stop();
  if (sampler_) sampler_->Stop();
}

AdminServer::~AdminServer() { Stop(); }

}  // namespace modelgate::admin

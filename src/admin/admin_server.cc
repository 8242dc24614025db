// Admin HTTP routes on cpp-httplib.
#include "admin/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "proxy/server.h"
#include "telemetry/metrics.h"

namespace modelgate::admin {

bool SplitHostPort(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (!absl::SimpleAtoi(listen.substr(colon + 1), port) || *port < 0 || *port > 65535)
    return false;
  *host = h;
  return true;
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const std::string& listen,
                                                                telemetry::Metrics* metrics,
                                                                proxy::ProxyServer* proxy,
                                                                AdminHooks hooks) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(listen, &host, &port))
    return absl::InvalidArgumentError(absl::StrCat("admin.listen: malformed address ", listen));
  std::unique_ptr<AdminServer> self(new AdminServer());
  self->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *self->http_;
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same port
  // without error; keep only SO_REUSEADDR (restart while old connections are in TIME_WAIT).
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  http.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Serialize(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http.Get("/readyz", [proxy](const httplib::Request&, httplib::Response& res) {
    const bool ready = proxy->serving();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
  });
  http.Get("/api/v1/config", [proxy](const httplib::Request&, httplib::Response& res) {
    auto snap = proxy->snapshot();
    nlohmann::json j;
    j["path"] = snap->config().path;
    j["hash"] = snap->config().hash;
    j["generation"] = snap->generation();
    nlohmann::json routes = nlohmann::json::array();
    for (int i = 0; i < snap->table().size(); ++i) {
      const auto& r = snap->table().route(i);
      nlohmann::json arms = nlohmann::json::array();
      for (const auto& a : r.arms) arms.push_back({{"name", a.name}, {"backend", a.backend}});
      routes.push_back({{"name", r.name}, {"strategy", r.strategy->kind()}, {"arms", arms}});
    }
    j["routes"] = routes;
    res.set_content(j.dump(2) + "\n", "application/json");
  });
  http.Get(R"(/api/v1/routes/([A-Za-z0-9_.-]+)/stats)",
           [hooks](const httplib::Request& req, httplib::Response& res) {
             nlohmann::json error;
             if (!hooks.route_stats) {
               res.status = 404;
               error["error"] = "monitoring is not available";
               res.set_content(error.dump() + "\n", "application/json");
               return;
             }
             auto stats = hooks.route_stats(req.matches[1]);
             if (!stats.ok()) {
               res.status = stats.status().code() == absl::StatusCode::kNotFound ? 404 : 500;
               error["error"] = std::string(stats.status().message());
               res.set_content(error.dump() + "\n", "application/json");
               return;
             }
             res.set_content(*stats, "application/json");
           });
  http.Post("/api/v1/reload", [hooks](const httplib::Request&, httplib::Response& res) {
    if (!hooks.reload) {
      res.status = 501;
      return;
    }
    auto result = hooks.reload();
    nlohmann::json j;
    if (result.ok()) {
      j["result"] = "success";
      j["message"] = *result;
    } else {
      res.status = 400;
      j["result"] = "error";
      j["message"] = std::string(result.status().message());
    }
    res.set_content(j.dump(2) + "\n", "application/json");
  });

  if (port == 0) {
    port = http.bind_to_any_port(host);
    if (port < 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  } else if (!http.bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  self->port_ = port;
  self->thread_ = std::thread([raw = self->http_.get()] { raw->listen_after_bind(); });
  return self;
}

void AdminServer::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

AdminServer::~AdminServer() { Stop(); }

}  // namespace modelgate::admin

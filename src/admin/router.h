// Maps admin requests to handlers by method and path pattern, and owns the per-route policy:
// whether a route mutates state (and so needs the bearer token, see bearer_auth.h) and whether
// it is cheap enough to answer on the event loop itself (health probes). Unknown paths are 404
// and known paths with another method 405 with an Allow header, both with a JSON body.
// Thread-safe once built: Add before serving, then Resolve/Run from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "admin/bearer_auth.h"
#include "admin/http_message.h"

namespace modelgate::admin {

// Values of a pattern's {name} segments.
using PathParams = std::map<std::string, std::string>;

struct RouteOptions {
  // Changes state (reload, canary promote/rollback, ...): runs only for an authorized request.
  bool mutating = false;
  // Answered on the event loop, never queued behind other work; only for handlers that take
  // microseconds and never block (/healthz, /readyz), so load cannot starve them.
  bool inline_on_loop = false;
};

class Router {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" matches any one non-empty segment
    RouteOptions options;
    Handler handler;
  };

  // What a request resolved to: a route and its parameters, or the error to answer.
  struct Match {
    const Route* route = nullptr;
    PathParams params;
    HttpResponse error;  // when route is null
    bool inline_on_loop() const { return route != nullptr && route->options.inline_on_loop; }
  };

  // `authorizer` decides mutating routes and must outlive the router.
  explicit Router(Authorizer* authorizer) : authorizer_(authorizer) {}

  // `pattern` is a path of literal and {name} segments, e.g. "/api/v1/routes/{route}/stats".
  // A GET route answers HEAD too.
  void Add(std::string method, const std::string& pattern, RouteOptions options,
           Handler handler);

  // Cheap and non-blocking: only matching, no handler, no authorization.
  Match Resolve(const HttpRequest& request) const;

  // Authorizes (mutating routes) and runs the handler of a resolved match.
  HttpResponse Run(const Match& match, const HttpRequest& request) const;

 private:
  std::vector<Route> routes_;
  Authorizer* authorizer_;
};

}  // namespace modelgate::admin

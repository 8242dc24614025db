// Segment matching, 404/405, authorization before mutating handlers.
#include "admin/router.h"

#include <algorithm>
#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {
namespace {

std::vector<std::string> Segments(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Fills `params` when `path` matches the route's segments.
bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   PathParams* params) {
  if (pattern.size() != path.size()) return false;
  PathParams found;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      found[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(std::string method, const std::string& pattern, RouteOptions options,
                 Handler handler) {
  routes_.push_back(Route{std::move(method), Segments(pattern), options, std::move(handler)});
}

Router::Match Router::Resolve(const HttpRequest& request) const {
  Match match;
  const std::vector<std::string> path = Segments(request.path);
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    PathParams params;
    if (!MatchSegments(route.segments, path, &params)) continue;
    if (route.method == method) {
      match.route = &route;
      match.params = std::move(params);
      return match;
    }
    allowed.push_back(route.method);
    if (route.method == "GET") allowed.push_back("HEAD");
  }
  if (allowed.empty()) {
    std::vector<std::string> endpoints;
    for (const Route& route : routes_) {
      endpoints.push_back(absl::StrCat(route.method, " /", absl::StrJoin(route.segments, "/")));
    }
    match.error = HttpResponse::Json(
        404, {{"error", absl::StrCat("no admin endpoint at ", request.path)},
              {"endpoints", endpoints}});
    return match;
  }
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  const std::string allow = absl::StrJoin(allowed, ", ");
  match.error = HttpResponse::Error(
      405, absl::StrCat(request.method, " is not allowed on ", request.path, " (allowed: ",
                        allow, ")"));
  match.error.headers.emplace_back("Allow", allow);
  return match;
}

HttpResponse Router::Run(const Match& match, const HttpRequest& request) const {
  if (match.route == nullptr) return match.error;
  if (match.route->options.mutating) {
    if (std::optional<HttpResponse> refused = authorizer_->Authorize(request)) return *refused;
  }
  try {
    return match.route->handler(request, match.params);
  } catch (const std::exception& e) {
    // A handler bug must cost one 500, not the process (handlers run on the admin threads).
    return HttpResponse::Error(500, absl::StrCat("internal error: ", e.what()));
  }
}

}  // namespace modelgate::admin

// Segment matching (percent-decoded segments), 400/404/405, authorization before mutating
// handlers.
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

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX in one path segment (RFC 3986 §2.1; a decoded '/' stays inside the segment);
// false when a '%' is not followed by two hex digits.
bool PercentDecode(std::string* segment) {
  if (segment->find('%') == std::string::npos) return true;
  std::string out;
  out.reserve(segment->size());
  for (size_t i = 0; i < segment->size(); ++i) {
    const char c = (*segment)[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= segment->size()) return false;
    const int hi = HexDigit((*segment)[i + 1]), lo = HexDigit((*segment)[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  *segment = std::move(out);
  return true;
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
  std::vector<std::string> path = Segments(request.path);
  for (std::string& segment : path) {
    if (!PercentDecode(&segment)) {
      match.error = HttpResponse::Error(
          400, absl::StrCat("malformed percent-encoding in ", request.path,
                            " (a '%' must be followed by two hex digits)"));
      return match;
    }
  }
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

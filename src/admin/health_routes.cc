// Probe handlers.
#include "admin/health_routes.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace modelgate::admin {
namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void AddHealthRoutes(Router& router, std::function<bool()> ready,
                     std::function<std::optional<std::string>()> listener_problem) {
  const RouteOptions probe{.mutating = false, .inline_on_loop = true};
  auto problem = [listener_problem]() -> std::optional<std::string> {
    return listener_problem ? listener_problem() : std::nullopt;
  };
  router.Add("GET", "/healthz", probe, [problem](const HttpRequest&, const PathParams&) {
    if (std::optional<std::string> p = problem()) {
      return Text(503, absl::StrCat("unhealthy: ", *p, "\n"));
    }
    return Text(200, "ok\n");
  });
  router.Add("GET", "/readyz", probe,
             [problem, ready = std::move(ready)](const HttpRequest&, const PathParams&) {
               if (std::optional<std::string> p = problem()) {
                 return Text(503, absl::StrCat("not ready: ", *p, "\n"));
               }
               return ready() ? Text(200, "ready\n")
                              : Text(503, "not ready: not serving (starting or draining)\n");
             });
}

}  // namespace modelgate::admin

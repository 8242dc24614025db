// Request matching: service, method and exact header values; first match wins.
#include "routing/route_table.h"

namespace modelgate::routing {

int RouteTable::Match(const RequestInfo& request) const {
  std::string_view service, method;
  if (!SplitMethodPath(request.method_path, &service, &method)) return -1;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const CompiledRoute& r = routes_[i];
    if (!r.service.empty() && r.service != service) continue;
    if (!r.method.empty() && r.method != method) continue;
    bool headers_ok = true;
    for (const auto& [key, value] : r.headers) {
      auto got = request.headers ? request.headers->Get(key) : std::nullopt;
      if (!got.has_value() || *got != value) {
        headers_ok = false;
        break;
      }
    }
    if (headers_ok) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace modelgate::routing

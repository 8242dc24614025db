// What a strategy may look at when it decides where a request goes: the gRPC method path and
// request metadata, behind an interface so routing stays independent of gRPC and testable
// without sockets.
#pragma once

#include <optional>
#include <string_view>

namespace modelgate::routing {

class HeaderLookup {
 public:
  virtual ~HeaderLookup() = default;
  // First value of `key` (lowercase), if present.
  virtual std::optional<std::string_view> Get(std::string_view key) const = 0;
};

struct RequestInfo {
  std::string_view method_path;  // "/package.Service/Method"
  const HeaderLookup* headers = nullptr;
};

// Splits "/pkg.Svc/Method" into service and method; false when the path is malformed.
inline bool SplitMethodPath(std::string_view path, std::string_view* service,
                            std::string_view* method) {
  if (path.size() < 4 || path[0] != '/') return false;
  size_t slash = path.find('/', 1);
  if (slash == std::string_view::npos || slash == 1 || slash + 1 >= path.size()) return false;
  *service = path.substr(1, slash - 1);
  *method = path.substr(slash + 1);
  return true;
}

}  // namespace modelgate::routing

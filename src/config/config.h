// Typed modelgate configuration (public schema v1). Produced only by the loader in loader.h,
// which validates everything; code that receives a Config may rely on its invariants:
// backend names are unique, every backend reference resolves, every route has exactly the
// block of its strategy, weights are non-negative with a positive sum.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace modelgate::config {

// Where a value came from, 1-based, for error messages produced after loading.
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct AdminConfig {
  std::string listen;  // host:port for /metrics, /healthz, /readyz, /api
};

struct ProxyConfig {
  int threads = 1;                            // completion-queue polling threads
  int64_t max_message_bytes = 16 * 1024 * 1024;  // both directions, server and upstream
  double drain_seconds = 10;                  // graceful shutdown budget
  // Methods ("/pkg.Service/Method" or "/pkg.Service/*") known to be unary; they take a cheaper
  // forwarding path. Unlisted methods use the streaming path, which is correct for every shape.
  std::vector<std::string> unary_methods;
};

struct Backend {
  std::string name;
  std::string address;  // host:port (gRPC target)
  SourcePos pos;
};

struct Match {
  std::string service;  // empty = any
  std::string method;   // empty = any
  std::vector<std::pair<std::string, std::string>> headers;  // exact values, lowercase keys
};

enum class StrategyKind { kForward, kAb };

struct ForwardConfig {
  std::string backend;
};

struct AbArm {
  std::string backend;
  int64_t weight = 0;
  std::string name;  // label for metrics; defaults to the backend name
};

struct AbConfig {
  std::vector<AbArm> arms;
  std::string sticky_header;  // empty = no stickiness (random per request)
  std::string salt;           // defaults to "modelgate"
};

struct Route {
  std::string name;
  Match match;
  StrategyKind strategy = StrategyKind::kForward;
  ForwardConfig forward;       // set when strategy == kForward
  AbConfig ab;                 // set when strategy == kAb
  bool arm_header = false;     // add x-modelgate-arm to response initial metadata
  double timeout_seconds = 0;  // 0 = only the client's deadline; else cap it
  SourcePos pos;
};

struct Config {
  std::string path;  // file it was loaded from
  std::string hash;  // hex digest of the file bytes (fleet convergence checks)
  std::string listen;
  AdminConfig admin;
  ProxyConfig proxy;
  std::vector<Backend> backends;
  std::vector<Route> routes;

  const Backend* FindBackend(const std::string& name) const {
    for (const auto& b : backends)
      if (b.name == name) return &b;
    return nullptr;
  }
};

}  // namespace modelgate::config

// Typed modelgate configuration (public schema v1). Produced only by the loader in loader.h,
// which validates everything; code that receives a Config may rely on its invariants:
// backend names are unique, every backend reference resolves, every route has exactly the
// block of its strategy (and its arms, normalised), weights are non-negative with a positive
// sum where a strategy splits by weight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/arm_role.h"
#include "nlohmann/json.hpp"

namespace modelgate::config {

// Where a value came from, 1-based, for error messages produced after loading.
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct AdminConfig {
  std::string listen;  // host:port for /metrics, /healthz, /readyz, /api
  // File holding the bearer token that mutating admin endpoints require (re-read when it
  // changes; relative to the config's directory). Empty: mutating endpoints are refused.
  std::string token_file;
};

// How modelgate connects to a backend (proxy.upstream; backends[].upstream overrides it key by
// key). The defaults suit a sidecar next to its backends: gRPC's own (1 s first retry, growing
// 1.6x to 120 s, 20 s connect timeout) left a restarted backend without traffic for seconds.
struct UpstreamConfig {
  double reconnect_initial_seconds = 0.1;  // wait after the first failed connection attempt
  double reconnect_max_seconds = 1;        // cap of the exponential reconnect backoff
  double connect_timeout_seconds = 5;      // minimum time one connection attempt is given
  bool operator==(const UpstreamConfig&) const = default;
};

// How calls spread over the addresses a backend's target resolves to.
enum class LbPolicy {
  kRoundRobin,  // every address, in turn (a headless Service's pods)
  kPickFirst,   // the first address that connects, until it fails
};

// The spelling in the config, which is also gRPC's policy name.
constexpr const char* LbPolicyName(LbPolicy policy) {
  return policy == LbPolicy::kPickFirst ? "pick_first" : "round_robin";
}

struct ProxyConfig {
  int threads = 1;                            // data-plane threads
  int64_t max_message_bytes = 16 * 1024 * 1024;  // both directions, server and upstream
  double drain_seconds = 10;                  // graceful shutdown budget
  // Calls in progress beyond this are answered RESOURCE_EXHAUSTED at once, so memory stays
  // bounded whatever the traffic (split evenly across threads).
  int64_t max_inflight_calls = 10000;
  // Client connections beyond this are refused at once (and counted). 0: automatic, below the
  // process's descriptor limit so that the listener never runs out of descriptors.
  int64_t max_client_connections = 0;
  // A client connection without calls for this long is closed (GOAWAY); 0 = never.
  double client_idle_timeout_seconds = 300;
  // Backends named through DNS are resolved again this often (pods behind a headless Service
  // come and go); 0 = only when a config is loaded.
  double dns_refresh_seconds = 30;
  // Methods ("/pkg.Service/Method" or "/pkg.Service/*") known to be unary; they take a cheaper
  // forwarding path. Unlisted methods use the streaming path, which is correct for every shape.
  std::vector<std::string> unary_methods;
  // Descriptor sets whose unary methods are added to unary_methods when the config is loaded
  // (paths relative to the config's directory).
  std::vector<std::string> descriptor_sets;
  std::vector<SourcePos> descriptor_set_pos;  // where each was named, for errors
  UpstreamConfig upstream;                     // defaults for every backend
};

// Active gRPC health checks of a backend (backends[].health): grpc.health.v1.Health/Check of
// `service` every interval; `unhealthy_after` failures in a row (checks, or calls that could not
// reach it) make it unhealthy, and a passing check makes it healthy again.
struct HealthCheckConfig {
  bool enabled = false;
  std::string service;  // "" = the server as a whole
  double interval_seconds = 1;
  double timeout_seconds = 1;  // each check's deadline
  int unhealthy_after = 3;
};

struct Backend {
  std::string name;
  // A gRPC target: host:port, dns:[//dns-server/]host:port, ipv4:addr:port[,addr:port...],
  // ipv6:[addr]:port[,...], unix:path or unix-abstract:name.
  std::string address;
  // :authority of calls to it; "" = the address. For a backend reached through a gateway that
  // routes by host (e.g. a KServe/Knative ingress).
  std::string authority;
  LbPolicy lb_policy = LbPolicy::kRoundRobin;
  UpstreamConfig upstream;  // proxy.upstream with this backend's overrides applied
  HealthCheckConfig health;
  SourcePos pos;
};

struct Match {
  std::string service;  // empty = any
  std::string method;   // empty = any
  std::vector<std::pair<std::string, std::string>> headers;  // exact values, lowercase keys
};

// An arm of a route, normalised whatever its strategy: the backend that serves it, the label
// its metrics carry, its share of traffic when the strategy splits by weight, and its role.
struct RouteArm {
  std::string name;     // metrics label; defaults to the backend's name
  std::string backend;  // a backend's name
  int64_t weight = 0;   // relative share, for strategies that split traffic by weight
  ArmRole role = ArmRole::kReference;
};

// A strategy's own settings (the routes[i].<strategy> block), read by the strategy's registered
// reader (src/strategies). Immutable once loaded.
class StrategyBlock {
 public:
  virtual ~StrategyBlock() = default;
  // Canonical text of the settings that define the experiment apart from traffic shares (e.g.
  // salt and sticky header): part of a monitor's experiment identity, so changing them starts
  // fresh statistics while a weight change keeps them.
  virtual std::string ExperimentKey() const = 0;
  // Canonical text of every setting: part of the route's definition (run-time route state
  // survives a reload that leaves it unchanged).
  virtual std::string DefinitionKey() const = 0;
  // The sticky header that assigns users, or "" (then calls are assigned at random).
  virtual std::string sticky_header() const { return ""; }
  // The settings as JSON (GET /api/v1/config).
  virtual nlohmann::json ToJson() const = 0;
};

// Distribution drift of a model's outputs/inputs (monitor.drift).
struct DriftConfig {
  int bins = 10;                     // reference quantile bins (deciles)
  int64_t reference_samples = 1000;  // reference = each arm's first N values...
  std::string reference_file;        // ...or values from this file (one per line), if set
  double window_seconds = 300;       // current distribution: a sliding window this long
  int64_t min_samples = 500;         // below this many values per window: insufficient data
};

// Server-fault codes: UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL,
// UNAVAILABLE, DATA_LOSS.
inline std::vector<int> DefaultErrorCodes() { return {2, 4, 8, 12, 13, 14, 15}; }

// Live statistics for a route (monitor block). Absent block = no monitoring.
struct MonitorConfig {
  bool enabled = false;
  std::string reference_arm;           // arm the others are compared with; default: first arm
  double alpha = 0.05;                 // significance level of comparisons
  double srm_threshold = 0.0005;       // sample-ratio mismatch flagged below this p-value
  int64_t min_samples = 100;           // per arm, before any verdict (sequential burn-in)
  double sequential_tau = 0.1;         // mSPRT mixture scale, in standard deviations
  double latency_tolerance = 0.1;      // "pass": latency difference within +-10% of reference
  double error_rate_tolerance = 0.01;  // "pass": error rate within +-1 percentage point
  std::string correction = "holm";     // across a route's metrics: holm, bh or none
  double interval_seconds = 1;         // how often statistics are recomputed
  std::string payload;                 // "" or "inference_v2": decode model outputs
  std::string output_tensor;           // output to monitor; default: the first output
  std::vector<std::string> input_tensors;  // inputs to monitor for feature drift
  double sample_rate = 1;              // fraction of calls whose payload is decoded
  int64_t queue_size = 1024;           // decode queue bound; drops are counted
  DriftConfig drift;
  // gRPC status codes that count as the model server's failures in the error rate. Other
  // non-OK codes are application answers (NOT_FOUND, INVALID_ARGUMENT, ...) and count as
  // served; CANCELLED (the client gave up) is left out of the error rate unless listed.
  std::vector<int> error_codes = DefaultErrorCodes();
  // Derived by the loader, not a YAML key: the route assigns users by a sticky header, so the
  // unit of randomisation (and of the sample-ratio check) is the user, not the request.
  bool sticky_assignment = false;
};

struct Route {
  std::string name;
  Match match;
  std::string strategy;         // a registered strategy's name (src/strategies/registry.cc)
  std::vector<RouteArm> arms;   // filled by the strategy's reader
  std::shared_ptr<const StrategyBlock> block;  // the strategy's settings
  bool arm_header = false;      // add x-modelgate-arm to response initial metadata
  double timeout_seconds = 0;   // 0 = only the client's deadline; else cap it
  MonitorConfig monitor;
  SourcePos pos;

  // The block as the strategy's own type (the caller knows the strategy).
  template <typename T>
  const T& block_as() const {
    return static_cast<const T&>(*block);
  }
  int FindArm(const std::string& arm_name) const {
    for (size_t i = 0; i < arms.size(); ++i)
      if (arms[i].name == arm_name) return static_cast<int>(i);
    return -1;
  }
};

// The optional access log (telemetry/access_log.h): one JSON line per call. Restart-only: a
// reload keeps the running log's settings and says so.
struct AccessLogConfig {
  std::string path;  // "" = no access log; relative to the config file's directory
  int64_t max_bytes = int64_t{100} << 20;  // the live file is rotated before it would exceed this
  int max_files = 5;                       // rotated files kept: path.1 (newest) .. path.N
  int64_t buffer_entries = 8192;           // calls waiting to be written; over it: dropped, counted

  bool enabled() const { return !path.empty(); }
  bool operator==(const AccessLogConfig&) const = default;
};

struct Config {
  std::string path;  // file it was loaded from
  std::string hash;  // hex digest of the file bytes (fleet convergence checks)
  std::string listen;
  // Where run-time state (canary progress) and the audit log live; "" = memory only (state is
  // lost on restart; no audit file). Relative to the config file's directory.
  std::string state_dir;
  AdminConfig admin;
  ProxyConfig proxy;
  AccessLogConfig access_log;
  std::vector<Backend> backends;
  std::vector<Route> routes;

  const Backend* FindBackend(const std::string& name) const {
    for (const auto& b : backends)
      if (b.name == name) return &b;
    return nullptr;
  }
};

}  // namespace modelgate::config

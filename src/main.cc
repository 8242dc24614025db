// modelgate entry point: flags and wiring only.
//   modelgate serve --config FILE     serve until SIGTERM/SIGINT; SIGHUP reloads the config
//   modelgate check-config FILE...    validate; print every error as FILE:LINE:COL: key: message
//   modelgate ctl COMMAND ...         call the admin API (canary commands, reload)
//   modelgate logs report FILE...     summarise access log files
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "admin/admin_server.h"
#include "common/log.h"
#include "common/process_setup.h"
#include "common/protobuf_log.h"
#include "config/file_watcher.h"
#include "config/loader.h"
#include "config/value_syntax.h"
#include "control/canary_controller.h"
#include "control/config_reloader.h"
#include "control/webhook_notifier.h"
#include "control/snapshot_publisher.h"
#include "control/state_store.h"
#include "health/health_checker.h"
#include "interleave/interleave_engine.h"
#include "monitor/monitor_engine.h"
#include "shadow/compare_engine.h"
#include "strategies/interleave.h"
#include "strategies/shadow.h"
#include "monitor/route_monitor.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "proxy/server.h"
#include "strategies/compile.h"
#include "strategies/registry.h"
#include "telemetry/access_log.h"
#include "telemetry/grpc_log_bridge.h"
#include "telemetry/metrics.h"
#include "tools/ctl/ctl.h"
#include "tools/logs/logs_command.h"

namespace modelgate {
namespace {

constexpr char kUsage[] =
    "modelgate " MODELGATE_VERSION " - a gRPC sidecar proxy for testing ML models in production\n"
    "\n"
    "Usage:\n"
    "  modelgate serve --config FILE [--log_level debug|info|warning|error]\n"
    "                  [--log_format text|json]\n"
    "      Serve until SIGTERM/SIGINT (graceful drain). SIGHUP or POST /api/v1/reload re-reads\n"
    "      the config; a bad config is rejected and the running one stays. Logs go to stderr,\n"
    "      as text or (--log_format json) one JSON object per line: time, level, file, line,\n"
    "      msg.\n"
    "  modelgate check-config FILE...\n"
    "      Validate config files; print every error as FILE:LINE:COL: key: message.\n"
    "      Exit 0 when all are valid, 1 otherwise.\n"
    "  modelgate ctl [--admin URL] [--token-file FILE] COMMAND [ROUTE [N]]\n"
    "      COMMAND: status|promote|rollback|pause|resume ROUTE, step ROUTE N, or reload.\n"
    "      Call the admin API (default $MODELGATE_ADMIN, else http://127.0.0.1:9901) with the\n"
    "      token in FILE (default $MODELGATE_TOKEN_FILE). Exit 0 done, 1 refused or failed,\n"
    "      2 bad usage; `modelgate ctl --help` for details.\n"
    "  modelgate logs report FILE... [--json] [--bucket SECONDS] [--alpha A]\n"
    "      Summarise access log files (rotated ones too): volume per route/arm over time,\n"
    "      errors by code and message, latency percentiles, anomalous time buckets.\n"
    "  modelgate version\n"
    "  modelgate --help\n";

int CheckConfig(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "check-config: no file given\n" << kUsage;
    return 2;
  }
  int rc = 0;
  for (const std::string& f : files) {
    config::LoadResult result = config::LoadConfigFile(f);
    if (result.ok()) {
      std::cout << f << ": OK (" << result.config.routes.size() << " routes, "
                << result.config.backends.size() << " backends)\n";
    } else {
      for (const std::string& e : result.errors) std::cout << e << "\n";
      rc = 1;
    }
  }
  return rc;
}

bool ParseLogLevel(const std::string& s, LogLevel* level) {
  if (s == "debug") *level = LogLevel::kDebug;
  else if (s == "info") *level = LogLevel::kInfo;
  else if (s == "warning") *level = LogLevel::kWarning;
  else if (s == "error") *level = LogLevel::kError;
  else return false;
  return true;
}

int Serve(const std::string& config_path) {
  telemetry::RouteGrpcLogs();
  // Block the signals we handle before any thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const int64_t fd_limit = RaiseDescriptorLimit();
  config::LoadResult loaded = config::LoadConfigFile(config_path);
  if (!loaded.ok()) {
    for (const std::string& e : loaded.errors) MG_LOG(kError, e);
    MG_LOG(kError, "not serving: the config has errors");
    return 1;
  }
  telemetry::Metrics metrics;
  monitor::MonitorEngine::Options monitor_options;
  monitor_options.max_message_bytes = loaded.config.proxy.max_message_bytes;  // restart-only
  monitor::MonitorEngine monitors(metrics.registry(), loaded.config.proxy.threads,
                                  monitor_options);
  // The snapshot publisher combines the config with the routes' run-time states; it is the
  // only writer of what the data plane serves (the reloader and controllers go through it).
  // With state_dir, run-time route states (a canary's step) survive restarts.
  std::unique_ptr<control::StateStore> store;
  if (!loaded.config.state_dir.empty()) {
    if (::mkdir(loaded.config.state_dir.c_str(), 0755) != 0 && errno != EEXIST) {
      MG_LOG(kError, "state_dir ", loaded.config.state_dir, ": ", std::strerror(errno));
      return 1;
    }
    store = std::make_unique<control::StateStore>(loaded.config.state_dir);
  }
  control::SnapshotPublisher publisher(store.get());
  const config::Config effective = publisher.Start(loaded.config);
  // Backend health: the routes read it (one object per backend, across reloads); its checks
  // follow the config that serves, starting with this one.
  health::HealthChecker health_checker(&metrics);
  health_checker.Apply(effective);
  proxy::SnapshotHooks snapshot_hooks;
  snapshot_hooks.compile = [&health_checker](const config::Config& config) {
    return strategies::CompileRoutes(
        config, [&health_checker](const std::string& backend) {
          return health_checker.Lookup(backend);
        });
  };
  snapshot_hooks.sinks = [&monitors](const config::Route& route,
                                     const std::vector<config::Backend>& backends)
      -> absl::StatusOr<std::shared_ptr<telemetry::OutcomeSink>> {
    const strategies::StrategyDef* def = strategies::Find(route.strategy);
    auto m = monitors.ForRoute(route, backends,
                               [def](const config::Route& r, int shards,
                                     std::shared_ptr<prometheus::Registry> registry) {
                                 return def->MakeMonitor(r, shards, std::move(registry));
                               });
    if (!m.ok()) return m.status();
    return std::shared_ptr<telemetry::OutcomeSink>(*std::move(m));
  };
  // What makes a route's arms the same across a reload: their backends' addresses and
  // authorities (a changed backend is a new comparison).
  auto arms_identity = [](const config::Route& route,
                          const std::vector<config::Backend>& backends) {
    std::string identity;
    for (const config::RouteArm& a : route.arms) {
      for (const config::Backend& b : backends) {
        if (b.name == a.backend) absl::StrAppend(&identity, b.address, "|", b.authority, ";");
      }
    }
    return identity;
  };
  // Shadow routes' comparers: reused across reloads while their settings and backends stay.
  shadow::CompareEngine comparers(metrics.registry());
  snapshot_hooks.shadow_sinks = [&comparers, &config_path, &arms_identity,
                                 max_message_bytes = loaded.config.proxy.max_message_bytes](
                                    const config::Route& route,
                                    const std::vector<config::Backend>& backends)
      -> absl::StatusOr<std::shared_ptr<telemetry::ShadowSink>> {
    if (route.strategy != "shadow") return nullptr;
    shadow::ComparerSpec spec = strategies::ShadowComparerSpec(route);
    spec.max_message_bytes = max_message_bytes;  // restart-only
    if (!spec.diff_file.empty() && spec.diff_file.front() != '/') {
      // Like every file the config names: relative to the config's directory.
      const size_t slash = config_path.rfind('/');
      if (slash != std::string::npos) {
        spec.diff_file = config_path.substr(0, slash + 1) + spec.diff_file;
      }
    }
    return std::shared_ptr<telemetry::ShadowSink>(
        comparers.ForRoute(spec, arms_identity(route, backends)));
  };
  // Interleave routes: their mergers, impressions and preference statistics, reused across
  // reloads like the comparers; the engine also answers click feedback on the proxy's port.
  interleave::InterleaveEngine interleavers(metrics.registry());
  snapshot_hooks.mergers = [&interleavers, &arms_identity](
                               const config::Route& route,
                               const std::vector<config::Backend>& backends)
      -> absl::StatusOr<std::shared_ptr<const routing::Merger>> {
    if (route.strategy != "interleave") return nullptr;
    auto r = interleavers.ForRoute(strategies::InterleaveSpecOf(route),
                                   absl::StrCat(route.block->ExperimentKey(), "\x1e",
                                                arms_identity(route, backends)));
    if (!r.ok()) return r.status();
    return std::shared_ptr<const routing::Merger>(*std::move(r));
  };
  // Not owned: the engine outlives the proxy (declared before it).
  snapshot_hooks.feedback =
      std::shared_ptr<routing::FeedbackHandler>(&interleavers, [](routing::FeedbackHandler*) {});
  // The access log, opened by the proxy when a config first enables it (reloads reconfigure it).
  snapshot_hooks.open_access_log = [&metrics, threads = loaded.config.proxy.threads](
                                       const config::AccessLogConfig& c) {
    telemetry::AccessLogOptions options;
    options.path = c.path;
    options.max_bytes = c.max_bytes;
    options.max_files = c.max_files;
    options.buffer_entries = c.buffer_entries;
    options.shards = threads;  // proxy.threads is restart-only
    return std::make_shared<telemetry::AccessLog>(std::move(options), *metrics.registry());
  };
  snapshot_hooks.installed = [&monitors](const std::vector<const telemetry::OutcomeSink*>& live) {
    monitors.Retain(live);
  };
  auto proxy = proxy::ProxyServer::Start(effective, &metrics, snapshot_hooks);
  if (!proxy.ok()) {
    MG_LOG(kError, proxy.status().message());
    return 1;
  }
  publisher.Attach([server = proxy->get(), &health_checker](const config::Config& config) {
    auto applied = server->Apply(config);
    if (applied.ok()) health_checker.Apply(config);
    return applied;
  });

  control::ConfigReloader reloader(config_path, &publisher, &metrics);

  // Promote/rollback events for the canaries' webhooks, delivered on the notifier's thread.
  prometheus::Family<prometheus::Counter>& webhook_deliveries =
      prometheus::BuildCounter()
          .Name("modelgate_webhook_deliveries_total")
          .Help("Canary webhook events by outcome: sent (2xx), failed, dropped (queue full)")
          .Register(*metrics.registry());
  control::WebhookOptions webhook_options;
  webhook_options.on_result = [&webhook_deliveries](const std::string& route,
                                                    control::WebhookResult result) {
    webhook_deliveries.Add({{"route", route}, {"result", control::WebhookResultName(result)}})
        .Increment();
  };
  control::WebhookNotifier webhooks(std::move(webhook_options));

  control::CanaryController::Deps canary_deps;
  canary_deps.publisher = &publisher;
  canary_deps.notify = [&webhooks](const std::string& url, double timeout_seconds,
                                   const nlohmann::json& event) {
    webhooks.Notify(event.value("route", ""), url, absl::Seconds(timeout_seconds), event);
  };
  canary_deps.evaluation = [&monitors](const std::string& route)
      -> std::shared_ptr<const monitor::Evaluation> {
    std::shared_ptr<monitor::RouteMonitor> m = monitors.Find(route);
    return m != nullptr ? m->Latest() : nullptr;
  };
  canary_deps.healthy = [&health_checker](const std::string& backend) {
    return health_checker.Lookup(backend)->healthy();
  };
  canary_deps.registry = metrics.registry();
  if (store != nullptr) canary_deps.audit_path = store->dir() + "/audit.log";
  control::CanaryController canary(std::move(canary_deps));
  canary.MarkUnrestorable(publisher.unrestorable());
  canary.RunOnce();  // a new run persists where it starts before any traffic is judged
  canary.Start(absl::Milliseconds(200));

  admin::AdminHooks hooks;
  hooks.canary.status = [&canary](const std::string& route) { return canary.Status(route); };
  hooks.canary.act = [&canary](const std::string& route, const std::string& action,
                               std::optional<int> step) {
    return canary.Act(route, action, step, "admin");
  };
  hooks.reload = [&reloader] { return reloader.Reload("admin api"); };
  hooks.listener_problem = [server = proxy->get()] { return server->ListenerProblem(); };
  hooks.route_stats = [&monitors, &interleavers](
                          const std::string& route) -> absl::StatusOr<std::string> {
    auto report = monitors.RouteStats(route);
    // An interleave route's preference statistics come with its monitor's report (if any).
    if (std::shared_ptr<interleave::InterleaveRoute> r = interleavers.Find(route)) {
      nlohmann::json j = report.ok() ? *report : nlohmann::json::object();
      j["interleave"] = r->Report();
      return j.dump(2) + "\n";
    }
    if (!report.ok()) return report.status();
    return report->dump(2) + "\n";
  };
  hooks.interleave.report = [&interleavers](
                                const std::string& route) -> absl::StatusOr<nlohmann::json> {
    std::shared_ptr<interleave::InterleaveRoute> r = interleavers.Find(route);
    if (r == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("route \"", route, "\" does not exist or does not interleave"));
    }
    return r->Report();
  };
  hooks.interleave.feedback =
      [&interleavers](const std::string& route, const std::string& impression,
                      const std::vector<std::string>& clicks) -> absl::StatusOr<nlohmann::json> {
    auto result = interleavers.RecordClicks(route, impression, clicks);
    if (!result.ok()) return result.status();
    return interleave::FeedbackJson(*result);
  };
  hooks.interleave.malformed = [&interleavers] { interleavers.CountMalformed(); };
  hooks.shadow_report = [&comparers](const std::string& route,
                                     bool diffs) -> absl::StatusOr<std::string> {
    std::shared_ptr<shadow::Comparer> c = comparers.Find(route);
    if (c == nullptr) return absl::NotFoundError("not a shadow route");
    return (diffs ? c->Diffs() : c->Report()).dump(2) + "\n";
  };
  auto admin =
      admin::AdminServer::Start(loaded.config.admin.listen, &metrics, proxy->get(), hooks);
  if (!admin.ok()) {
    MG_LOG(kError, admin.status().message());
    (*proxy)->Shutdown();
    return 1;
  }

  // Watched before the listening line: whoever reads that line (a test, a script) may change the
  // config at once, and the change must not fall before the watch.
  auto watcher = config::FileWatcher::Start(config_path, [&reloader] {
    (void)reloader.Reload("file change");
  });
  if (!watcher.ok()) {
    MG_LOG(kWarning, "not watching the config for changes: ", watcher.status().message(),
           " (SIGHUP and POST /api/v1/reload still reload)");
  }

  // The config is valid, so both listen addresses split.
  const std::string grpc_host(config::SplitHostPort(loaded.config.listen)->host);
  const std::string admin_host(config::SplitHostPort(loaded.config.admin.listen)->host);
  // Tests and scripts read the ports from this line (port 0 in the config means "pick one").
  std::printf("modelgate listening grpc=%s:%d admin=%s:%d\n", grpc_host.c_str(),
              (*proxy)->port(), admin_host.c_str(), (*admin)->port());
  std::fflush(stdout);
  MG_LOG(kInfo, "serving config ", config_path, " (hash ", loaded.config.hash, ", ",
         loaded.config.routes.size(), " routes; file descriptor limit ", fd_limit, ")");

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      (void)reloader.Reload("SIGHUP");
      continue;
    }
    MG_LOG(kInfo, "received ", strsignal(sig), ", shutting down");
    break;
  }
  if (watcher.ok()) (*watcher)->Stop();
  (*proxy)->Shutdown();
  (*admin)->Stop();
  canary.Stop();
  webhooks.Stop();
  health_checker.Stop();
  comparers.Stop();
  interleavers.Stop();
  monitors.Stop();
  return 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  if (cmd == "version" || cmd == "--version") {
    std::cout << "modelgate " << MODELGATE_VERSION << "\n";
    return 0;
  }
  if (cmd == "check-config") {
    return CheckConfig(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (cmd == "ctl") {
    return ctl::RunCtl(std::vector<std::string>(args.begin() + 1, args.end()), ctl::ProcessEnv(),
                       std::cout, std::cerr);
  }
  if (cmd == "logs") {
    return logs::RunLogsCommand(std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
                                std::cerr);
  }
  if (cmd == "serve") {
    std::string config_path;
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&](const char* name) -> std::string {
        const std::string prefix = std::string(name) + "=";
        if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
        if (a == name && i + 1 < args.size()) return args[++i];
        return "";
      };
      if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (a.rfind("--config", 0) == 0) {
        config_path = value("--config");
      } else if (a.rfind("--log_level", 0) == 0) {
        LogLevel level;
        if (!ParseLogLevel(value("--log_level"), &level)) {
          std::cerr << "serve: --log_level must be debug, info, warning or error\n";
          return 2;
        }
        SetMinLogLevel(level);
      } else if (a.rfind("--log_format", 0) == 0) {
        const std::string format = value("--log_format");
        if (format != "text" && format != "json") {
          std::cerr << "serve: --log_format must be text or json\n";
          return 2;
        }
        SetLogFormat(format == "json" ? LogFormat::kJson : LogFormat::kText);
      } else {
        std::cerr << "serve: unknown flag " << a << "\n" << kUsage;
        return 2;
      }
    }
    if (config_path.empty()) {
      std::cerr << "serve: --config FILE is required\n" << kUsage;
      return 2;
    }
    return Serve(config_path);
  }
  std::cerr << "modelgate: unknown command \"" << cmd << "\"\n" << kUsage;
  return 2;
}

}  // namespace
}  // namespace modelgate

int main(int argc, char** argv) {
  modelgate::SetUpProcess();
  modelgate::RouteProtobufLogs();
  return modelgate::Main(argc, argv);
}

// Integration-test harness: real modelgate and modelgate-fake-model processes on 127.0.0.1
// (port 0, read back from their first stdout line), a temporary directory for configs, and a
// small HTTP client for the admin endpoint. Every process is killed and reaped when its object
// goes away, so a failing test never leaks one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "testing/listening_process.h"
#include "testing/poll.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace modelgate::testutil {

// The start of a config with the gRPC and admin listeners on 127.0.0.1:0 and `backends`
// (name, address) declared, followed by `rest` (routes, proxy settings): the part every
// integration test shares. `admin_extra` adds keys to the admin block ("token_file: token").
std::string LoopbackConfig(const std::vector<std::pair<std::string, std::string>>& backends,
                           const std::string& rest, const std::string& admin_extra = "");

// A fake model server; `name` is what ModelInfer/Echo report as the serving model.
absl::StatusOr<ListeningProcess> StartFakeModel(const std::string& name,
                                                const std::vector<std::string>& extra_flags = {});

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Every line of a file (empty if it cannot be read), e.g. a process's captured stderr.
std::vector<std::string> ReadLines(const std::string& path);

class Modelgate {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // after `serve --config FILE`
    std::string stderr_path;              // "" = inherit (the test log); else written there
    // Runs modelgate, e.g. {"/usr/bin/prlimit", "--nofile=64:64", "--"}; it must exec it.
    std::vector<std::string> launcher;
  };
  // Starts `modelgate serve --config config_path` and waits for its "listening" line.
  static absl::StatusOr<std::unique_ptr<Modelgate>> Start(const std::string& config_path,
                                                          const Options& options);
  static absl::StatusOr<std::unique_ptr<Modelgate>> Start(const std::string& config_path) {
    return Start(config_path, Options());
  }
  static absl::StatusOr<std::unique_ptr<Modelgate>> Start(
      const std::string& config_path, const std::vector<std::string>& launcher) {
    Options options;
    options.launcher = launcher;
    return Start(config_path, options);
  }

  const std::string& grpc_address() const { return grpc_address_; }
  int admin_port() const { return admin_port_; }
  ChildProcess& process() { return process_; }
  std::shared_ptr<grpc::Channel> NewChannel(int64_t max_message_bytes = 64 << 20) const;

  HttpResponse Get(const std::string& path) const;
  // With `Authorization: Bearer <bearer_token>` unless it is empty.
  HttpResponse Post(const std::string& path, const std::string& bearer_token = "") const;
  // POST with a JSON body (Content-Type: application/json), no token.
  HttpResponse PostJson(const std::string& path, const std::string& body) const;
  // Value of the first /metrics sample whose line starts with `series` (e.g.
  // `modelgate_requests_total{arm="legacy",code="OK",route="infer"}`), or -1 if absent.
  double Metric(const std::string& series) const;
  // Polls Metric(series) until it equals `value` or `timeout` passes; returns the last value.
  double WaitForMetric(const std::string& series, double value,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  explicit Modelgate(ChildProcess process) : process_(std::move(process)) {}
  ChildProcess process_;
  std::string grpc_address_;
  int admin_port_ = 0;
};

}  // namespace modelgate::testutil

// modelgate-fake-model: a small, fast model server for tests, demos and benchmarks. It speaks
// the Open Inference Protocol (f(x) = x + shift + noise), grpc.health.v1 and the
// modelgate.testing.Echo service, prints "listening on HOST:PORT" once it accepts calls, and
// exits 0 after a graceful shutdown on SIGTERM or SIGINT.
#include <csignal>
#include <iostream>

#include "tools/common/flags.h"
#include "tools/fake_model/options.h"
#include "tools/fake_model/server.h"

int main(int argc, char** argv) {
  using namespace modelgate::tools;  // NOLINT: main only wires things together.
  FakeModelOptions options;
  std::string error_code_text = "UNAVAILABLE";
  FlagSet flags("modelgate-fake-model",
                "Usage: modelgate-fake-model [--port N] [--name NAME] [flags]\n"
                "A fake model server (Open Inference Protocol, grpc.health.v1, "
                "modelgate.testing.Echo).\nPrints \"listening on HOST:PORT\" on stdout once "
                "ready; exits 0 on SIGTERM/SIGINT.");
  RegisterFakeModelFlags(flags, options, error_code_text);
  if (int rc = HandleParseResult(flags, flags.Parse(argc, argv)); rc >= 0) return rc;
  if (absl::Status s = ValidateFakeModelOptions(options, error_code_text); !s.ok()) {
    return UsageError(flags, s.message());
  }

  // Block the stop signals in every thread (gRPC's threads inherit the mask) and take them
  // synchronously below, where a graceful Shutdown is allowed to run.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = FakeModelServer::Start(options);
  if (!server.ok()) {
    std::cerr << "modelgate-fake-model: " << server.status().message() << "\n";
    return 1;
  }
  bool ipv6 = options.host.find(':') != std::string::npos && options.host.front() != '[';
  std::cout << "listening on " << (ipv6 ? "[" + options.host + "]" : options.host) << ":"
            << (*server)->port() << std::endl;  // endl: the parent waits for this line.

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*server)->Shutdown();
  return 0;
}

// modelgate-fake-model: a small, fast model server for tests, demos and benchmarks. It speaks
// the Open Inference Protocol (f(x) = x + shift + noise), grpc.health.v1 and the
// modelgate.testing.Echo service, prints "listening on HOST:PORT" once it accepts calls, and
// exits 0 after a graceful shutdown on SIGTERM or SIGINT.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/process_setup.h"
#include "tools/common/flags.h"
#include "tools/fake_model/options.h"
#include "tools/fake_model/server.h"

namespace {

int g_signal_pipe[2] = {-1, -1};

void ForwardSignal(int signal_number) {
  char byte = static_cast<char>(signal_number);
  // write() is async-signal-safe; if the pipe is full a stop is already pending.
  [[maybe_unused]] ssize_t n = write(g_signal_pipe[1], &byte, 1);
}

}  // namespace

int main(int argc, char** argv) {
  modelgate::SetUpProcess();
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

  // gRPC starts threads of its own (some before main), any of which may receive a signal, so
  // a process-wide handler forwards SIGTERM/SIGINT through a pipe to this thread, where a
  // graceful Shutdown is allowed to run.
  if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    std::perror("modelgate-fake-model: pipe2");
    return 1;
  }
  struct sigaction action = {};
  action.sa_handler = ForwardSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  auto server = FakeModelServer::Start(options);
  if (!server.ok()) {
    std::cerr << "modelgate-fake-model: " << server.status().message() << "\n";
    return 1;
  }
  bool ipv6 = options.host.find(':') != std::string::npos && options.host.front() != '[';
  std::cout << "listening on " << (ipv6 ? "[" + options.host + "]" : options.host) << ":"
            << (*server)->port() << std::endl;  // endl: the parent waits for this line.

  char signal_byte = 0;
  while (read(g_signal_pipe[0], &signal_byte, 1) < 0 && errno == EINTR) {
  }
  (*server)->Shutdown();
  return 0;
}

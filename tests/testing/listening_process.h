// Starting the project's servers in tests: BinaryPath() finds a binary in the build's bin
// directory, and StartListening() runs one that announces "listening on HOST:PORT" on its first
// stdout line (modelgate-fake-model; the same convention suits any server started on port 0),
// returning the running process together with the address it bound.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "testing/process.h"

namespace modelgate::testutil {

// MODELGATE_BIN_DIR + "/" + name, e.g. BinaryPath("modelgate-fake-model").
std::string BinaryPath(absl::string_view name);

struct ListeningProcess {
  ChildProcess process;
  std::string address;  // "127.0.0.1:PORT", ready for grpc::CreateChannel.
  int port = 0;
};

// Spawns argv and waits up to `timeout` for the "listening on HOST:PORT" line. The child is
// killed if anything else arrives first or nothing does.
absl::StatusOr<ListeningProcess> StartListening(
    const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace modelgate::testutil

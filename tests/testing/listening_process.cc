// Implementation of BinaryPath and StartListening; see listening_process.h.
#include "testing/listening_process.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace modelgate::testutil {

std::string BinaryPath(absl::string_view name) {
  return absl::StrCat(MODELGATE_BIN_DIR, "/", name);
}

absl::StatusOr<ListeningProcess> StartListening(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Spawn(argv);
  if (!child.ok()) return child.status();
  absl::StatusOr<std::string> line = child->ReadLineWithTimeout(timeout);
  if (!line.ok()) {
    return absl::Status(line.status().code(),
                        absl::StrCat(argv[0], " did not announce its port: ",
                                     line.status().message()));
  }
  constexpr absl::string_view kPrefix = "listening on ";
  size_t colon = line->rfind(':');
  int port = 0;
  if (!absl::StartsWith(*line, kPrefix) || colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(*line).substr(colon + 1), &port) || port <= 0) {
    return absl::InternalError(
        absl::StrCat(argv[0], " printed \"", *line, "\" instead of \"listening on HOST:PORT\""));
  }
  ListeningProcess result{std::move(*child), line->substr(kPrefix.size()), port};
  return result;
}

}  // namespace modelgate::testutil

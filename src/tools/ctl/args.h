// Command-line arguments of `modelgate ctl`: which admin API to talk to, where the bearer token
// is, and which canary command to run on which route. Parsing only; no I/O besides the
// environment lookup the caller passes in (so tests need not touch the process environment).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modelgate::ctl {

inline constexpr char kDefaultAdminUrl[] = "http://127.0.0.1:9901";

struct CtlArgs {
  std::string admin_url;   // --admin, else $MODELGATE_ADMIN, else kDefaultAdminUrl; no trailing /
  std::string token_file;  // --token-file, else $MODELGATE_TOKEN_FILE; may be empty
  // status, promote, rollback, pause, resume, step or reload.
  std::string command;
  std::string route;  // empty for reload
  int step = -1;      // step's 0-based index
  bool help = false;  // --help: print the usage, nothing else
};

// The value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
// Looks names up in the process environment.
EnvLookup ProcessEnv();

// Parses the words after "ctl". Flags (--admin URL, --admin=URL, --token-file F, --help) may
// come before or after the command. Errors are InvalidArgument with a one-line reason; the
// caller prints it with the usage and exits 2.
absl::StatusOr<CtlArgs> ParseCtlArgs(const std::vector<std::string>& args, const EnvLookup& env);

}  // namespace modelgate::ctl

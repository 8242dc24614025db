// `modelgate ctl`: a command-line client of the admin API's canary endpoints and reload. It
// maps a command to one HTTP request, sends it with the bearer token when the endpoint mutates
// state, and turns the answer into output and an exit code: the server's JSON, pretty-printed,
// on success (0); one line saying what went wrong and what to check otherwise (1); the usage
// on bad arguments (2). The mapping steps are separate functions so tests can drive each.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/http_client.h"
#include "tools/ctl/args.h"

namespace modelgate::ctl {

extern const char kCtlUsage[];

// The request a command makes (path relative to the admin URL).
struct CtlCall {
  std::string method;
  std::string path;
  std::string body;       // JSON, or empty
  bool mutating = false;  // needs the bearer token
};
CtlCall BuildCall(const CtlArgs& args);

struct CtlOutcome {
  int exit_code = 0;
  std::string out;  // for stdout
  std::string err;  // for stderr (one line, newline-terminated), empty on success
};

// Reads the token file: its content without surrounding whitespace. An empty file is an error.
absl::StatusOr<std::string> ReadToken(const std::string& path);

// Turns the result of a call into output and exit code. `token_sent` distinguishes "no token
// was given" from "the token was rejected" on a 401.
CtlOutcome InterpretAnswer(const CtlArgs& args, bool token_sent,
                           const absl::StatusOr<HttpResult>& answer);

// The whole command: parse `args` (the words after "ctl"), call the admin, print to `out` and
// `err`; returns the exit code.
int RunCtl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
           std::ostream& err);

}  // namespace modelgate::ctl

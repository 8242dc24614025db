// FlagSet: a small command-line parser for the modelgate tools. It accepts "--name=value",
// "--name value" and a bare "--name" for booleans, rejects unknown flags and positional
// arguments, and renders a usage text with defaults. ParseStatusCode reads a flag that names a
// gRPC status code.
//
// Why not absl::flags: with Abseil 20220623 (Debian 12) `--help` exits with status 1 and, unless
// the flags live in a file named after the binary, prints "No flags matched". These tools must
// list their own flags and exit 0 on --help, so a small parser of our own is the simpler contract.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace modelgate::tools {

// Not thread-safe; build and parse on the main thread before starting work.
class FlagSet {
 public:
  // `usage` is printed above the flag list, e.g. "Usage: modelgate-load --target HOST:PORT".
  FlagSet(std::string program, std::string usage);

  // Registers a flag. The destination's current value is the default shown in Usage(); it must
  // outlive Parse().
  void Add(std::string name, std::string* dest, std::string help);
  void Add(std::string name, int64_t* dest, std::string help);
  void Add(std::string name, double* dest, std::string help);
  void Add(std::string name, bool* dest, std::string help);

  // Parses argv[1..argc). On error nothing sensible can be assumed about the destinations.
  // "--help" / "-h" stops parsing and sets help_requested().
  absl::Status Parse(int argc, const char* const* argv);

  bool help_requested() const { return help_requested_; }
  std::string Usage() const;
  const std::string& program() const { return program_; }

 private:
  using Dest = std::variant<std::string*, int64_t*, double*, bool*>;
  struct Flag {
    std::string name;
    Dest dest;
    std::string help;
    std::string default_text;
  };

  void AddFlag(std::string name, Dest dest, std::string help);
  const Flag* Find(absl::string_view name) const;
  static absl::Status Assign(const Flag& flag, absl::string_view value);

  std::string program_;
  std::string usage_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// The conventional flag handling of a tool's main(): on --help prints usage to stdout and
// returns 0; on a parse error prints "<program>: <error>" and a hint to stderr and returns 2;
// otherwise returns -1 and the caller carries on.
int HandleParseResult(const FlagSet& flags, const absl::Status& status);

// Reports a semantic flag error (e.g. a value out of range) the same way and returns 2.
int UsageError(const FlagSet& flags, absl::string_view message);

// A status code given as a number ("14") or a name in any case ("unavailable"). OK (0) is
// accepted too; callers decide whether it makes sense.
absl::StatusOr<grpc::StatusCode> ParseStatusCode(absl::string_view text);

}  // namespace modelgate::tools

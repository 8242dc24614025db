// Hand-rolled parsing: six commands and two flags do not justify a flags library, and the
// errors can then say exactly what is missing.
#include "tools/ctl/args.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/http_client.h"

namespace modelgate::ctl {
namespace {

bool TakesRoute(const std::string& command) {
  return command == "status" || command == "promote" || command == "rollback" ||
         command == "pause" || command == "resume" || command == "step";
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<CtlArgs> ParseCtlArgs(const std::vector<std::string>& args, const EnvLookup& env) {
  CtlArgs result;
  std::optional<std::string> admin;
  std::optional<std::string> token_file;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      result.help = true;
      return result;
    }
    std::optional<std::string>* target = nullptr;
    std::string name;
    for (const char* flag : {"--admin", "--token-file"}) {
      if (a == flag || absl::StartsWith(a, absl::StrCat(flag, "="))) {
        target = std::string(flag) == "--admin" ? &admin : &token_file;
        name = flag;
      }
    }
    if (target == nullptr) {
      int number;  // "-1" is a (bad) step index, reported as such below, not a flag
      if (absl::StartsWith(a, "-") && !absl::SimpleAtoi(a, &number)) {
        return absl::InvalidArgumentError(absl::StrCat("unknown flag ", a));
      }
      words.push_back(a);
      continue;
    }
    if (a == name) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      }
      *target = args[++i];
    } else {
      *target = a.substr(name.size() + 1);
    }
    if ((*target)->empty()) return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
  }

  if (!admin) admin = env("MODELGATE_ADMIN");
  if (!admin || admin->empty()) admin = kDefaultAdminUrl;
  result.admin_url = std::string(absl::StripSuffix(*admin, "/"));
  if (absl::StatusOr<HttpUrl> url = ParseHttpUrl(result.admin_url); !url.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--admin: ", url.status().message()));
  }
  if (!token_file) token_file = env("MODELGATE_TOKEN_FILE");
  if (token_file) result.token_file = *token_file;

  if (words.empty()) return absl::InvalidArgumentError("no command given");
  result.command = words[0];
  size_t expected = 1;
  if (result.command == "reload") {
    // No route: reload is global.
  } else if (TakesRoute(result.command)) {
    if (words.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(result.command, ": ROUTE is required"));
    }
    result.route = words[1];
    expected = 2;
    if (result.command == "step") {
      if (words.size() < 3) {
        return absl::InvalidArgumentError("step: ROUTE N is required (N: 0-based step index)");
      }
      if (!absl::SimpleAtoi(words[2], &result.step) || result.step < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "step: N must be a non-negative integer (0-based step index), got \"", words[2], "\""));
      }
      expected = 3;
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown command \"", result.command, "\""));
  }
  if (words.size() > expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(result.command, ": unexpected argument \"", words[expected], "\""));
  }
  return result;
}

}  // namespace modelgate::ctl

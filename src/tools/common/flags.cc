// Implementation of FlagSet; see flags.h.
#include "tools/common/flags.h"

#include <iostream>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_codes.h"

namespace modelgate::tools {

FlagSet::FlagSet(std::string program, std::string usage)
    : program_(std::move(program)), usage_(std::move(usage)) {}

void FlagSet::Add(std::string name, std::string* dest, std::string help) {
  AddFlag(std::move(name), dest, std::move(help));
}
void FlagSet::Add(std::string name, int64_t* dest, std::string help) {
  AddFlag(std::move(name), dest, std::move(help));
}
void FlagSet::Add(std::string name, double* dest, std::string help) {
  AddFlag(std::move(name), dest, std::move(help));
}
void FlagSet::Add(std::string name, bool* dest, std::string help) {
  AddFlag(std::move(name), dest, std::move(help));
}

void FlagSet::AddFlag(std::string name, Dest dest, std::string help) {
  std::string default_text = std::visit(
      [](auto* d) -> std::string {
        using T = std::remove_pointer_t<decltype(d)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return absl::StrCat("\"", *d, "\"");
        } else if constexpr (std::is_same_v<T, bool>) {
          return *d ? "true" : "false";
        } else {
          return absl::StrCat(*d);
        }
      },
      dest);
  flags_.push_back(Flag{std::move(name), dest, std::move(help), std::move(default_text)});
}

const FlagSet::Flag* FlagSet::Find(absl::string_view name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Assign(const Flag& flag, absl::string_view value) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag.name, ": expected ", what, ", got \"", value, "\""));
  };
  if (auto* s = std::get_if<std::string*>(&flag.dest)) {
    **s = std::string(value);
  } else if (auto* i = std::get_if<int64_t*>(&flag.dest)) {
    if (!absl::SimpleAtoi(value, *i)) return bad("an integer");
  } else if (auto* d = std::get_if<double*>(&flag.dest)) {
    if (!absl::SimpleAtod(value, *d)) return bad("a number");
  } else if (auto* b = std::get_if<bool*>(&flag.dest)) {
    if (!absl::SimpleAtob(value, *b)) return bad("true or false");
  }
  return absl::OkStatus();
}

absl::Status FlagSet::Parse(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    arg.remove_prefix(2);
    absl::string_view name = arg;
    std::optional<absl::string_view> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value.has_value()) {
      if (std::holds_alternative<bool*>(flag->dest)) {
        value = "true";  // A bare boolean flag switches it on.
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    }
    if (absl::Status s = Assign(*flag, *value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat(usage_, "\n\nFlags:\n");
  for (const Flag& f : flags_) {
    absl::StrAppendFormat(&out, "  --%s (default %s)\n      %s\n", f.name, f.default_text, f.help);
  }
  absl::StrAppend(&out, "  --help\n      Print this text and exit.\n");
  return out;
}

int HandleParseResult(const FlagSet& flags, const absl::Status& status) {
  if (!status.ok()) return UsageError(flags, status.message());
  if (flags.help_requested()) {
    std::cout << flags.Usage() << std::flush;
    return 0;
  }
  return -1;
}

int UsageError(const FlagSet& flags, absl::string_view message) {
  std::cerr << flags.program() << ": " << message << "\nTry '" << flags.program()
            << " --help'.\n";
  return 2;
}

absl::StatusOr<grpc::StatusCode> ParseStatusCode(absl::string_view text) {
  int number = -1;
  if (absl::SimpleAtoi(text, &number)) {
    if (number >= 0 && number < kNumGrpcStatusCodes) return static_cast<grpc::StatusCode>(number);
  } else if (std::optional<int> code = GrpcStatusCodeFromName(text)) {
    return static_cast<grpc::StatusCode>(*code);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown gRPC status code \"", text, "\" (use 0..16 or a name such as UNAVAILABLE)"));
}

}  // namespace modelgate::tools

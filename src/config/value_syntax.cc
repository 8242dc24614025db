// Syntax checks for config string values. Hand-written scanners rather than std::regex: the
// grammars are tiny and the messages can then say which part is wrong.
#include "config/value_syntax.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/diagnostics.h"

namespace modelgate::config {
namespace {

bool AllOf(absl::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsIpv6Char(char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }
bool IsMetadataKeyChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '-';
}
bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

bool IsIdentifier(absl::string_view s) {
  return !s.empty() && IsIdentStart(s[0]) && AllOf(s.substr(1), IsIdentChar);
}

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

}  // namespace

std::optional<HostPort> SplitHostPort(absl::string_view address) {
  HostPort out;
  absl::string_view port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = address.substr(1, close - 1);
    out.bracketed = true;
    port = address.substr(close + 2);
    if (out.host.empty() || !AllOf(out.host, IsIpv6Char)) return std::nullopt;
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return std::nullopt;
    out.host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (out.host.empty() || !AllOf(out.host, IsHostChar)) return std::nullopt;
  }
  if (port.empty() || port.size() > 5 || !AllOf(port, IsDigit) ||
      !absl::SimpleAtoi(port, &out.port)) {
    return std::nullopt;
  }
  return out;
}

absl::Status CheckPortRange(const HostPort& host_port, int min_port) {
  if (host_port.port < min_port || host_port.port > 65535) {
    return Invalid(absl::StrCat("port must be between ", min_port, " and 65535 (got ",
                                host_port.port, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckHostPort(absl::string_view address, int min_port) {
  const std::optional<HostPort> parts = SplitHostPort(address);
  if (!parts.has_value()) {
    return Invalid(
        absl::StrCat("must be host:port, e.g. 127.0.0.1:8500 (got ", Quote(address), ")"));
  }
  return CheckPortRange(*parts, min_port);
}

absl::Status CheckAuthority(absl::string_view authority) {
  // host, host:port, [v6] or [v6]:port. No userinfo: HTTP/2 forbids it in :authority.
  const bool bracketed = absl::StartsWith(authority, "[");
  const bool has_port = bracketed ? authority.find("]:") != absl::string_view::npos
                                  : authority.find(':') != absl::string_view::npos;
  if (has_port) {
    if (CheckHostPort(authority, /*min_port=*/1).ok()) return absl::OkStatus();
  } else if (bracketed) {
    if (absl::EndsWith(authority, "]") && authority.size() > 2 &&
        AllOf(authority.substr(1, authority.size() - 2), IsIpv6Char)) {
      return absl::OkStatus();
    }
  } else if (!authority.empty() && AllOf(authority, IsHostChar)) {
    return absl::OkStatus();
  }
  return Invalid(absl::StrCat("must be host or host:port, e.g. models.example.com:443 (got ",
                              Quote(authority), ")"));
}

absl::Status CheckName(absl::string_view name) {
  if (name.empty() || !AllOf(name, IsNameChar)) {
    return Invalid(
        absl::StrCat("must be non-empty and use only A-Z a-z 0-9 _ . - (got ", Quote(name), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckMetadataKey(absl::string_view key) {
  if (key.empty()) return Invalid("metadata key must not be empty");
  // Keys the gRPC transport consumes itself never reach routing: a rule on them could never
  // match (pseudo-headers, te, content-type, and the reserved grpc- prefix).
  if (absl::StartsWith(key, ":") || key == "te" || key == "content-type" ||
      absl::StartsWith(key, "grpc-")) {
    return Invalid(absl::StrCat("metadata key ", Quote(key),
                                " is consumed by gRPC itself and never reaches routing (reserved: "
                                "pseudo-headers, te, content-type, grpc-*); use a custom key"));
  }
  for (char c : key) {
    if (absl::ascii_isupper(c)) {
      return Invalid(absl::StrCat("metadata key ", Quote(key),
                                  " must be lowercase (gRPC sends keys lowercased, so it "
                                  "could never match); write ",
                                  Quote(absl::AsciiStrToLower(key))));
    }
  }
  if (!AllOf(key, IsMetadataKeyChar)) {
    return Invalid(absl::StrCat("metadata key ", Quote(key), " may use only 0-9 a-z _ . -"));
  }
  return absl::OkStatus();
}

absl::Status CheckMetadataValue(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return Invalid(absl::StrCat("metadata value ", Quote(value), " must be printable ASCII"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckServiceName(absl::string_view service) {
  bool ok = !service.empty();
  for (absl::string_view rest = service; ok;) {
    const size_t dot = rest.find('.');
    ok = IsIdentifier(rest.substr(0, dot));
    if (dot == absl::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (!ok) {
    return Invalid(
        absl::StrCat("must be a full gRPC service name like inference.GRPCInferenceService (got ",
                     Quote(service), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckMethodName(absl::string_view method) {
  if (absl::StrContains(method, '/')) {
    return Invalid(
        absl::StrCat("must be the method name only, e.g. Predict; put the service "
                     "in match.service (got ",
                     Quote(method), ")"));
  }
  if (!IsIdentifier(method)) {
    return Invalid(absl::StrCat("must be a method name like Predict (got ", Quote(method), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckMethodPattern(absl::string_view pattern) {
  // ^/[^/]+/([^/]+|\*)$ : a leading slash, a non-empty service, a slash, then a non-empty
  // method (which may be "*").
  bool ok = absl::StartsWith(pattern, "/");
  if (ok) {
    const absl::string_view rest = pattern.substr(1);
    const size_t slash = rest.find('/');
    ok = slash != absl::string_view::npos && slash > 0 && slash + 1 < rest.size() &&
         rest.find('/', slash + 1) == absl::string_view::npos;
  }
  if (!ok) {
    return Invalid(absl::StrCat("must look like /pkg.Service/Method or /pkg.Service/* (got ",
                                Quote(pattern), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text) {
  struct Unit {
    absl::string_view suffix;
    int64_t factor;
  };
  constexpr Unit kUnits[] = {
      {"KiB", int64_t{1} << 10}, {"MiB", int64_t{1} << 20}, {"GiB", int64_t{1} << 30}};
  absl::string_view digits = text;
  int64_t factor = 1;
  for (const Unit& unit : kUnits) {
    if (absl::EndsWith(text, unit.suffix)) {
      digits = text.substr(0, text.size() - unit.suffix.size());
      factor = unit.factor;
      break;
    }
  }
  int64_t value = 0;
  if (digits.empty() || !AllOf(digits, IsDigit)) {
    return Invalid(absl::StrCat(
        "must be a byte count: an integer or an integer with KiB, MiB or GiB, e.g. 16MiB (got ",
        Quote(text), ")"));
  }
  if (!absl::SimpleAtoi(digits, &value) || value > std::numeric_limits<int64_t>::max() / factor) {
    return absl::OutOfRangeError(absl::StrCat("is too large (got ", Quote(text), ")"));
  }
  return value * factor;
}

}  // namespace modelgate::config

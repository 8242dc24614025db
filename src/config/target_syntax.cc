// gRPC target syntax checks; see target_syntax.h. Address literals are checked with inet_pton,
// the same parser gRPC's ipv4:/ipv6: resolvers rely on.
#include "config/target_syntax.h"

#include <arpa/inet.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/diagnostics.h"
#include "config/value_syntax.h"

namespace modelgate::config {
namespace {

constexpr char kForms[] =
    "host:port or a gRPC target such as dns:///host:port, ipv4:addr:port,addr:port, "
    "ipv6:[addr]:port or unix:path";

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

bool IsIpv4(absl::string_view host) {
  in_addr unused;
  return inet_pton(AF_INET, std::string(host).c_str(), &unused) == 1;
}

bool IsIpv6(absl::string_view host) {
  in6_addr unused;
  return inet_pton(AF_INET6, std::string(host).c_str(), &unused) == 1;
}

bool IsIpLiteral(const HostPort& hp) { return hp.bracketed ? IsIpv6(hp.host) : IsIpv4(hp.host); }

// The DNS server of dns://SERVER/...: an IP address with an optional port, as c-ares wants it.
bool IsDnsServer(absl::string_view server) {
  if (std::optional<HostPort> hp = SplitHostPort(server)) {
    return IsIpLiteral(*hp) && CheckPortRange(*hp, 1).ok();
  }
  if (absl::StartsWith(server, "[") && absl::EndsWith(server, "]")) {
    return IsIpv6(server.substr(1, server.size() - 2));
  }
  return IsIpv4(server);
}

absl::Status CheckDnsTarget(absl::string_view target, absl::string_view rest) {
  absl::string_view host_port = rest;
  if (absl::StartsWith(rest, "//")) {
    const size_t slash = rest.find('/', 2);
    if (slash == absl::string_view::npos) {
      return Invalid(absl::StrCat(
          "must be dns:///host:port or dns://dns-server/host:port, e.g. "
          "dns:///models.ns.svc.cluster.local:9000 (got ",
          Quote(target), ")"));
    }
    const absl::string_view server = rest.substr(2, slash - 2);
    if (!server.empty() && !IsDnsServer(server)) {
      return Invalid(absl::StrCat(
          "the DNS server in dns://SERVER/ must be an IP address with an optional port, e.g. "
          "dns://10.96.0.10:53/models.ns.svc.cluster.local:9000 (got ",
          Quote(server), ")"));
    }
    host_port = rest.substr(slash + 1);
  }
  const std::optional<HostPort> hp = SplitHostPort(host_port);
  if (!hp.has_value()) {
    return Invalid(absl::StrCat(
        "a dns: target needs host:port after the scheme, e.g. "
        "dns:///models.ns.svc.cluster.local:9000 (got ",
        Quote(target), ")"));
  }
  return CheckPortRange(*hp, 1);
}

absl::Status CheckAddressList(absl::string_view target, absl::string_view scheme,
                              absl::string_view rest) {
  const bool v6 = scheme == "ipv6";
  const absl::string_view example = v6 ? "ipv6:[fd00::1]:9000,[fd00::2]:9000"
                                       : "ipv4:10.0.0.1:9000,10.0.0.2:9000";
  if (rest.empty() || absl::StartsWith(rest, "/")) {
    return Invalid(absl::StrCat("must list addresses right after \"", scheme, ":\", e.g. ",
                                example, " (got ", Quote(target), ")"));
  }
  const std::vector<absl::string_view> entries = absl::StrSplit(rest, ',');
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::optional<HostPort> hp = SplitHostPort(entries[i]);
    const std::string which =
        absl::StrCat(scheme, ": address ", i + 1, " of ", entries.size(), " (", Quote(entries[i]),
                     ")");
    if (!hp.has_value() || hp->bracketed != v6 || !IsIpLiteral(*hp)) {
      return Invalid(absl::StrCat(which, " must be ",
                                  v6 ? "[IPv6 address]:port" : "an IPv4 address:port",
                                  ", e.g. ", example));
    }
    if (absl::Status s = CheckPortRange(*hp, 1); !s.ok()) {
      return Invalid(absl::StrCat(which, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckBackendAddress(absl::string_view target) {
  if (absl::ConsumePrefix(&target, "unix:")) {
    if (target.empty()) return Invalid("unix: address needs a path, e.g. unix:/run/model.sock");
    return absl::OkStatus();
  }
  if (absl::ConsumePrefix(&target, "unix-abstract:")) {
    if (target.empty()) {
      return Invalid("unix-abstract: address needs a name, e.g. unix-abstract:model");
    }
    return absl::OkStatus();
  }
  const absl::string_view original = target;
  if (absl::ConsumePrefix(&target, "dns:")) return CheckDnsTarget(original, target);
  for (absl::string_view scheme : {"ipv4", "ipv6"}) {
    if (absl::StartsWith(target, scheme) && absl::StartsWith(target.substr(4), ":")) {
      return CheckAddressList(original, scheme, target.substr(5));
    }
  }
  if (const size_t sep = target.find("://"); sep != absl::string_view::npos) {
    return Invalid(absl::StrCat("unsupported target scheme ", Quote(target.substr(0, sep)),
                                " (use ", kForms, ")"));
  }
  const std::optional<HostPort> hp = SplitHostPort(target);
  if (!hp.has_value()) {
    return Invalid(absl::StrCat("must be ", kForms, " (got ", Quote(target), ")"));
  }
  return CheckPortRange(*hp, 1);
}

}  // namespace modelgate::config

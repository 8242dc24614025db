// gRPC target URIs to socket addresses; see target.h.
#include "h2/target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace modelgate::h2 {
namespace {

Endpoint FromAddr(const sockaddr* sa, socklen_t len) {
  Endpoint e;
  std::memcpy(&e.addr, sa, len);
  e.len = len;
  e.key.assign(reinterpret_cast<const char*>(sa), len);
  return e;
}

// Splits "host:port" / "[v6]:port"; false when there is no port.
bool SplitHostPort(std::string_view hp, std::string* host, std::string* port) {
  if (!hp.empty() && hp[0] == '[') {
    const size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 2 > hp.size() || hp[close + 1] != ':') {
      return false;
    }
    *host = std::string(hp.substr(1, close - 1));
    *port = std::string(hp.substr(close + 2));
  } else {
    const size_t colon = hp.rfind(':');
    if (colon == std::string_view::npos) return false;
    *host = std::string(hp.substr(0, colon));
    *port = std::string(hp.substr(colon + 1));
  }
  int p;
  return !host->empty() && absl::SimpleAtoi(*port, &p) && p > 0 && p < 65536;
}

bool IsIpLiteral(const std::string& host) {
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

absl::Status Lookup(std::string_view hp, bool numeric, std::vector<Endpoint>* out) {
  std::string host, port;
  if (!SplitHostPort(hp, &host, &port)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", std::string(hp), "\" is not host:port"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", std::string(hp), ": ", gai_strerror(rc)));
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    out->push_back(FromAddr(ai->ai_addr, ai->ai_addrlen));
  }
  freeaddrinfo(res);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResolvedTarget> ResolveTarget(std::string_view target,
                                             std::string_view authority) {
  ResolvedTarget r;
  r.target = std::string(target);
  std::string_view rest = target;
  if (rest.starts_with("unix:") || rest.starts_with("unix-abstract:")) {
    const bool abstract = rest.starts_with("unix-abstract:");
    std::string_view path = rest.substr(abstract ? 14 : 5);
    if (!abstract && path.starts_with("//")) path.remove_prefix(2);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    const size_t off = abstract ? 1 : 0;
    if (path.empty() || path.size() + off >= sizeof(sun.sun_path)) {
      return absl::InvalidArgumentError(absl::StrCat("bad unix socket target ", std::string(target)));
    }
    std::memcpy(sun.sun_path + off, path.data(), path.size());
    const auto len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + off + path.size() + (abstract ? 0 : 1));
    r.endpoints.push_back(FromAddr(reinterpret_cast<const sockaddr*>(&sun), len));
    r.authority = authority.empty() ? "localhost" : std::string(authority);
    return r;
  }
  if (rest.starts_with("ipv4:") || rest.starts_with("ipv6:")) {
    rest.remove_prefix(5);
    for (absl::string_view hp : absl::StrSplit(absl::string_view(rest.data(), rest.size()), ',')) {
      if (absl::Status s = Lookup(std::string_view(hp.data(), hp.size()), true, &r.endpoints); !s.ok()) return s;
    }
    r.authority = authority.empty() ? std::string(rest.substr(0, rest.find(','))) : std::string(authority);
    return r;
  }
  if (rest.starts_with("dns:")) {
    rest.remove_prefix(4);
    if (rest.starts_with("//")) {  // dns://[server]/host:port: the server is ours to ignore
      rest.remove_prefix(2);
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("bad dns target ", std::string(target)));
      }
      rest.remove_prefix(slash + 1);
    }
  }
  if (absl::Status s = Lookup(rest, false, &r.endpoints); !s.ok()) return s;
  r.authority = authority.empty() ? std::string(rest) : std::string(authority);
  // An IP literal (host:port with a numeric host) does not change either.
  std::string host, port;
  r.dns = SplitHostPort(rest, &host, &port) && !IsIpLiteral(host);
  return r;
}

}  // namespace modelgate::h2

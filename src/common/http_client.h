// A minimal blocking HTTP/1.1 client for plain `http://host:port/path` URLs, for control-plane
// callers (the `modelgate ctl` command, webhook notifications): one request per connection,
// every wait bounded (connect timeout and a total deadline, both poll-based), the response read
// with Content-Length, chunked or close-delimited framing and a bounded size. No TLS, no
// redirects, no keep-alive: callers talk to a local admin port or a webhook receiver.
// Thread-safe: functions only, no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace modelgate {

// The parts of an http:// URL this client needs.
struct HttpUrl {
  std::string host;  // IPv4 literal or host name, without brackets or port
  int port = 80;
  std::string path;  // request-target: path plus query, "/" when the URL has none
  // "host:port", as errors and the Host header show it.
  std::string Authority() const;
};

// Parses "http://host[:port][/path][?query]". https and other schemes, user info, IPv6
// literals, empty hosts and bad ports are InvalidArgument errors naming the problem.
absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url);

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;
  // Sent as given after Host; Host, Connection and Content-Length are set by the client.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length when non-empty or the method is POST/PUT/PATCH
  absl::Duration connect_timeout = absl::Seconds(2);
  // Bounds the whole exchange (name lookup aside: getaddrinfo cannot be bounded; IPv4 literals
  // need no lookup), connect included.
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 4 << 20;  // body bytes; more is a ResourceExhausted error
};

struct HttpResult {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;                                          // decoded (chunked framing removed)
  // The first header named `lower_name`, or nullptr.
  const std::string* Header(absl::string_view lower_name) const;
};

// Sends one request and reads its response. Errors: InvalidArgument (bad URL or header),
// Unavailable ("connect to 127.0.0.1:9901: connection refused", resets, malformed answers),
// DeadlineExceeded ("... timed out after 2s"), ResourceExhausted (response too large).
// Any HTTP status, 4xx and 5xx included, is a successful result.
absl::StatusOr<HttpResult> SendHttpRequest(const HttpClientRequest& request);

}  // namespace modelgate

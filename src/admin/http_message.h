// HTTP/1.1 request and response values exchanged between the admin server's parser, router and
// handlers, and the response serializer. Plain data; no I/O.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

struct HttpRequest {
  std::string method;  // as sent (methods are case-sensitive)
  std::string target;  // request-target, e.g. "/api/v1/config?x=1"
  std::string path;    // target up to '?'
  std::string query;   // after '?', without it
  int minor_version = 1;  // HTTP/1.<minor>
  // In arrival order; names lower-cased, values without surrounding whitespace.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;       // from the version and the Connection header
  bool expect_continue = false;  // "Expect: 100-continue"

  // The first header named `lower_name`, or nullptr.
  const std::string* Header(absl::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // besides the framing headers
  std::string body;

  // A response whose body is `j` pretty-printed, with content type application/json.
  static HttpResponse Json(int status, const nlohmann::json& j);
  // {"error": message} with `status`, for every error the admin API reports.
  static HttpResponse Error(int status, absl::string_view message);
  // 200 with the JSON, or the error's message with its HTTP status: NOT_FOUND 404,
  // INVALID_ARGUMENT 400, FAILED_PRECONDITION/ABORTED 409, anything else 500.
  static HttpResponse FromStatus(const absl::StatusOr<nlohmann::json>& result);
};

// "Not Found" for 404 etc.; "Unknown" for codes the server never sends.
absl::string_view ReasonPhrase(int status);

// The status line, Content-Type, Content-Length, Connection and `response.headers`, then the
// body unless `head_only` (a HEAD request keeps the GET's Content-Length but sends no body).
std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool head_only);

}  // namespace modelgate::admin

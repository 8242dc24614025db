// Response helpers and serialization.
#include "admin/http_message.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

const std::string* HttpRequest::Header(absl::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HttpResponse HttpResponse::Json(int status, const nlohmann::json& j) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  // Invalid UTF-8 (a config value, a path) is replaced rather than thrown.
  r.body = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

HttpResponse HttpResponse::Error(int status, absl::string_view message) {
  return Json(status, {{"error", std::string(message)}});
}

HttpResponse HttpResponse::FromStatus(const absl::StatusOr<nlohmann::json>& result) {
  if (result.ok()) return Json(200, *result);
  const absl::Status& s = result.status();
  switch (s.code()) {
    case absl::StatusCode::kNotFound: return Error(404, s.message());
    case absl::StatusCode::kInvalidArgument: return Error(400, s.message());
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted: return Error(409, s.message());
    default: return Error(500, s.message());
  }
}

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool head_only) {
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
                                 "\r\nContent-Type: ", response.content_type,
                                 "\r\nContent-Length: ", response.body.size(),
                                 keep_alive ? "\r\n" : "\r\nConnection: close\r\n");
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

}  // namespace modelgate::admin

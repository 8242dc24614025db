// Authorization of the admin API's mutating endpoints: `Authorization: Bearer <token>`, checked
// against admin.token_file in constant time. Without a configured (and readable, non-empty)
// token file, mutations are refused outright (403), so an admin port that must be reachable
// for scraping never lets a stranger reload or steer the proxy. Reads never ask.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "admin/http_message.h"
#include "admin/token_file.h"

namespace modelgate::admin {

// Decides whether a request may run a mutating endpoint. Implementations are thread-safe.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // nullopt to allow; otherwise the response that refuses the request (401 or 403).
  virtual std::optional<HttpResponse> Authorize(const HttpRequest& request) = 0;
};

class BearerTokenAuth : public Authorizer {
 public:
  // `token_path` returns the current admin.token_file ("" when none is configured); it is
  // asked on every mutating request, so a config reload that adds or moves the file applies.
  explicit BearerTokenAuth(std::function<std::string()> token_path)
      : token_path_(std::move(token_path)) {}

  // 403 when mutations are disabled (no token file, or it is empty or unreadable); 401 with
  // WWW-Authenticate when the request has no bearer token or a wrong one.
  std::optional<HttpResponse> Authorize(const HttpRequest& request) override;

 private:
  std::function<std::string()> token_path_;
  TokenFile file_;
};

// True when `given` equals `secret`. Its running time depends only on secret.size(), never on
// where the two differ, so response timing does not reveal a token prefix.
bool ConstantTimeEquals(absl::string_view given, absl::string_view secret);

}  // namespace modelgate::admin

// Bearer token check and the refusal responses.
#include "admin/bearer_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace modelgate::admin {
namespace {

constexpr char kHowToEnable[] =
    "set admin.token_file to a file holding a secret token and send it as "
    "\"Authorization: Bearer <token>\"";

HttpResponse Unauthorized(absl::string_view message, absl::string_view challenge) {
  HttpResponse r = HttpResponse::Error(401, message);
  r.headers.emplace_back("WWW-Authenticate", challenge);
  return r;
}

}  // namespace

bool ConstantTimeEquals(absl::string_view given, absl::string_view secret) {
  // Every byte of the secret is compared with something; a length mismatch is folded into
  // the result instead of returning early.
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= g ^ static_cast<unsigned char>(secret[i]);
  }
  return diff == 0;
}

std::optional<HttpResponse> BearerTokenAuth::Authorize(const HttpRequest& request) {
  const std::string path = token_path_();
  if (path.empty()) {
    return HttpResponse::Error(
        403, absl::StrCat("mutating admin endpoints are disabled because no admin token is "
                          "configured; to enable them, ",
                          kHowToEnable));
  }
  const absl::StatusOr<std::string> token = file_.Read(path);
  if (!token.ok()) {
    return HttpResponse::Error(
        403, absl::StrCat("mutating admin endpoints are disabled: ", token.status().message(),
                          "; put the token in that file"));
  }
  const std::string* header = request.Header("authorization");
  constexpr absl::string_view kScheme = "bearer ";
  if (header == nullptr || header->size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(*header).substr(0, kScheme.size()), kScheme)) {
    return Unauthorized("this endpoint needs \"Authorization: Bearer <token>\" (the token in "
                        "admin.token_file)",
                        "Bearer realm=\"modelgate-admin\"");
  }
  const absl::string_view given =
      absl::StripAsciiWhitespace(absl::string_view(*header).substr(kScheme.size()));
  if (!ConstantTimeEquals(given, *token)) {
    return Unauthorized("invalid bearer token",
                        "Bearer realm=\"modelgate-admin\", error=\"invalid_token\"");
  }
  return std::nullopt;
}

}  // namespace modelgate::admin

// One request per invocation; every failure becomes one line that names what to check, because
// the person reading it is usually in the middle of an incident.
#include "tools/ctl/ctl.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace modelgate::ctl {
namespace {

// Percent-encodes what may not appear in a path segment (RFC 3986 pchar); route names are
// normally plain identifiers and pass unchanged.
std::string EscapeSegment(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (absl::ascii_isalnum(c) ||
        absl::string_view("-._~!$&'()*+,;=:@").find(c) != absl::string_view::npos) {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// "promote ranker", "step ranker 2", "reload": how messages name the command.
std::string What(const CtlArgs& args) {
  std::string what = args.command;
  if (!args.route.empty()) absl::StrAppend(&what, " ", args.route);
  if (args.command == "step") absl::StrAppend(&what, " ", args.step);
  return what;
}

// The admin API's {"error": "..."} message, else the body itself (shortened), else the code.
std::string ServerMessage(const HttpResult& answer) {
  const nlohmann::json j = nlohmann::json::parse(answer.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return j["error"].get<std::string>();
  }
  std::string text(absl::StripAsciiWhitespace(answer.body));
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text.empty() ? absl::StrCat("HTTP ", answer.status) : text;
}

CtlOutcome Fail(const std::string& line) { return {1, "", "modelgate ctl: " + line + "\n"}; }

}  // namespace

const char kCtlUsage[] =
    "Usage: modelgate ctl [--admin URL] [--token-file FILE] COMMAND\n"
    "  status ROUTE       the canary's state, step and weights (no token needed)\n"
    "  promote ROUTE      send all traffic to the candidate\n"
    "  rollback ROUTE     send all traffic back to the legacy backend\n"
    "  pause ROUTE        stop automatic steps; resume ROUTE continues them\n"
    "  step ROUTE N       move to step N (0-based index into canary.steps)\n"
    "  reload             re-read the config file\n"
    "  --admin URL        admin API (default $MODELGATE_ADMIN, else http://127.0.0.1:9901)\n"
    "  --token-file FILE  admin token for mutating commands (default $MODELGATE_TOKEN_FILE)\n"
    "Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 bad usage.\n";

CtlCall BuildCall(const CtlArgs& args) {
  if (args.command == "reload") return {"POST", "/api/v1/reload", "", true};
  const std::string base = absl::StrCat("/api/v1/routes/", EscapeSegment(args.route), "/canary");
  if (args.command == "status") return {"GET", base, "", false};
  CtlCall call{"POST", absl::StrCat(base, "/", args.command), "", true};
  if (args.command == "step") call.body = nlohmann::json{{"step", args.step}}.dump();
  return call;
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read token file ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(content.str()));
  if (token.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("token file ", path, " is empty"));
  }
  return token;
}

CtlOutcome InterpretAnswer(const CtlArgs& args, bool token_sent,
                           const absl::StatusOr<HttpResult>& answer) {
  const std::string what = What(args);
  if (!answer.ok()) {
    const std::string detail(answer.status().message());
    if (absl::IsDeadlineExceeded(answer.status())) {
      return Fail(absl::StrCat("the admin API at ", args.admin_url, " did not answer (", detail,
                               "); check --admin or MODELGATE_ADMIN"));
    }
    if (absl::IsUnavailable(answer.status()) &&
        (absl::StartsWith(detail, "connect to") || absl::StartsWith(detail, "cannot resolve"))) {
      return Fail(absl::StrCat("cannot connect to the admin API at ", args.admin_url, " (", detail,
                               "); check --admin or MODELGATE_ADMIN"));
    }
    return Fail(absl::StrCat(what, ": request to ", args.admin_url, " failed: ", detail));
  }
  const int status = answer->status;
  if (status >= 200 && status < 300) {
    const nlohmann::json j = nlohmann::json::parse(answer->body, nullptr, false);
    std::string out = j.is_discarded() ? answer->body : j.dump(2);
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    return {0, out, ""};
  }
  const std::string message = ServerMessage(*answer);
  switch (status) {
    case 401:
      return Fail(token_sent
                      ? absl::StrCat(what, ": the admin rejected the token: check --token-file ",
                                     args.token_file, " (", message, ")")
                      : absl::StrCat(what,
                                     ": the admin requires a token: pass --token-file "
                                     "FILE or set MODELGATE_TOKEN_FILE"));
    case 403:
      return Fail(absl::StrCat(what, ": refused: ", message));
    case 404:
      return Fail(absl::StrCat(what, ": not found: ", message));
    case 409:
      return Fail(absl::StrCat(what, ": not allowed now: ", message));
    case 400:
      return Fail(absl::StrCat(what, ": bad request: ", message));
    default:
      return Fail(absl::StrCat(what, ": the admin answered HTTP ", status, ": ", message));
  }
}

int RunCtl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
           std::ostream& err) {
  const absl::StatusOr<CtlArgs> parsed = ParseCtlArgs(args, env);
  if (!parsed.ok()) {
    err << "modelgate ctl: " << parsed.status().message() << "\n" << kCtlUsage;
    return 2;
  }
  if (parsed->help) {
    out << kCtlUsage;
    return 0;
  }
  const CtlCall call = BuildCall(*parsed);
  HttpClientRequest request;
  request.method = call.method;
  request.url = parsed->admin_url + call.path;
  if (!call.body.empty()) {
    request.body = call.body;
    request.headers.emplace_back("Content-Type", "application/json");
  }
  // Reads are open, so the token is sent only where it is needed.
  bool token_sent = false;
  if (call.mutating && !parsed->token_file.empty()) {
    const absl::StatusOr<std::string> token = ReadToken(parsed->token_file);
    if (!token.ok()) {
      err << "modelgate ctl: " << token.status().message()
          << " (from --token-file or MODELGATE_TOKEN_FILE)\n";
      return 1;
    }
    request.headers.emplace_back("Authorization", "Bearer " + *token);
    token_sent = true;
  }
  const CtlOutcome outcome = InterpretAnswer(*parsed, token_sent, SendHttpRequest(request));
  out << outcome.out;
  err << outcome.err;
  return outcome.exit_code;
}

}  // namespace modelgate::ctl

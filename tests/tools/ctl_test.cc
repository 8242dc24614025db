// `modelgate ctl`: argument parsing, the request each command makes (checked on a recording
// in-test server: method, path, Authorization, body), and how each answer becomes a message
// and an exit code.
#include "tools/ctl/ctl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/http_test_server.h"
#include "testing/temp_dir.h"

namespace modelgate::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testutil::CannedReply;
using testutil::HttpResponseBytes;
using testutil::HttpTestServer;
using testutil::RecordedRequest;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<CtlArgs> Parse(std::vector<std::string> args,
                              std::map<std::string, std::string> env = {}) {
  return ParseCtlArgs(args, Env(std::move(env)));
}

TEST(CtlArgs, DefaultsToLocalAdminAndNoToken) {
  absl::StatusOr<CtlArgs> args = Parse({"status", "ranker"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->admin_url, "http://127.0.0.1:9901");
  EXPECT_EQ(args->token_file, "");
  EXPECT_EQ(args->command, "status");
  EXPECT_EQ(args->route, "ranker");
}

TEST(CtlArgs, ReadsEnvironmentAndFlagsWin) {
  const std::map<std::string, std::string> env = {{"MODELGATE_ADMIN", "http://10.0.0.1:1/"},
                                                  {"MODELGATE_TOKEN_FILE", "/env/token"}};
  absl::StatusOr<CtlArgs> args = Parse({"promote", "r"}, env);
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->admin_url, "http://10.0.0.1:1");  // trailing slash dropped
  EXPECT_EQ(args->token_file, "/env/token");

  args = Parse({"--admin=http://127.0.0.1:2", "promote", "r", "--token-file", "/flag/token"}, env);
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->admin_url, "http://127.0.0.1:2");
  EXPECT_EQ(args->token_file, "/flag/token");
}

TEST(CtlArgs, ParsesStepIndexAndReload) {
  absl::StatusOr<CtlArgs> args = Parse({"step", "ranker", "3"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->step, 3);
  args = Parse({"reload"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->route, "");
  EXPECT_TRUE(Parse({"--help"})->help);
}

TEST(CtlArgs, RejectsBadUsageWithTheReason) {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{}, "no command"},
      {{"launch", "r"}, "unknown command \"launch\""},
      {{"promote"}, "ROUTE is required"},
      {{"step", "r"}, "ROUTE N is required"},
      {{"step", "r", "-1"}, "non-negative integer"},
      {{"step", "r", "two"}, "non-negative integer"},
      {{"pause", "r", "extra"}, "unexpected argument \"extra\""},
      {{"reload", "r"}, "unexpected argument \"r\""},
      {{"--verbose", "status", "r"}, "unknown flag --verbose"},
      {{"status", "r", "--admin"}, "--admin needs a value"},
      {{"--admin", "https://127.0.0.1:9901", "status", "r"}, "https is not supported"},
      {{"--token-file=", "status", "r"}, "--token-file is empty"},
  };
  for (const auto& [words, why] : cases) {
    absl::StatusOr<CtlArgs> args = Parse(words);
    ASSERT_FALSE(args.ok()) << why;
    EXPECT_THAT(args.status().message(), HasSubstr(why));
  }
}

CtlArgs Args(std::string command, std::string route = "") {
  CtlArgs args;
  args.admin_url = kDefaultAdminUrl;
  args.command = std::move(command);
  args.route = std::move(route);
  return args;
}

TEST(CtlCall, MapsCommandsToEndpoints) {
  CtlArgs args = Args("status", "ranker");
  CtlCall call = BuildCall(args);
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.path, "/api/v1/routes/ranker/canary");
  EXPECT_FALSE(call.mutating);
  for (const char* command : {"promote", "rollback", "pause", "resume"}) {
    args.command = command;
    call = BuildCall(args);
    EXPECT_EQ(call.method, "POST");
    EXPECT_EQ(call.path, absl::StrCat("/api/v1/routes/ranker/canary/", command));
    EXPECT_TRUE(call.mutating);
    EXPECT_EQ(call.body, "");
  }
  args.command = "step";
  args.step = 2;
  call = BuildCall(args);
  EXPECT_EQ(call.path, "/api/v1/routes/ranker/canary/step");
  EXPECT_EQ(nlohmann::json::parse(call.body), (nlohmann::json{{"step", 2}}));
  args.route = "a b/c";
  EXPECT_EQ(BuildCall(args).path, "/api/v1/routes/a%20b%2Fc/canary/step");
  EXPECT_EQ(BuildCall(Args("reload")).path, "/api/v1/reload");
}

// Runs `modelgate ctl` in-process against a server that answers every request with `reply`.
struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
  std::vector<RecordedRequest> requests;
};

RunResult RunAgainst(const std::string& reply, std::vector<std::string> args,
                     std::map<std::string, std::string> env = {}) {
  auto server = HttpTestServer::Start([reply](const RecordedRequest&) {
    return CannedReply{reply, false};
  });
  EXPECT_TRUE(server.ok());
  std::vector<std::string> words = {"--admin", (*server)->url()};
  words.insert(words.end(), args.begin(), args.end());
  std::ostringstream out, err;
  const int rc = RunCtl(words, Env(std::move(env)), out, err);
  (*server)->Stop();
  return {rc, out.str(), err.str(), (*server)->requests()};
}

std::string Error(int status, const std::string& message) {
  return HttpResponseBytes(status, nlohmann::json{{"error", message}}.dump());
}

TEST(CtlRun, StatusPrintsPrettyJsonWithoutSendingTheToken) {
  testutil::TempDir dir;
  const std::string token = dir.Write("token", "secret");
  const RunResult run = RunAgainst(HttpResponseBytes(200, R"({"state":"progressing","step":1})"),
                                   {"status", "ranker", "--token-file", token});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "{\n  \"state\": \"progressing\",\n  \"step\": 1\n}\n");
  EXPECT_EQ(run.err, "");
  ASSERT_EQ(run.requests.size(), 1u);
  EXPECT_EQ(run.requests[0].method, "GET");
  EXPECT_EQ(run.requests[0].target, "/api/v1/routes/ranker/canary");
  EXPECT_EQ(run.requests[0].Header("authorization"), "");
}

TEST(CtlRun, PromoteSendsTrimmedTokenFromTheEnvironment) {
  testutil::TempDir dir;
  const std::string token = dir.Write("token", "  s3cret \n");
  const RunResult run = RunAgainst(HttpResponseBytes(200, R"({"state":"promoted"})"),
                                   {"promote", "ranker"}, {{"MODELGATE_TOKEN_FILE", token}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.requests.size(), 1u);
  EXPECT_EQ(run.requests[0].method, "POST");
  EXPECT_EQ(run.requests[0].target, "/api/v1/routes/ranker/canary/promote");
  EXPECT_EQ(run.requests[0].Header("authorization"), "Bearer s3cret");
  EXPECT_EQ(run.requests[0].Header("content-length"), "0");
}

TEST(CtlRun, StepSendsTheIndexAsJson) {
  testutil::TempDir dir;
  const RunResult run =
      RunAgainst(HttpResponseBytes(200, R"({"step":2})"),
                 {"--token-file", dir.Write("token", "t"), "step", "ranker", "2"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.requests.size(), 1u);
  EXPECT_EQ(run.requests[0].target, "/api/v1/routes/ranker/canary/step");
  EXPECT_EQ(run.requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(run.requests[0].body), (nlohmann::json{{"step", 2}}));
}

TEST(CtlRun, ReloadPostsToTheReloadEndpoint) {
  testutil::TempDir dir;
  const RunResult run = RunAgainst(HttpResponseBytes(200, R"({"generation":2})"),
                                   {"--token-file", dir.Write("token", "t"), "reload"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.requests.size(), 1u);
  EXPECT_EQ(run.requests[0].method, "POST");
  EXPECT_EQ(run.requests[0].target, "/api/v1/reload");
}

TEST(CtlRun, MapsRefusalsToOneLineAndExitOne) {
  testutil::TempDir dir;
  const std::string token = dir.Write("token", "t");
  struct Case {
    std::string reply;
    std::string expected;
  };
  const Case cases[] = {
      {Error(401, "invalid bearer token"),
       "modelgate ctl: promote ranker: the admin rejected the token: check --token-file"},
      {Error(403, "mutating admin endpoints are disabled because no admin token is configured"),
       "modelgate ctl: promote ranker: refused: mutating admin endpoints are disabled because "
       "no admin token is configured\n"},
      {Error(404, "no route \"ranker\""), "modelgate ctl: promote ranker: not found: no route"},
      {Error(409, "already promoted"),
       "modelgate ctl: promote ranker: not allowed now: already promoted\n"},
      {Error(400, "bad body"), "modelgate ctl: promote ranker: bad request: bad body\n"},
      {HttpResponseBytes(502, "upstream broke", "text/plain"),
       "modelgate ctl: promote ranker: the admin answered HTTP 502: upstream broke\n"},
  };
  for (const Case& c : cases) {
    const RunResult run = RunAgainst(c.reply, {"--token-file", token, "promote", "ranker"});
    EXPECT_EQ(run.exit_code, 1) << c.expected;
    EXPECT_EQ(run.out, "");
    EXPECT_THAT(run.err, StartsWith(c.expected));
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

TEST(CtlRun, UnauthorizedWithoutTokenSaysHowToGiveOne) {
  const RunResult run = RunAgainst(Error(401, "this endpoint needs a token"), {"pause", "ranker"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.requests[0].Header("authorization"), "");
  EXPECT_THAT(run.err, HasSubstr("requires a token: pass --token-file FILE or set "
                                 "MODELGATE_TOKEN_FILE"));
}

TEST(CtlRun, UnreachableAdminNamesTheUrlAndTheFlag) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port));
  std::ostringstream out, err;
  const int rc = RunCtl({"status", "ranker"}, Env({{"MODELGATE_ADMIN", url}}), out, err);
  close(fd);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(err.str(), absl::StrCat("modelgate ctl: cannot connect to the admin API at ", url,
                                    " (connect to ", url.substr(7),
                                    ": connection refused); check --admin or MODELGATE_ADMIN\n"));
}

TEST(CtlRun, BadUsageExitsTwoWithUsage) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCtl({"step", "ranker"}, Env({}), out, err), 2);
  EXPECT_THAT(err.str(), StartsWith("modelgate ctl: step: ROUTE N is required"));
  EXPECT_THAT(err.str(), HasSubstr("Usage: modelgate ctl"));
  std::ostringstream help_out, help_err;
  EXPECT_EQ(RunCtl({"--help"}, Env({}), help_out, help_err), 0);
  EXPECT_THAT(help_out.str(), StartsWith("Usage: modelgate ctl"));
}

TEST(CtlRun, MissingTokenFileFailsBeforeAnyRequest) {
  const RunResult run = RunAgainst(HttpResponseBytes(200, "{}"),
                                   {"--token-file", "/nonexistent/token", "rollback", "ranker"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot read token file /nonexistent/token"));
  EXPECT_TRUE(run.requests.empty());
}

TEST(CtlInterpret, NonJsonSuccessIsPrintedAsIs) {
  HttpResult answer;
  answer.status = 200;
  answer.body = "ok";
  const CtlOutcome outcome = InterpretAnswer(Args("reload"), true, answer);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "ok\n");
}

TEST(CtlInterpret, TimeoutSaysTheAdminDidNotAnswer) {
  const CtlOutcome outcome = InterpretAnswer(
      Args("reload"), true, absl::DeadlineExceededError("127.0.0.1:9901: timed out after 10s"));
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.err, HasSubstr("the admin API at http://127.0.0.1:9901 did not answer"));
}

}  // namespace
}  // namespace modelgate::ctl

// The admin router: 404 and 405 (+Allow) with JSON bodies, path parameters (percent-decoded),
// HEAD, and the per-route authorization policy with a real token file: reads are open;
// mutations are refused without a configured token (403), and need the right bearer token (401
// otherwise).
#include "admin/router.h"

#include <string>

#include "admin/bearer_auth.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/temp_dir.h"

namespace modelgate::admin {
namespace {

using nlohmann::json;

HttpRequest Request(std::string method, std::string path,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

HttpResponse Text(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : auth_([this] { return token_path_; }), router_(&auth_) {
    router_.Add("GET", "/metrics", {}, [](const HttpRequest&, const PathParams&) {
      return Text("metrics");
    });
    router_.Add("GET", "/api/v1/routes/{route}/stats", {},
                [](const HttpRequest&, const PathParams& p) { return Text(p.at("route")); });
    router_.Add("GET", "/api/v1/reload", {}, [](const HttpRequest&, const PathParams&) {
      return Text("status");
    });
    router_.Add("POST", "/api/v1/reload", {.mutating = true},
                [this](const HttpRequest&, const PathParams&) {
                  ++reloads_;
                  return Text("reloaded");
                });
  }

  HttpResponse Call(const HttpRequest& request) {
    return router_.Run(router_.Resolve(request), request);
  }
  HttpResponse Reload(std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Call(Request("POST", "/api/v1/reload", std::move(headers)));
  }
  void UseToken(const std::string& contents) {
    token_path_ = dir_.Write("token", contents);
  }

  testutil::TempDir dir_;
  std::string token_path_;
  BearerTokenAuth auth_;
  Router router_;
  int reloads_ = 0;
};

TEST_F(RouterTest, UnknownPathIs404WithAJsonBodyNamingIt) {
  const HttpResponse r = Call(Request("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body)["error"], "no admin endpoint at /nope");
  EXPECT_EQ(json::parse(r.body)["endpoints"][0], "GET /metrics");
}

TEST_F(RouterTest, OtherMethodIs405WithTheAllowedOnes) {
  HttpResponse r = Call(Request("DELETE", "/api/v1/reload"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD, POST");
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("DELETE is not allowed"),
            std::string::npos);
  r = Call(Request("POST", "/metrics"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD");
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  EXPECT_EQ(Call(Request("HEAD", "/metrics")).body, "metrics");
}

TEST_F(RouterTest, PathParametersAreCaptured) {
  EXPECT_EQ(Call(Request("GET", "/api/v1/routes/infer-2/stats")).body, "infer-2");
  EXPECT_EQ(Call(Request("GET", "/api/v1/routes/stats")).status, 404);
  EXPECT_EQ(Call(Request("GET", "/api/v1/routes/a/b/stats")).status, 404);
}

// RFC 3986: a client may percent-encode any character of a segment; %2F stays inside its
// segment (it is not a separator); a '%' without two hex digits is a 400 that says so.
TEST_F(RouterTest, PathSegmentsArePercentDecoded) {
  EXPECT_EQ(Call(Request("GET", "/api/v1/routes/infer%2D2/stats")).body, "infer-2");
  EXPECT_EQ(Call(Request("GET", "/api%2fv1/routes/x/stats")).status, 404);
  EXPECT_EQ(Call(Request("GET", "/api/v1/routes/a%2Fb/stats")).body, "a/b");
  EXPECT_EQ(Call(Request("GET", "/%6Detrics")).body, "metrics");
  for (const char* bad : {"/api/v1/routes/x%/stats", "/api/v1/routes/x%4/stats",
                          "/api/v1/routes/%zz/stats", "/metrics%"}) {
    const HttpResponse r = Call(Request("GET", bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("malformed percent-encoding"), std::string::npos) << r.body;
  }
}

TEST_F(RouterTest, ReadsNeedNoToken) {
  UseToken("s3cret\n");
  EXPECT_EQ(Call(Request("GET", "/metrics")).status, 200);
  EXPECT_EQ(Call(Request("GET", "/api/v1/reload")).status, 200);
}

TEST_F(RouterTest, MutationsWithoutAConfiguredTokenAre403SayingHowToEnableThem) {
  const HttpResponse r = Reload({{"authorization", "Bearer anything"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("set admin.token_file"), std::string::npos) << r.body;
  EXPECT_EQ(reloads_, 0);
}

TEST_F(RouterTest, MutationWithoutCredentialsIs401WithABearerChallenge) {
  UseToken("s3cret\n");
  const HttpResponse r = Reload();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Bearer realm=\"modelgate-admin\"");
  EXPECT_EQ(Reload({{"authorization", "Basic czNjcmV0"}}).status, 401);
  EXPECT_EQ(Reload({{"authorization", "Bearer"}}).status, 401);
  EXPECT_EQ(reloads_, 0);
}

TEST_F(RouterTest, WrongTokenIs401) {
  UseToken("s3cret\n");
  for (const char* wrong : {"Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET", "Bearer "}) {
    const HttpResponse r = Reload({{"authorization", wrong}});
    EXPECT_EQ(r.status, 401) << wrong;
    EXPECT_NE(HeaderOf(r, "WWW-Authenticate").find("invalid_token"), std::string::npos);
  }
  EXPECT_EQ(reloads_, 0);
}

TEST_F(RouterTest, RightTokenRunsTheHandler) {
  UseToken("  s3cret \r\n");  // surrounding whitespace is not part of the token
  EXPECT_EQ(Reload({{"authorization", "Bearer s3cret"}}).body, "reloaded");
  EXPECT_EQ(Reload({{"authorization", "bearer  s3cret"}}).body, "reloaded");
  EXPECT_EQ(reloads_, 2);
}

TEST_F(RouterTest, EmptyOrMissingTokenFileRefusesMutationsWithTheReason) {
  UseToken(" \n");
  HttpResponse r = Reload({{"authorization", "Bearer "}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("is empty"), std::string::npos) << r.body;
  token_path_ = dir_.path() + "/missing";
  r = Reload({{"authorization", "Bearer x"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("No such file or directory"), std::string::npos) << r.body;
  EXPECT_EQ(reloads_, 0);
}

TEST_F(RouterTest, AThrowingHandlerIsA500) {
  router_.Add("GET", "/throws", {}, [](const HttpRequest&, const PathParams&) -> HttpResponse {
    return Text(json::parse("{not json").dump());
  });
  const HttpResponse r = Call(Request("GET", "/throws"));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("internal error"), std::string::npos);
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("s3cret", "s3cret"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("s3cre", "s3cret"));
  EXPECT_FALSE(ConstantTimeEquals("s3cret!", "s3cret"));
  EXPECT_FALSE(ConstantTimeEquals("s3creT", "s3cret"));
  EXPECT_FALSE(ConstantTimeEquals("", "s3cret"));
  EXPECT_FALSE(ConstantTimeEquals("x", ""));
  // A given value that matches the secret and then has a NUL is still another value.
  EXPECT_FALSE(ConstantTimeEquals(std::string("s3cret\0", 7), "s3cret"));
}

}  // namespace
}  // namespace modelgate::admin

// Interleaving over HTTP: the feedback body's parsing (every malformed shape is a 400 saying
// what is wrong), the hooks' statuses as HTTP codes, and feedback needing no admin token.
#include "admin/interleave_routes.h"

#include <string>
#include <vector>

#include "admin/bearer_auth.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::admin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseFeedbackBody, ReadsTheImpressionAndItsClicks) {
  auto p = ParseFeedbackBody(R"({"impression": "abc", "clicks": ["x", 42, -7]})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->first, "abc");
  EXPECT_THAT(p->second, ElementsAre("x", "42", "-7"));
  p = ParseFeedbackBody(R"({"impression": "abc"})");  // no clicks: the user clicked nothing
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->second.empty());
}

TEST(ParseFeedbackBody, SaysWhatIsWrong) {
  for (const char* body : {"", "not json", "[]", R"({"clicks": []})", R"({"impression": 5})",
                           R"({"impression": "a", "clicks": "x"})",
                           R"({"impression": "a", "clicks": [1.5]})",
                           R"({"impression": "a", "clicks": [], "extra": 1})"}) {
    auto p = ParseFeedbackBody(body);
    EXPECT_TRUE(absl::IsInvalidArgument(p.status())) << body;
    EXPECT_THAT(p.status().message(), HasSubstr("expected")) << body;
  }
}

class InterleaveRoutesTest : public ::testing::Test {
 protected:
  InterleaveRoutesTest() : auth_([] { return std::string(); }), router_(&auth_) {
    InterleaveHooks hooks;
    hooks.report = [](const std::string& route) -> absl::StatusOr<nlohmann::json> {
      if (route != "rank") return absl::NotFoundError("route \"" + route + "\" does not exist");
      return nlohmann::json{{"route", route}};
    };
    hooks.feedback = [this](const std::string& route, const std::string& impression,
                            const std::vector<std::string>& clicks)
        -> absl::StatusOr<nlohmann::json> {
      calls_.push_back(route + "/" + impression + "/" + std::to_string(clicks.size()));
      if (impression == "gone") return absl::NotFoundError("impression expired");
      if (!clicks.empty() && clicks[0] == "bad") return absl::InvalidArgumentError("not shown");
      return nlohmann::json{{"outcome", "tie"}};
    };
    AddInterleaveRoutes(router_, std::move(hooks));
  }

  HttpResponse Post(const std::string& path, const std::string& body) {
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    return router_.Run(router_.Resolve(r), r);
  }

  BearerTokenAuth auth_;  // no token file: mutations would be refused with 403
  Router router_;
  std::vector<std::string> calls_;
};

TEST_F(InterleaveRoutesTest, FeedbackNeedsNoTokenAndMapsStatuses) {
  EXPECT_EQ(Post("/api/v1/routes/rank/feedback", R"({"impression": "i1", "clicks": ["x"]})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/routes/rank/feedback", R"({"impression": "gone"})").status, 404);
  EXPECT_EQ(Post("/api/v1/routes/rank/feedback", R"({"impression": "i1", "clicks": ["bad"]})")
                .status,
            400);
  HttpResponse malformed = Post("/api/v1/routes/rank/feedback", "{");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("not JSON"));
  EXPECT_THAT(calls_, ElementsAre("rank/i1/1", "rank/gone/0", "rank/i1/1"));  // not the malformed
}

TEST_F(InterleaveRoutesTest, ReportOfAnUnknownRouteIs404) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/routes/nope/interleave";
  HttpResponse resp = router_.Run(router_.Resolve(r), r);
  EXPECT_EQ(resp.status, 404);
  EXPECT_THAT(resp.body, HasSubstr("nope"));
  r.path = "/api/v1/routes/rank/interleave";
  EXPECT_EQ(router_.Run(router_.Resolve(r), r).status, 200);
}

}  // namespace
}  // namespace modelgate::admin

// The admin HTTP parser: requests split at every byte, pipelined requests, every limit, and
// the malformed inputs it must refuse rather than guess at.
#include "admin/http_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace modelgate::admin {
namespace {

using Result = RequestParser::Result;

// Feeds `input` as the server does (kHead, then again for the body) and returns the outcome.
Result ParseAll(RequestParser& parser, const std::string& input) {
  Result r = parser.Parse(input);
  if (r == Result::kHead) r = parser.Parse(input);
  return r;
}

TEST(HttpParser, ParsesAGetRequest) {
  RequestParser p(HttpLimits{});
  const std::string in = "GET /api/v1/config?pretty=1 HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n\r\n";
  ASSERT_EQ(ParseAll(p, in), Result::kComplete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().path, "/api/v1/config");
  EXPECT_EQ(p.request().query, "pretty=1");
  ASSERT_NE(p.request().Header("x-y"), nullptr);
  EXPECT_EQ(*p.request().Header("x-y"), "z");
  EXPECT_TRUE(p.request().keep_alive);
  EXPECT_EQ(p.consumed(), in.size());
}

TEST(HttpParser, PostWithoutContentLengthHasAnEmptyBody) {
  // What `curl -X POST URL` sends: no body, no Content-Length (RFC 9112 §6.3: length 0).
  RequestParser p(HttpLimits{});
  ASSERT_EQ(ParseAll(p, "POST /api/v1/reload HTTP/1.1\r\nHost: a\r\n\r\n"), Result::kComplete);
  EXPECT_EQ(p.request().method, "POST");
  EXPECT_EQ(p.request().body, "");
}

constexpr char kPostWithBody[] =
    "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello";

TEST(HttpParser, ByteByByteGivesTheSameRequest) {
  const std::string in = kPostWithBody;
  RequestParser p(HttpLimits{});
  int heads = 0;
  Result r = Result::kIncomplete;
  for (size_t n = 1; n <= in.size(); ++n) {
    r = p.Parse(in.substr(0, n));
    if (r == Result::kHead) {
      ++heads;
      r = p.Parse(in.substr(0, n));
    }
    ASSERT_NE(r, Result::kError) << p.error_message();
    if (n < in.size()) {
      ASSERT_EQ(r, Result::kIncomplete) << n;
    }
  }
  EXPECT_EQ(r, Result::kComplete);
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(p.request().body, "hello");
  EXPECT_TRUE(p.request().expect_continue);
}

TEST(HttpParser, AnySplitInTwoGivesTheSameRequest) {
  const std::string in = kPostWithBody;
  for (size_t cut = 0; cut < in.size(); ++cut) {
    RequestParser p(HttpLimits{});
    ASSERT_EQ(ParseAll(p, in.substr(0, cut)), Result::kIncomplete) << cut;
    ASSERT_EQ(ParseAll(p, in), Result::kComplete) << cut;
    EXPECT_EQ(p.request().body, "hello");
    EXPECT_EQ(p.consumed(), in.size());
  }
}

TEST(HttpParser, ReportsTheHeadBeforeTheBodyArrives) {
  RequestParser p(HttpLimits{});
  const std::string head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
  EXPECT_EQ(p.Parse(head), Result::kHead);
  EXPECT_EQ(p.body_length(), 3u);
  EXPECT_EQ(p.Parse(head + "ab"), Result::kIncomplete);
  EXPECT_EQ(p.Parse(head + "abc"), Result::kComplete);
  EXPECT_EQ(p.request().body, "abc");
}

TEST(HttpParser, PipelinedRequestsAreParsedOneAfterTheOther) {
  std::string in =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
      "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  RequestParser p(HttpLimits{});
  std::vector<std::string> paths;
  while (!in.empty()) {
    ASSERT_EQ(ParseAll(p, in), Result::kComplete);
    paths.push_back(p.request().path + ":" + p.request().body);
    in.erase(0, p.consumed());
    const bool keep_alive = p.request().keep_alive;
    p.Reset();
    if (!keep_alive) break;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/a:", "/b:hi", "/c:"}));
  EXPECT_TRUE(in.empty());
}

TEST(HttpParser, AcceptsBareLineFeedsAndLeadingBlankLines) {
  RequestParser p(HttpLimits{});
  ASSERT_EQ(ParseAll(p, "\r\n\nGET /healthz HTTP/1.1\nHost: a\n\n"), Result::kComplete);
  EXPECT_EQ(p.request().path, "/healthz");
}

TEST(HttpParser, KeepAliveFollowsVersionAndConnectionHeader) {
  auto keep_alive = [](const std::string& in) {
    RequestParser p(HttpLimits{});
    EXPECT_EQ(ParseAll(p, in), Result::kComplete) << p.error_message();
    return p.request().keep_alive;
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

struct BadRequest {
  std::string input;
  int status;
  std::string message_part;
};

class HttpParserRefuses : public ::testing::TestWithParam<BadRequest> {};

TEST_P(HttpParserRefuses, WithStatusAndReason) {
  HttpLimits limits;
  limits.max_head_bytes = 256;
  limits.max_headers = 5;
  limits.max_body_bytes = 100;
  RequestParser p(limits);
  ASSERT_EQ(ParseAll(p, GetParam().input), Result::kError);
  EXPECT_EQ(p.error_status(), GetParam().status);
  EXPECT_NE(p.error_message().find(GetParam().message_part), std::string::npos)
      << p.error_message();
}

INSTANTIATE_TEST_SUITE_P(
    Limits, HttpParserRefuses,
    ::testing::Values(
        BadRequest{"GET /" + std::string(300, 'a'), 414, "request line"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'a'), 431,
                   "larger than 256 bytes"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n",
                   431, "more than 5 header fields"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", 413,
                   "limit of 100 bytes"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                   413, "limit"}));

INSTANTIATE_TEST_SUITE_P(
    Malformed, HttpParserRefuses,
    ::testing::Values(
        BadRequest{"GET /\r\n\r\n", 400, "malformed request line"},
        BadRequest{"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed request line"},
        BadRequest{"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed request line"},
        BadRequest{"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "must be a path"},
        BadRequest{"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid characters"},
        BadRequest{"GET / HTTP/2.0\r\n\r\n", 505, "HTTP/2.0"},
        BadRequest{"GET / HTTX/1.1\r\n\r\n", 400, "malformed request line"},
        BadRequest{"GET / HTTP/1.1\r\n\r\n", 400, "missing Host"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "folded"},
        BadRequest{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "malformed header"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "malformed header"},
        BadRequest{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", 400, "control characters"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400,
                   "decimal number"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                   400, "conflicting Content-Length"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
                   "chunked request bodies are not supported"},
        BadRequest{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                   "not supported"}));

TEST(HttpParser, RefusesAnOversizedBodyBeforeAnyOfItArrives) {
  HttpLimits limits;
  limits.max_body_bytes = 1 << 20;
  RequestParser p(limits);
  EXPECT_EQ(p.Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 524288000\r\n\r\n"),
            Result::kError);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(HttpParser, AnIncompleteHeadWithinTheLimitWaitsForMore) {
  HttpLimits limits;
  limits.max_head_bytes = 64;
  RequestParser p(limits);
  EXPECT_EQ(p.Parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(30, 'b')),
            Result::kIncomplete);
}

}  // namespace
}  // namespace modelgate::admin

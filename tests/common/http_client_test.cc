// SendHttpRequest against the in-test server: framing (Content-Length, chunked, close),
// bounded waits and sizes, and URL errors.
#include "common/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/http_test_server.h"

namespace modelgate {
namespace {

using ::testing::HasSubstr;
using testutil::CannedReply;
using testutil::HttpResponseBytes;
using testutil::HttpTestServer;
using testutil::RecordedRequest;

HttpClientRequest Get(std::string url) {
  HttpClientRequest request;
  request.url = std::move(url);
  return request;
}

std::unique_ptr<HttpTestServer> ServerAnswering(std::string raw) {
  auto server = HttpTestServer::Start([raw](const RecordedRequest&) {
    return CannedReply{raw, false};
  });
  EXPECT_TRUE(server.ok()) << server.status();
  return std::move(server).value();
}

TEST(HttpClient, SendsMethodPathHeadersAndBodyAndReadsContentLength) {
  auto server = ServerAnswering(HttpResponseBytes(201, "{\"ok\":true}"));
  HttpClientRequest request;
  request.method = "POST";
  request.url = server->url() + "/api/v1/x?y=1";
  request.headers = {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}};
  request.body = "{\"step\":2}";
  absl::StatusOr<HttpResult> result = SendHttpRequest(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, "{\"ok\":true}");
  ASSERT_NE(result->Header("content-type"), nullptr);
  EXPECT_EQ(*result->Header("content-type"), "application/json");

  const std::vector<RecordedRequest> seen = server->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/api/v1/x?y=1");
  EXPECT_EQ(seen[0].Header("authorization"), "Bearer t");
  EXPECT_EQ(seen[0].Header("host"), absl::StrCat("127.0.0.1:", server->port()));
  EXPECT_EQ(seen[0].body, "{\"step\":2}");
}

TEST(HttpClient, DecodesChunkedBodyWithExtensionsAndTrailers) {
  auto server = ServerAnswering(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n");
  absl::StatusOr<HttpResult> result = SendHttpRequest(Get(server->url()));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->body, "hello 0123456789");
}

TEST(HttpClient, ReadsCloseDelimitedBody) {
  auto server = ServerAnswering("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
  absl::StatusOr<HttpResult> result = SendHttpRequest(Get(server->url() + "/p"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "until close");
}

TEST(HttpClient, SkipsInterimContinue) {
  auto server = ServerAnswering("HTTP/1.1 100 Continue\r\n\r\n" + HttpResponseBytes(404, "no"));
  absl::StatusOr<HttpResult> result = SendHttpRequest(Get(server->url()));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, "no");
}

TEST(HttpClient, TimesOutOnSilentServer) {
  auto server = HttpTestServer::Start([](const RecordedRequest&) { return CannedReply{"", true}; });
  ASSERT_TRUE(server.ok());
  HttpClientRequest request = Get((*server)->url());
  request.timeout = absl::Milliseconds(300);
  absl::StatusOr<HttpResult> result = SendHttpRequest(request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("timed out after 300ms"));
}

TEST(HttpClient, ReportsRefusedConnection) {
  // A bound socket that does not listen: connecting to its port is refused, and holding it
  // keeps the port from being reused meanwhile.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  absl::StatusOr<HttpResult> result =
      SendHttpRequest(Get(absl::StrCat("http://127.0.0.1:", port, "/x")));
  close(fd);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsUnavailable(result.status()));
  EXPECT_EQ(result.status().message(),
            absl::StrCat("connect to 127.0.0.1:", port, ": connection refused"));
}

TEST(HttpClient, RejectsOversizedBodies) {
  const std::string big(4096, 'x');
  for (const std::string& raw :
       {HttpResponseBytes(200, big),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + big.substr(0, 2048) +
            "\r\n800\r\n" + big.substr(0, 2048) + "\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n" + big}) {
    auto server = ServerAnswering(raw);
    HttpClientRequest request = Get(server->url());
    request.max_response_bytes = 3000;
    absl::StatusOr<HttpResult> result = SendHttpRequest(request);
    ASSERT_FALSE(result.ok()) << raw.substr(0, 60);
    EXPECT_TRUE(absl::IsResourceExhausted(result.status())) << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr("larger than 3000 bytes"));
  }
}

TEST(HttpClient, ReportsTruncatedAndMalformedAnswers) {
  for (const char* raw :
       {"", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    auto server = ServerAnswering(raw);
    absl::StatusOr<HttpResult> result = SendHttpRequest(Get(server->url()));
    ASSERT_FALSE(result.ok()) << raw;
    EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  }
}

TEST(HttpClient, ParsesUrls) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://127.0.0.1:9901/api/v1/reload");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9901);
  EXPECT_EQ(url->path, "/api/v1/reload");
  url = ParseHttpUrl("HTTP://localhost?x=1#frag");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "localhost");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/?x=1");
}

TEST(HttpClient, RejectsBadUrlsWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://127.0.0.1:9901", "https is not supported"},
      {"ftp://h/", "only http:// URLs"},
      {"127.0.0.1:9901", "must start with http://"},
      {"http://:80/", "no host"},
      {"http://h:0/", "port must be 1-65535"},
      {"http://h:99999/", "port must be 1-65535"},
      {"http://h:8x/", "port must be 1-65535"},
      {"http://u@h/", "user information"},
      {"http://[::1]:80/", "IPv6"},
      {"http://h/a b", "spaces"},
      {"", "empty"},
  };
  for (const auto& [text, why] : cases) {
    absl::StatusOr<HttpUrl> url = ParseHttpUrl(text);
    ASSERT_FALSE(url.ok()) << text;
    EXPECT_TRUE(absl::IsInvalidArgument(url.status()));
    EXPECT_THAT(url.status().message(), HasSubstr(why)) << text;
    // SendHttpRequest reports the same error without touching the network.
    EXPECT_EQ(SendHttpRequest(Get(text)).status(), url.status());
  }
}

TEST(HttpClient, RejectsHeaderInjection) {
  HttpClientRequest request = Get("http://127.0.0.1:1/");
  request.headers = {{"X-A", "v\r\nX-Evil: 1"}};
  EXPECT_TRUE(absl::IsInvalidArgument(SendHttpRequest(request).status()));
}

}  // namespace
}  // namespace modelgate

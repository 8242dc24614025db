// The admin HTTP server in-process on 127.0.0.1:0, driven over raw sockets: keep-alive,
// pipelining, Connection: close, 100-continue, the size limits and timeouts, the worker
// queue's 503, the connection cap, and probes answered while every worker is blocked.
#include "admin/http_server.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "testing/raw_http.h"

namespace modelgate::admin {
namespace {

using std::chrono::milliseconds;
using testutil::RawConnection;
using testutil::RawResponse;

// Generous: only ever reached when something is broken.
constexpr milliseconds kWait(10'000);

class AllowAll : public Authorizer {
 public:
  std::optional<HttpResponse> Authorize(const HttpRequest&) override { return std::nullopt; }
};

// Handlers on /block wait here until released; the test can wait until N are waiting.
class Gate {
 public:
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    mu_.Await(absl::Condition(&open_));
  }
  bool WaitForWaiting(int n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return waiting_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Milliseconds(kWait.count()));
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }

 private:
  absl::Mutex mu_;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

HttpResponse Text(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::string Get(const std::string& path, const std::string& extra_headers = "") {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: t\r\n", extra_headers, "\r\n");
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : router_(&allow_) {
    router_.Add("GET", "/healthz", {.inline_on_loop = true},
                [](const HttpRequest&, const PathParams&) { return Text("ok"); });
    router_.Add("GET", "/echo", {}, [](const HttpRequest& r, const PathParams&) {
      return Text(absl::StrCat("GET ", r.target));
    });
    router_.Add("POST", "/echo", {}, [](const HttpRequest& r, const PathParams&) {
      return Text(absl::StrCat("POST ", r.body));
    });
    router_.Add("GET", "/block", {}, [this](const HttpRequest&, const PathParams&) {
      gate_.Enter();
      return Text("unblocked");
    });
  }
  ~HttpServerTest() override {
    gate_.Open();  // never leave a worker blocked: Stop waits for running handlers
    if (server_) server_->Stop();
  }

  void Start(HttpServerOptions options = {}) {
    auto server = HttpServer::Start("127.0.0.1", 0, &router_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
  }
  RawConnection Connect() {
    auto c = RawConnection::Connect(server_->port());
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }
  // One request on a new connection.
  RawResponse Call(const std::string& request) {
    auto r = testutil::RawRequest(server_->port(), request, kWait);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(RawResponse{});
  }
  // Blocks `n` workers in /block on their own connections (kept in blocked_).
  void BlockWorkers(int n) {
    for (int i = 0; i < n; ++i) {
      blocked_.push_back(Connect());
      ASSERT_TRUE(blocked_.back().Send(Get("/block")));
    }
    ASSERT_TRUE(gate_.WaitForWaiting(n));
  }

  AllowAll allow_;
  Router router_;
  Gate gate_;
  std::unique_ptr<HttpServer> server_;
  std::vector<RawConnection> blocked_;
};

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  Start();
  RawConnection c = Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Get(absl::StrCat("/echo?i=", i))));
    auto r = c.ReadResponse(kWait);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, absl::StrCat("GET /echo?i=", i));
    EXPECT_EQ(r->Header("connection"), "");
  }
  ASSERT_TRUE(c.Send(Get("/healthz")));
  EXPECT_EQ(c.ReadResponse(kWait).value_or(RawResponse{}).body, "ok");
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrderAndHonoursConnectionClose) {
  Start();
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send(absl::StrCat(Get("/echo?1"), Get("/healthz"),
                                  "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
                                  Get("/echo?4", "Connection: close\r\n"), Get("/echo?never"))));
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto r = c.ReadResponse(kWait);
    ASSERT_TRUE(r.ok()) << r.status() << " response " << i;
    bodies.push_back(r->body);
    if (i == 3) {
      EXPECT_EQ(r->Header("connection"), "close");
    }
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"GET /echo?1", "ok", "POST abc", "GET /echo?4"}));
  std::string after;
  EXPECT_TRUE(c.WaitClosed(kWait, &after));
  EXPECT_EQ(after, "");  // the request after "Connection: close" is not answered
}

TEST_F(HttpServerTest, PostWithoutContentLengthIsARequestWithoutBody) {
  Start();
  const RawResponse r = Call("POST /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST ");
}

TEST_F(HttpServerTest, HeadGetsTheHeadersWithoutTheBody) {
  Start();
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send("HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/healthz")));
  auto head = c.ReadResponse(kWait, /*head_request=*/true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->Header("content-length"), "9");  // of "GET /echo"
  EXPECT_EQ(c.ReadResponse(kWait).value_or(RawResponse{}).body, "ok");  // nothing in between
}

TEST_F(HttpServerTest, SendsContinueBeforeTheBodyWhenAsked) {
  Start();
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto cont = c.ReadResponse(kWait);
  ASSERT_TRUE(cont.ok()) << cont.status();
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  EXPECT_EQ(c.ReadResponse(kWait).value_or(RawResponse{}).body, "POST hello");
}

TEST_F(HttpServerTest, RefusesAnOversizedBodyFromItsHeadAndCloses) {
  Start();
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 524288000\r\n\r\n"));
  auto r = c.ReadResponse(kWait);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(kWait));
}

TEST_F(HttpServerTest, RefusesBodiesOverTheSharedBudgetWith503) {
  HttpServerOptions options;
  options.body_budget_bytes = 10;
  Start(options);
  const RawResponse r = Call("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(Call("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789").body,
            "POST 0123456789");
}

TEST_F(HttpServerTest, MalformedRequestIs400WithAReason) {
  Start();
  const RawResponse r = Call("GET /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("missing Host header"), std::string::npos) << r.body;
}

TEST_F(HttpServerTest, ARequestThatDoesNotArriveInTimeIs408AndClosed) {
  HttpServerOptions options;
  options.request_timeout = milliseconds(300);
  Start(options);
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nHo"));  // and nothing more: a slow loris
  auto r = c.ReadResponse(kWait);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.WaitClosed(kWait));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options;
  options.idle_timeout = milliseconds(300);
  Start(options);
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send(Get("/healthz")));
  ASSERT_TRUE(c.ReadResponse(kWait).ok());
  std::string extra;
  EXPECT_TRUE(c.WaitClosed(kWait, &extra));
  EXPECT_EQ(extra, "");
}

TEST_F(HttpServerTest, ProbesAreAnsweredWhileEveryWorkerIsBlocked) {
  HttpServerOptions options;
  options.worker_threads = 2;
  Start(options);
  BlockWorkers(2);
  EXPECT_EQ(Call(Get("/healthz")).body, "ok");
  gate_.Open();
  for (RawConnection& c : blocked_) {
    EXPECT_EQ(c.ReadResponse(kWait).value_or(RawResponse{}).body, "unblocked");
  }
}

TEST_F(HttpServerTest, FullWorkerQueueIs503WithRetryAfter) {
  HttpServerOptions options;
  options.worker_threads = 1;
  options.worker_queue = 1;
  Start(options);
  BlockWorkers(1);
  // Two more: one waits in the queue, the other finds it full and is answered at once (which
  // is which depends on the order the kernel reports them).
  RawConnection a = Connect();
  RawConnection b = Connect();
  ASSERT_TRUE(a.Send(Get("/echo?a")));
  ASSERT_TRUE(b.Send(Get("/echo?b")));
  RawConnection* queued = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (queued == nullptr && std::chrono::steady_clock::now() < deadline) {
    for (RawConnection* c : {&a, &b}) {
      auto r = c->ReadResponse(milliseconds(20));
      if (!r.ok()) continue;
      EXPECT_EQ(r->status, 503);
      EXPECT_EQ(r->Header("retry-after"), "1");
      queued = c == &a ? &b : &a;
      break;
    }
  }
  ASSERT_NE(queued, nullptr) << "no 503 for a full queue";
  gate_.Open();
  auto r = queued->ReadResponse(kWait);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, OverTheCapTheOldestIdleConnectionMakesRoom) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  RawConnection first = Connect();
  RawConnection second = Connect();
  for (RawConnection* c : {&first, &second}) {  // both accepted and idle (keep-alive)
    ASSERT_TRUE(c->Send(Get("/healthz")));
    ASSERT_TRUE(c->ReadResponse(kWait).ok());
  }
  EXPECT_EQ(Call(Get("/echo")).status, 200);
  EXPECT_TRUE(first.WaitClosed(kWait));
  ASSERT_TRUE(second.Send(Get("/healthz")));
  EXPECT_EQ(second.ReadResponse(kWait).value_or(RawResponse{}).body, "ok");
  EXPECT_GE(server_->stats().evicted, 1u);
}

TEST_F(HttpServerTest, SlowClientsAreEvictedOverTheCap) {
  HttpServerOptions options;
  options.max_connections = 4;
  Start(options);
  std::vector<RawConnection> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(Connect());
    ASSERT_TRUE(slow.back().Send("GET /echo HTTP/1.1\r\nHo"));
  }
  EXPECT_EQ(Call(Get("/echo")).status, 200);
  // 9 connections for 4 places: every one accepted over the cap closed an older slow one, all
  // before the last was accepted (the kernel hands connections over in arrival order).
  int closed = 0;
  for (RawConnection& c : slow) closed += c.WaitClosed(milliseconds(100)) ? 1 : 0;
  EXPECT_GE(closed, 5);
}

TEST_F(HttpServerTest, WhenEveryConnectionIsBusyOnlyProbesAreServed) {
  HttpServerOptions options;
  options.max_connections = 2;
  options.worker_threads = 2;
  Start(options);
  BlockWorkers(2);  // both connections are being served: nothing to evict
  const RawResponse refused = Call(Get("/echo"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Header("retry-after"), "1");
  EXPECT_EQ(Call(Get("/healthz")).status, 200);
  EXPECT_GE(server_->stats().rejected, 1u);
}

TEST_F(HttpServerTest, PortZeroPicksAPortAndABusyPortIsAnError) {
  Start();
  auto second = HttpServer::Start("127.0.0.1", server_->port(), &router_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace modelgate::admin

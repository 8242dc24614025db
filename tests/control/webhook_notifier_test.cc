// WebhookNotifier: delivery to a real in-test HTTP server, the retry policy with an injected
// (recording, non-sleeping) backoff, the queue bound, and Stop() against a hanging receiver.
// Tests synchronise on results and recorded requests, never on time.
#include "control/webhook_notifier.h"

#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/http_test_server.h"

namespace modelgate::control {
namespace {

using ::testing::ElementsAre;
using testutil::CannedReply;
using testutil::HttpResponseBytes;
using testutil::HttpTestServer;
using testutil::RecordedRequest;

// Collects on_result calls and lets a test wait for a number of them.
class ResultLog {
 public:
  std::function<void(const std::string&, WebhookResult)> Callback() {
    return [this](const std::string& route, WebhookResult result) {
      MutexLock lock(&mu_);
      results_.emplace_back(route, result);
      changed_.NotifyAll();
    };
  }
  std::vector<std::pair<std::string, WebhookResult>> WaitFor(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    MutexLock lock(&mu_);
    while (results_.size() < n && changed_.WaitUntil(&mu_, deadline)) {
    }
    return results_;
  }

 private:
  Mutex mu_;
  CondVar changed_;
  std::vector<std::pair<std::string, WebhookResult>> results_ ABSL_GUARDED_BY(mu_);
};

// Records backoff waits instead of sleeping, so retry tests take no time and are exact.
struct SleepLog {
  Mutex mu;
  std::vector<absl::Duration> waits ABSL_GUARDED_BY(mu);
  std::function<void(absl::Duration)> Callback() {
    return [this](absl::Duration d) {
      MutexLock lock(&mu);
      waits.push_back(d);
    };
  }
  std::vector<absl::Duration> Waits() {
    MutexLock lock(&mu);
    return waits;
  }
};

// A server answering the statuses in `statuses` in turn, repeating the last one.
std::unique_ptr<HttpTestServer> ServerAnswering(std::vector<int> statuses) {
  auto next = std::make_shared<std::atomic<size_t>>(0);
  auto server = HttpTestServer::Start([statuses, next](const RecordedRequest&) {
    const size_t i = std::min(next->fetch_add(1), statuses.size() - 1);
    return CannedReply{HttpResponseBytes(statuses[i], "{}"), false};
  });
  EXPECT_TRUE(server.ok());
  return std::move(server).value();
}

// WebhookOptions with the fields `set` assigns (designated initializers would warn about the
// fields left out).
WebhookOptions Opts(const std::function<void(WebhookOptions&)>& set) {
  WebhookOptions options;
  set(options);
  return options;
}

using Results = std::vector<std::pair<std::string, WebhookResult>>;

TEST(WebhookNotifier, PostsJsonEventToTheRouteUrl) {
  auto server = ServerAnswering({200});
  ResultLog log;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) { o.on_result = log.Callback(); }));
  const nlohmann::json event = {{"route", "ranker"}, {"action", "promote"}, {"step", 2}};
  ASSERT_TRUE(notifier.Notify("ranker", server->url() + "/hooks/canary", absl::Seconds(5), event));
  EXPECT_EQ(log.WaitFor(1), (Results{{"ranker", WebhookResult::kSent}}));

  const std::vector<RecordedRequest> seen = server->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/hooks/canary");
  EXPECT_EQ(seen[0].Header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), event);
  const WebhookStats stats = notifier.stats();
  EXPECT_EQ(stats.sent, 1u);
  EXPECT_EQ(stats.attempts, 1u);
  EXPECT_EQ(stats.failed + stats.dropped, 0u);
}

TEST(WebhookNotifier, RetriesAfterServerErrorThenSucceeds) {
  auto server = ServerAnswering({500, 200});
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.on_result = log.Callback();
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify("r", server->url(), absl::Seconds(5), nlohmann::json::object());
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kSent}}));
  EXPECT_EQ(server->requests().size(), 2u);
  EXPECT_THAT(sleeps.Waits(), ElementsAre(absl::Milliseconds(500)));
  EXPECT_EQ(notifier.stats().attempts, 2u);
}

TEST(WebhookNotifier, GivesUpAfterMaxAttemptsWithDoublingBackoff) {
  auto server = ServerAnswering({503});
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.max_attempts = 4;
    o.on_result = log.Callback();
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify("r", server->url(), absl::Seconds(5), nlohmann::json::object());
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kFailed}}));
  EXPECT_EQ(server->requests().size(), 4u);
  EXPECT_THAT(sleeps.Waits(),
              ElementsAre(absl::Milliseconds(500), absl::Seconds(1), absl::Seconds(2)));
  EXPECT_EQ(notifier.stats().failed, 1u);
}

TEST(WebhookNotifier, DoesNotRetryClientErrors) {
  auto server = ServerAnswering({400, 200});
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.on_result = log.Callback();
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify("r", server->url(), absl::Seconds(5), nlohmann::json::object());
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kFailed}}));
  EXPECT_EQ(server->requests().size(), 1u);
  EXPECT_TRUE(sleeps.Waits().empty());
}

TEST(WebhookNotifier, RetriesTimeoutAndRateLimitAnswersAndTransportErrors) {
  std::vector<absl::StatusOr<int>> answers = {408, 429, absl::UnavailableError("refused"), 204};
  std::atomic<size_t> next{0};
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.max_attempts = 4;
    o.on_result = log.Callback();
    o.send = [&](const WebhookEvent&) { return answers[next++]; };
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify({"r", "http://127.0.0.1:1/", absl::Seconds(1), "{}"});
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kSent}}));
  EXPECT_EQ(next.load(), 4u);
}

TEST(WebhookNotifier, DoesNotRetryBadUrls) {
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.on_result = log.Callback();
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify({"r", "https://example.invalid/", absl::Seconds(1), "{}"});
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kFailed}}));
  EXPECT_EQ(notifier.stats().attempts, 1u);
}

TEST(WebhookNotifier, FullQueueDropsOldestAndCountsIt) {
  Mutex mu;
  CondVar changed;
  bool in_flight = false;
  bool release = false;
  std::vector<std::string> sent_routes;
  ResultLog log;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.queue_capacity = 2;
    o.on_result = log.Callback();
    o.send = [&](const WebhookEvent& event) -> absl::StatusOr<int> {
      MutexLock lock(&mu);
      sent_routes.push_back(event.route);
      in_flight = true;
      changed.NotifyAll();
      while (!release) changed.Wait(&mu);
      return 200;
    };
  }));
  notifier.Notify({"e0", "http://127.0.0.1:1/", absl::Seconds(1), "{}"});
  {
    // e0 is now being sent, so the queue is empty and exactly the next two fit.
    MutexLock lock(&mu);
    while (!in_flight) changed.Wait(&mu);
  }
  for (const char* route : {"e1", "e2", "e3", "e4"}) {
    EXPECT_TRUE(notifier.Notify({route, "http://127.0.0.1:1/", absl::Seconds(1), "{}"}));
  }
  EXPECT_EQ(notifier.stats().dropped, 2u);
  {
    MutexLock lock(&mu);
    release = true;
    changed.NotifyAll();
  }
  const Results results = log.WaitFor(5);
  EXPECT_EQ(results, (Results{{"e1", WebhookResult::kDropped},
                              {"e2", WebhookResult::kDropped},
                              {"e0", WebhookResult::kSent},
                              {"e3", WebhookResult::kSent},
                              {"e4", WebhookResult::kSent}}));
  MutexLock lock(&mu);
  EXPECT_THAT(sent_routes, ElementsAre("e0", "e3", "e4"));
}

TEST(WebhookNotifier, StopReturnsWithHangingReceiverAndAbandonsTheQueue) {
  auto server = HttpTestServer::Start([](const RecordedRequest&) { return CannedReply{"", true}; });
  ASSERT_TRUE(server.ok());
  ResultLog log;
  SleepLog sleeps;
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.max_attempts = 5;
    o.on_result = log.Callback();
    o.sleep = sleeps.Callback();
  }));
  notifier.Notify("r0", (*server)->url(), absl::Milliseconds(500), nlohmann::json::object());
  ASSERT_TRUE((*server)->WaitForRequests(1));
  notifier.Notify("r1", (*server)->url(), absl::Milliseconds(500), nlohmann::json::object());
  // Returns once the hanging attempt times out (the test's ctest timeout is the bound); no
  // retry starts and r1 is never tried.
  notifier.Stop();
  const WebhookStats stats = notifier.stats();
  EXPECT_EQ(stats.attempts, 1u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.dropped, 1u);
  EXPECT_EQ(log.WaitFor(2),
            (Results{{"r0", WebhookResult::kFailed}, {"r1", WebhookResult::kDropped}}));
  EXPECT_FALSE(notifier.Notify("r2", (*server)->url(), absl::Seconds(1), {}));
  EXPECT_EQ(notifier.stats().dropped, 2u);
  notifier.Stop();  // idempotent
  (*server)->Stop();
}

TEST(WebhookNotifier, StopInterruptsARealBackoffWait) {
  auto server = ServerAnswering({503});
  ResultLog log;
  // The default (interruptible) wait, with a backoff far longer than any test timeout.
  WebhookNotifier notifier(Opts([&](WebhookOptions& o) {
    o.initial_backoff = absl::Hours(1);
    o.on_result = log.Callback();
  }));
  notifier.Notify("r", server->url(), absl::Seconds(5), nlohmann::json::object());
  ASSERT_TRUE(server->WaitForRequests(1));
  notifier.Stop();
  EXPECT_EQ(log.WaitFor(1), (Results{{"r", WebhookResult::kFailed}}));
  EXPECT_EQ(notifier.stats().attempts, 1u);
}

TEST(WebhookNotifier, BackoffDoublesUpToTheCap) {
  WebhookOptions options;
  options.initial_backoff = absl::Milliseconds(500);
  options.max_backoff = absl::Seconds(3);
  EXPECT_EQ(WebhookNotifier::Backoff(options, 2), absl::Milliseconds(500));
  EXPECT_EQ(WebhookNotifier::Backoff(options, 3), absl::Seconds(1));
  EXPECT_EQ(WebhookNotifier::Backoff(options, 4), absl::Seconds(2));
  EXPECT_EQ(WebhookNotifier::Backoff(options, 5), absl::Seconds(3));
  EXPECT_EQ(WebhookNotifier::Backoff(options, 60), absl::Seconds(3));
}

TEST(WebhookNotifier, ResultNamesAreMetricLabels) {
  EXPECT_STREQ(WebhookResultName(WebhookResult::kSent), "sent");
  EXPECT_STREQ(WebhookResultName(WebhookResult::kFailed), "failed");
  EXPECT_STREQ(WebhookResultName(WebhookResult::kDropped), "dropped");
}

}  // namespace
}  // namespace modelgate::control

// Delivers canary audit events (JSON objects) to per-route webhook URLs as HTTP POSTs, on the
// notifier's own thread, so the controller that emits them never waits on a receiver. Events
// wait in a bounded queue; when it is full the OLDEST event is dropped (the newest says where
// the canary is now, which matters more to a receiver than a superseded step) and counted.
// Each event is tried up to max_attempts times with exponential backoff; a 2xx answer is
// success, and 4xx answers other than 408 and 429 are final (the receiver rejected the event,
// so sending it again cannot help). Stop() abandons queued events (counted as dropped) and
// returns once the attempt in flight ends, so it is bounded by that event's timeout.
// Outcomes are reported through a callback (for modelgate_webhook_deliveries_total{route,
// result}) and kept in a stats struct. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "nlohmann/json_fwd.hpp"

namespace modelgate::control {

struct WebhookEvent {
  std::string route;                          // for the metric label and logs
  std::string url;                            // http://host:port/path
  absl::Duration timeout = absl::Seconds(5);  // per attempt, connect included
  std::string body;                           // serialized JSON
};

enum class WebhookResult {
  kSent,     // a 2xx answer
  kFailed,   // a final rejection, or every attempt failed
  kDropped,  // never tried to the end: the queue was full, or the notifier stopped
};

// "sent", "failed" or "dropped": the metric's result label.
const char* WebhookResultName(WebhookResult result);

struct WebhookStats {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t dropped = 0;
  uint64_t attempts = 0;  // HTTP requests tried, retries included
};

struct WebhookOptions {
  size_t queue_capacity = 64;
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(500);  // doubled after each failure
  absl::Duration max_backoff = absl::Seconds(30);
  // Called once per event with its outcome: on the notifier thread for kSent/kFailed and for
  // events abandoned by Stop(), on the caller of Notify() for queue drops. Must be quick and
  // must not call back into the notifier.
  std::function<void(const std::string& route, WebhookResult)> on_result;

  // Seams for tests. `send` performs one attempt and returns the HTTP status or a transport
  // error (default: an HTTP POST with Content-Type: application/json). `sleep` waits out a
  // backoff (default: a wait that Stop() interrupts); a test's sleep may record and return.
  std::function<absl::StatusOr<int>(const WebhookEvent&)> send;
  std::function<void(absl::Duration)> sleep;
};

class WebhookNotifier {
 public:
  // Starts the delivery thread.
  explicit WebhookNotifier(WebhookOptions options = {});
  ~WebhookNotifier();  // Stop()
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Queues `event` for delivery and returns at once. Returns false (and counts a drop) if the
  // notifier has stopped; a full queue drops its oldest event instead and returns true.
  bool Notify(WebhookEvent event);
  // As above, serializing `body`.
  bool Notify(std::string route, std::string url, absl::Duration timeout,
              const nlohmann::json& body);

  // Stops delivering: queued events are dropped, no further retry starts, and the call
  // returns when the attempt in flight (if any) has ended. Idempotent.
  void Stop();

  WebhookStats stats() const;

  // The wait before attempt `attempt` (2 = first retry): initial_backoff * 2^(attempt-2),
  // at most max_backoff.
  static absl::Duration Backoff(const WebhookOptions& options, int attempt);

 private:
  void Run();
  // Tries one event until success, a final answer, max_attempts or Stop.
  WebhookResult Deliver(const WebhookEvent& event);
  // Waits out a backoff; false if Stop() was called (before or during the wait).
  bool WaitBackoff(absl::Duration d);
  void Report(const std::string& route, WebhookResult result);

  const WebhookOptions options_;
  mutable Mutex mu_;
  CondVar wake_;  // an event was queued, or stopping_ was set
  std::deque<WebhookEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WebhookStats stats_ ABSL_GUARDED_BY(mu_);
  std::once_flag join_once_;  // Stop() may be called more than once, even concurrently
  std::thread thread_;
};

}  // namespace modelgate::control

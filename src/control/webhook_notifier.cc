// One delivery thread draining a bounded deque; the only blocking calls (the HTTP attempt and
// the backoff wait) run without the lock, and the backoff wait is interrupted by Stop().
#include "control/webhook_notifier.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/http_client.h"
#include "common/log.h"
#include "nlohmann/json.hpp"

namespace modelgate::control {
namespace {

absl::StatusOr<int> PostJson(const WebhookEvent& event) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = event.url;
  request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "modelgate"}};
  request.body = event.body;
  request.connect_timeout = event.timeout;
  request.timeout = event.timeout;
  // The answer's body is not used; a receiver that streams megabytes back is misbehaving.
  request.max_response_bytes = 1 << 20;
  absl::StatusOr<HttpResult> result = SendHttpRequest(request);
  if (!result.ok()) return result.status();
  return result->status;
}

// Whether sending the same event again may succeed: timeouts, rate limits and server errors
// are transient; other answers (4xx, and 1xx/3xx, which we do not follow) are the receiver's
// final word.
bool Retryable(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

const char* WebhookResultName(WebhookResult result) {
  switch (result) {
    case WebhookResult::kSent:
      return "sent";
    case WebhookResult::kFailed:
      return "failed";
    case WebhookResult::kDropped:
      return "dropped";
  }
  return "unknown";
}

absl::Duration WebhookNotifier::Backoff(const WebhookOptions& options, int attempt) {
  absl::Duration d = options.initial_backoff;
  for (int i = 2; i < attempt && d < options.max_backoff; ++i) d *= 2;
  return std::min(d, options.max_backoff);
}

WebhookNotifier::WebhookNotifier(WebhookOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

WebhookNotifier::~WebhookNotifier() { Stop(); }

bool WebhookNotifier::Notify(WebhookEvent event) {
  bool accepted = true;
  bool dropped = false;
  std::string dropped_route;
  {
    MutexLock lock(&mu_);
    if (stopping_) {
      accepted = false;
      dropped = true;
      dropped_route = event.route;
    } else {
      if (queue_.size() >= std::max<size_t>(options_.queue_capacity, 1)) {
        dropped = true;
        dropped_route = std::move(queue_.front().route);
        queue_.pop_front();
      }
      queue_.push_back(std::move(event));
      wake_.NotifyAll();
    }
  }
  if (dropped) Report(dropped_route, WebhookResult::kDropped);
  return accepted;
}

bool WebhookNotifier::Notify(std::string route, std::string url, absl::Duration timeout,
                             const nlohmann::json& body) {
  return Notify(WebhookEvent{std::move(route), std::move(url), timeout,
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
}

void WebhookNotifier::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    wake_.NotifyAll();
  }
  std::call_once(join_once_, [this] { thread_.join(); });
}

WebhookStats WebhookNotifier::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void WebhookNotifier::Report(const std::string& route, WebhookResult result) {
  {
    MutexLock lock(&mu_);
    switch (result) {
      case WebhookResult::kSent:
        ++stats_.sent;
        break;
      case WebhookResult::kFailed:
        ++stats_.failed;
        break;
      case WebhookResult::kDropped:
        ++stats_.dropped;
        break;
    }
  }
  if (options_.on_result) options_.on_result(route, result);
}

bool WebhookNotifier::WaitBackoff(absl::Duration d) {
  if (options_.sleep) {
    options_.sleep(d);
    MutexLock lock(&mu_);
    return !stopping_;
  }
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
  MutexLock lock(&mu_);
  while (!stopping_ && wake_.WaitUntil(&mu_, deadline)) {
  }
  return !stopping_;
}

WebhookResult WebhookNotifier::Deliver(const WebhookEvent& event) {
  std::string last_error;
  for (int attempt = 1; attempt <= std::max(options_.max_attempts, 1); ++attempt) {
    if (attempt > 1 && !WaitBackoff(Backoff(options_, attempt))) break;
    {
      MutexLock lock(&mu_);
      ++stats_.attempts;
    }
    const absl::StatusOr<int> status = options_.send ? options_.send(event) : PostJson(event);
    if (status.ok() && *status >= 200 && *status < 300) return WebhookResult::kSent;
    if (status.ok()) {
      last_error = absl::StrCat("HTTP ", *status);
      if (!Retryable(*status)) break;
    } else {
      last_error = std::string(status.status().message());
      // A malformed URL fails the same way every time.
      if (absl::IsInvalidArgument(status.status())) break;
    }
  }
  MG_LOG(kWarning, "webhook for route ", event.route, " to ", event.url,
         " not delivered: ", last_error);
  return WebhookResult::kFailed;
}

void WebhookNotifier::Run() {
  std::deque<WebhookEvent> abandoned;
  while (true) {
    WebhookEvent event;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) wake_.Wait(&mu_);
      if (stopping_) {
        abandoned.swap(queue_);
        break;
      }
      event = std::move(queue_.front());
      queue_.pop_front();
    }
    Report(event.route, Deliver(event));
  }
  for (const WebhookEvent& event : abandoned) Report(event.route, WebhookResult::kDropped);
}

}  // namespace modelgate::control

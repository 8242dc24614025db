// A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for tests of HTTP clients: it records every
// request (method, target, headers, body) and answers each with the bytes a test's handler
// returns, or holds the connection open without answering until the server stops. One request
// per connection, one thread per connection; every socket wait is bounded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/mutex.h"

namespace modelgate::testutil {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header named `lower_name`, or "" when absent.
  std::string Header(absl::string_view lower_name) const;
};

struct CannedReply {
  std::string raw;    // written as is after the request is read; then the connection closes
  bool hang = false;  // write nothing and keep the connection open until the server stops
};

// "HTTP/1.1 <status> X" with Content-Type, Content-Length and Connection: close.
std::string HttpResponseBytes(int status, absl::string_view body,
                              absl::string_view content_type = "application/json");

class HttpTestServer {
 public:
  using Handler = std::function<CannedReply(const RecordedRequest&)>;

  // Listens on 127.0.0.1:0. `handler` runs on connection threads, one call per request.
  static absl::StatusOr<std::unique_ptr<HttpTestServer>> Start(Handler handler);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // Stops accepting, releases hanging connections, joins every thread. Idempotent.
  void Stop();

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"
  std::vector<RecordedRequest> requests() const;
  // Waits until at least `n` requests were recorded; false if `timeout` passed first.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  HttpTestServer(int listen_fd, int port, int wake_read, int wake_write, Handler handler);
  void AcceptLoop();
  void Serve(int fd);

  const int listen_fd_;
  const int port_;
  const int wake_read_;  // a byte here wakes the accept loop to stop
  const int wake_write_;
  const Handler handler_;
  std::thread acceptor_;

  mutable Mutex mu_;
  CondVar changed_;  // a request was recorded, or stopping_ was set
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modelgate::testutil

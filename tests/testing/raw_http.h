// A blocking HTTP/1.1 client over a plain TCP socket, for tests that need exact bytes on the
// wire (no Content-Length, one byte at a time, pipelined or oversized requests) or must see
// how the server ends a connection. Every wait is bounded by a timeout.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace modelgate::testutil {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header named `lower_name`, or "" when absent.
  std::string Header(absl::string_view lower_name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port (blocking connect; the socket stays blocking for writes).
  static absl::StatusOr<RawConnection> Connect(int port);

  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  // Writes all of `bytes`; false if the connection failed (e.g. the server closed it).
  bool Send(absl::string_view bytes);

  // Reads one response (status line, headers, then Content-Length bytes of body unless
  // `head_request`). Bytes after it stay buffered for the next call.
  absl::StatusOr<RawResponse> ReadResponse(std::chrono::milliseconds timeout,
                                           bool head_request = false);

  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive first are appended to `received` when it is given.
  bool WaitClosed(std::chrono::milliseconds timeout, std::string* received = nullptr);

  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  // Reads what is available into buffer_, waiting until `deadline`. 0 on EOF, -1 on timeout
  // or error, else the number of bytes read.
  long Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

// Sends `request` on a new connection and reads one response.
absl::StatusOr<RawResponse> RawRequest(int port, absl::string_view request,
                                       std::chrono::milliseconds timeout =
                                           std::chrono::milliseconds(10'000));

}  // namespace modelgate::testutil

// Socket, poll and a minimal response parser.
#include "testing/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace modelgate::testutil {

std::string RawResponse::Header(absl::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

absl::StatusOr<RawConnection> RawConnection::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect: ", std::strerror(err)));
  }
  return RawConnection(fd);
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

long RawConnection::Fill(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return -1;
    char buf[64 * 1024];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    buffer_.append(buf, static_cast<size_t>(n));
    return n;
  }
}

absl::StatusOr<RawResponse> RawConnection::ReadResponse(std::chrono::milliseconds timeout,
                                                        bool head_request) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const long n = Fill(deadline);
    if (n == 0) return absl::UnavailableError("connection closed before a response");
    if (n < 0) return absl::DeadlineExceededError("no response in time");
  }
  RawResponse response;
  const std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(buffer_).substr(0, head_end), "\r\n");
  const std::vector<absl::string_view> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::InternalError(absl::StrCat("bad status line: ", lines[0]));
  }
  size_t length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (name == "content-length") (void)absl::SimpleAtoi(value, &length);
    response.headers.emplace_back(std::move(name), std::move(value));
  }
  if (head_request || response.status == 100) length = 0;
  const size_t total = head_end + 4 + length;
  while (buffer_.size() < total) {
    const long n = Fill(deadline);
    if (n == 0) return absl::UnavailableError("connection closed inside a response body");
    if (n < 0) return absl::DeadlineExceededError("response body incomplete in time");
  }
  response.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, total);
  return response;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds timeout, std::string* received) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const size_t before = buffer_.size();
    const long n = Fill(deadline);
    if (received != nullptr) received->append(buffer_, before);
    buffer_.clear();
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

absl::StatusOr<RawResponse> RawRequest(int port, absl::string_view request,
                                       std::chrono::milliseconds timeout) {
  absl::StatusOr<RawConnection> c = RawConnection::Connect(port);
  if (!c.ok()) return c.status();
  if (!c->Send(request)) return absl::UnavailableError("send failed");
  return c->ReadResponse(timeout);
}

}  // namespace modelgate::testutil

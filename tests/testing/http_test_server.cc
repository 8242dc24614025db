// Blocking sockets with receive/send timeouts (a stuck client cannot wedge a test), a pipe to
// wake the accept loop, and a condition variable that releases hanging connections on Stop.
#include "testing/http_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace modelgate::testutil {
namespace {

void SetSocketTimeouts(int fd) {
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Reads one request with a Content-Length body (or none); false if the peer went away.
bool ReadRequest(int fd, RecordedRequest* request) {
  std::string data;
  size_t head_end;
  char buf[16 << 10];
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || data.size() > (1 << 20)) return false;
    data.append(buf, static_cast<size_t>(n));
  }
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(data).substr(0, head_end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() != 3) return false;
  request->method = first[0];
  request->target = first[1];
  size_t length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) return false;
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (name == "content-length" && !absl::SimpleAtoi(value, &length)) return false;
    request->headers.emplace_back(std::move(name), std::move(value));
  }
  std::string body = data.substr(head_end + 4);
  while (body.size() < length) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    body.append(buf, static_cast<size_t>(n));
  }
  request->body = body.substr(0, length);
  return true;
}

void WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client gave up (e.g. on an oversized answer)
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string RecordedRequest::Header(absl::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

std::string HttpResponseBytes(int status, absl::string_view body, absl::string_view content_type) {
  return absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
}

absl::StatusOr<std::unique_ptr<HttpTestServer>> HttpTestServer::Start(Handler handler) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int pipe_fds[2];
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      pipe2(pipe_fds, O_CLOEXEC) != 0) {
    const int err = errno;
    close(fd);
    return absl::InternalError(absl::StrCat("listen on 127.0.0.1:0: ", std::strerror(err)));
  }
  return std::unique_ptr<HttpTestServer>(
      new HttpTestServer(fd, ntohs(addr.sin_port), pipe_fds[0], pipe_fds[1], std::move(handler)));
}

HttpTestServer::HttpTestServer(int listen_fd, int port, int wake_read, int wake_write,
                               Handler handler)
    : listen_fd_(listen_fd),
      port_(port),
      wake_read_(wake_read),
      wake_write_(wake_write),
      handler_(std::move(handler)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

HttpTestServer::~HttpTestServer() { Stop(); }

void HttpTestServer::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    changed_.NotifyAll();
  }
  const char byte = 0;
  (void)!write(wake_write_, &byte, 1);
  acceptor_.join();
  // The acceptor has exited, so connections_ no longer grows.
  std::vector<std::thread> connections;
  {
    MutexLock lock(&mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

std::string HttpTestServer::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

std::vector<RecordedRequest> HttpTestServer::requests() const {
  MutexLock lock(&mu_);
  return requests_;
}

bool HttpTestServer::WaitForRequests(size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (requests_.size() < n) {
    if (!changed_.WaitUntil(&mu_, deadline) && requests_.size() < n) return false;
  }
  return true;
}

void HttpTestServer::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    MutexLock lock(&mu_);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void HttpTestServer::Serve(int fd) {
  SetSocketTimeouts(fd);
  RecordedRequest request;
  if (ReadRequest(fd, &request)) {
    {
      MutexLock lock(&mu_);
      requests_.push_back(request);
      changed_.NotifyAll();
    }
    const CannedReply reply = handler_(request);
    if (reply.hang) {
      MutexLock lock(&mu_);
      while (!stopping_) changed_.Wait(&mu_);
    } else {
      WriteAll(fd, reply.raw);
    }
  }
  close(fd);
}

}  // namespace modelgate::testutil

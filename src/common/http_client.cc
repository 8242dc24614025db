// Non-blocking socket driven by poll(2) against one deadline, so no step of an exchange can hang;
// the response parser keeps at most the bounded body plus one header block in memory.
#include "common/http_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace modelgate {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 64 << 10;

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(absl::ascii_tolower(text[0]));
  return text;
}

bool HasControlChars(absl::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Milliseconds left until `deadline`, rounded up so that poll does not return just before it.
int MillisLeft(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// One connection's exchange. Every error message names the peer.
class Exchange {
 public:
  Exchange(const HttpUrl& url, const HttpClientRequest& request)
      : url_(url),
        request_(request),
        deadline_(Clock::now() + absl::ToChronoNanoseconds(request.timeout)) {}
  ~Exchange() {
    if (fd_ >= 0) close(fd_);
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  absl::Status Connect();
  absl::Status SendAll(absl::string_view bytes);
  absl::StatusOr<HttpResult> ReadResponse(bool head_request);

 private:
  absl::Status TimedOut(absl::string_view waiting_for) const {
    return absl::DeadlineExceededError(absl::StrCat(url_.Authority(), ": timed out after ",
                                                    absl::FormatDuration(request_.timeout), " ",
                                                    waiting_for));
  }
  absl::Status TryConnect(const addrinfo& ai, Clock::time_point connect_deadline);
  // Reads what is available into buffer_; false on end of stream.
  absl::StatusOr<bool> Fill(absl::string_view waiting_for);
  // Makes `n` unread bytes available; a close before that is an error.
  absl::Status Need(size_t n, absl::string_view what);
  absl::Status ReadHead(HttpResult* result);
  absl::Status ReadChunked(std::string* body);
  size_t Unread() const { return buffer_.size() - pos_; }
  // Drops consumed bytes once they are many, so a long chunked body is not kept twice.
  void Compact() {
    if (pos_ > (64 << 10)) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
  }

  const HttpUrl& url_;
  const HttpClientRequest& request_;
  const Clock::time_point deadline_;
  int fd_ = -1;
  std::string buffer_;
  size_t pos_ = 0;  // first unread byte of buffer_
};

absl::Status Exchange::TryConnect(const addrinfo& ai, Clock::time_point connect_deadline) {
  fd_ = socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd_ < 0) return absl::UnavailableError(absl::StrCat("socket: ", ErrnoText(errno)));
  int err = 0;
  if (connect(fd_, ai.ai_addr, ai.ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS || err == EINTR) {
      while (true) {
        pollfd p{fd_, POLLOUT, 0};
        const int ready = poll(&p, 1, MillisLeft(connect_deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
          const bool total = connect_deadline == deadline_;
          return absl::DeadlineExceededError(absl::StrCat(
              "connect to ", url_.Authority(), ": timed out after ",
              absl::FormatDuration(total ? request_.timeout : request_.connect_timeout)));
        }
        if (ready < 0) {
          err = errno;
          break;
        }
        socklen_t len = sizeof(err);
        if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        break;
      }
    }
  }
  if (err != 0) {
    close(fd_);
    fd_ = -1;
    return absl::UnavailableError(
        absl::StrCat("connect to ", url_.Authority(), ": ", ErrnoText(err)));
  }
  return absl::OkStatus();
}

absl::Status Exchange::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  const std::string port = absl::StrCat(url_.port);
  const int rc = getaddrinfo(url_.host.c_str(), port.c_str(), &hints, &addrs);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve host \"", url_.host, "\": ", gai_strerror(rc)));
  }
  const Clock::time_point connect_deadline =
      std::min(deadline_, Clock::now() + absl::ToChronoNanoseconds(request_.connect_timeout));
  absl::Status last = absl::UnavailableError(absl::StrCat("no address for ", url_.host));
  for (const addrinfo* ai = addrs; ai != nullptr; ai = ai->ai_next) {
    last = TryConnect(*ai, connect_deadline);
    // A timeout has used up the budget: trying further addresses would exceed it.
    if (last.ok() || absl::IsDeadlineExceeded(last)) break;
  }
  freeaddrinfo(addrs);
  return last;
}

absl::Status Exchange::SendAll(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      const int ready = poll(&p, 1, MillisLeft(deadline_));
      if (ready == 0) return TimedOut("sending the request");
      continue;
    }
    return absl::UnavailableError(
        absl::StrCat(url_.Authority(), ": sending the request: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Exchange::Fill(absl::string_view waiting_for) {
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, MillisLeft(deadline_));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return TimedOut(waiting_for);
    char chunk[16 << 10];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return absl::UnavailableError(
        absl::StrCat(url_.Authority(), ": ", ErrnoText(errno), " ", waiting_for));
  }
}

absl::Status Exchange::Need(size_t n, absl::string_view what) {
  while (Unread() < n) {
    ASSIGN_OR_RETURN(const bool more, Fill(absl::StrCat("waiting for the ", what)));
    if (!more) {
      return absl::UnavailableError(
          absl::StrCat(url_.Authority(), ": connection closed in the middle of the ", what));
    }
  }
  return absl::OkStatus();
}

absl::Status Exchange::ReadHead(HttpResult* result) {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n", pos_)) == std::string::npos) {
    if (Unread() > kMaxHeaderBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(url_.Authority(), ": response headers larger than 64 KiB"));
    }
    ASSIGN_OR_RETURN(const bool more, Fill("waiting for the response"));
    if (!more) {
      return absl::UnavailableError(absl::StrCat(
          url_.Authority(), Unread() == 0 ? ": connection closed without a response"
                                          : ": connection closed in the middle of the headers"));
    }
  }
  const absl::string_view head(buffer_.data() + pos_, end - pos_);
  pos_ = end + 4;
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  // "HTTP/1.1 200 OK": the version, a three-digit code, an optional reason.
  const absl::string_view status_line = lines[0];
  int status = 0;
  if (!absl::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
      status_line[8] != ' ' || !absl::SimpleAtoi(status_line.substr(9, 3), &status) ||
      status < 100 || status > 999) {
    return absl::UnavailableError(absl::StrCat(url_.Authority(), ": not an HTTP/1.x response: \"",
                                               absl::CHexEscape(status_line.substr(0, 80)), "\""));
  }
  result->status = status;
  result->headers.clear();
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::UnavailableError(absl::StrCat(url_.Authority(),
                                                 ": malformed response header line \"",
                                                 absl::CHexEscape(lines[i].substr(0, 80)), "\""));
    }
    result->headers.emplace_back(
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(lines[i].substr(0, colon))),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  return absl::OkStatus();
}

absl::Status Exchange::ReadChunked(std::string* body) {
  while (true) {
    size_t eol;
    while ((eol = buffer_.find("\r\n", pos_)) == std::string::npos) {
      if (Unread() > 1024) {
        return absl::UnavailableError(absl::StrCat(url_.Authority(), ": bad chunk size line"));
      }
      ASSIGN_OR_RETURN(const bool more, Fill("waiting for the response body"));
      if (!more) {
        return absl::UnavailableError(
            absl::StrCat(url_.Authority(), ": connection closed in the middle of the body"));
      }
    }
    absl::string_view size_text(buffer_.data() + pos_, eol - pos_);
    size_text = absl::StripAsciiWhitespace(size_text.substr(0, size_text.find(';')));
    uint64_t size = 0;
    if (size_text.empty() || size_text.size() > 15 || !absl::SimpleHexAtoi(size_text, &size)) {
      return absl::UnavailableError(absl::StrCat(url_.Authority(), ": bad chunk size \"",
                                                 absl::CHexEscape(size_text.substr(0, 20)), "\""));
    }
    pos_ = eol + 2;
    if (size == 0) break;
    if (body->size() + size > request_.max_response_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          url_.Authority(), ": response body larger than ", request_.max_response_bytes, " bytes"));
    }
    RETURN_IF_ERROR(Need(size + 2, "response body"));
    body->append(buffer_, pos_, size);
    pos_ += size + 2;
    Compact();
  }
  // Trailer fields, if any, end with an empty line; they are read and ignored.
  while (true) {
    size_t eol;
    while ((eol = buffer_.find("\r\n", pos_)) == std::string::npos) {
      if (Unread() > kMaxHeaderBytes) {
        return absl::UnavailableError(absl::StrCat(url_.Authority(), ": trailers too large"));
      }
      ASSIGN_OR_RETURN(const bool more, Fill("waiting for the end of the body"));
      // A peer that closes right after the last chunk has still sent the whole body.
      if (!more) return absl::OkStatus();
    }
    const bool empty = eol == pos_;
    pos_ = eol + 2;
    if (empty) return absl::OkStatus();
  }
}

absl::StatusOr<HttpResult> Exchange::ReadResponse(bool head_request) {
  HttpResult result;
  // Interim 1xx answers (100 Continue) precede the real one.
  do {
    RETURN_IF_ERROR(ReadHead(&result));
  } while (result.status >= 100 && result.status < 200 && result.status != 101);
  buffer_.erase(0, pos_);
  pos_ = 0;
  if (head_request || result.status < 200 || result.status == 204 || result.status == 304) {
    return result;
  }
  const std::string* te = result.Header("transfer-encoding");
  const std::string* cl = result.Header("content-length");
  const std::string too_large = absl::StrCat(url_.Authority(), ": response body larger than ",
                                             request_.max_response_bytes, " bytes");
  if (te != nullptr && absl::EndsWithIgnoreCase(absl::StripAsciiWhitespace(*te), "chunked")) {
    RETURN_IF_ERROR(ReadChunked(&result.body));
  } else if (te == nullptr && cl != nullptr) {
    uint64_t length = 0;
    if (!absl::SimpleAtoi(*cl, &length)) {
      return absl::UnavailableError(
          absl::StrCat(url_.Authority(), ": bad Content-Length \"", absl::CHexEscape(*cl), "\""));
    }
    if (length > request_.max_response_bytes) return absl::ResourceExhaustedError(too_large);
    RETURN_IF_ERROR(Need(length, "response body"));
    result.body = buffer_.substr(0, length);
  } else {
    // No framing: the body runs until the server closes the connection.
    while (true) {
      ASSIGN_OR_RETURN(const bool more, Fill("waiting for the end of the response body"));
      if (buffer_.size() > request_.max_response_bytes) {
        return absl::ResourceExhaustedError(too_large);
      }
      if (!more) break;
    }
    result.body = std::move(buffer_);
  }
  return result;
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(c) ||
           absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
  });
}

}  // namespace

std::string HttpUrl::Authority() const { return absl::StrCat(host, ":", port); }

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url) {
  const auto bad = [url](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad URL \"", absl::CHexEscape(url), "\": ", why));
  };
  if (url.empty()) return bad("empty");
  if (HasControlChars(url) || absl::StrContains(url, ' ')) {
    return bad("contains spaces or control characters");
  }
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    return bad("https is not supported (only plain http://)");
  }
  if (!absl::StartsWithIgnoreCase(url, "http://")) {
    return bad(absl::StrContains(url, "://") ? "only http:// URLs are supported"
                                             : "must start with http://");
  }
  absl::string_view rest = url.substr(7);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  const absl::string_view authority = rest.substr(0, path_start);
  HttpUrl result;
  if (path_start == absl::string_view::npos) {
    result.path = "/";
  } else if (rest[path_start] == '?') {
    result.path = absl::StrCat("/", rest.substr(path_start));
  } else {
    result.path = std::string(rest.substr(path_start));
  }
  if (absl::StrContains(authority, '@')) return bad("user information is not supported");
  if (absl::StartsWith(authority, "[")) return bad("IPv6 literals are not supported");
  const size_t colon = authority.rfind(':');
  result.host = std::string(authority.substr(0, colon));
  if (result.host.empty()) return bad("no host");
  if (colon != absl::string_view::npos) {
    const absl::string_view port = authority.substr(colon + 1);
    int value = 0;
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(port, &value) || value < 1 || value > 65535) {
      return bad(absl::StrCat("port must be 1-65535, got \"", port, "\""));
    }
    result.port = value;
  }
  return result;
}

const std::string* HttpResult::Header(absl::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

absl::StatusOr<HttpResult> SendHttpRequest(const HttpClientRequest& request) {
  ASSIGN_OR_RETURN(const HttpUrl url, ParseHttpUrl(request.url));
  if (!IsToken(request.method)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad HTTP method \"", absl::CHexEscape(request.method), "\""));
  }
  std::string wire =
      absl::StrCat(request.method, " ", url.path, " HTTP/1.1\r\nHost: ", url.Authority(),
                   "\r\nConnection: close\r\n");
  for (const auto& [name, value] : request.headers) {
    // CR or LF in a header would let a value smuggle in extra headers.
    if (!IsToken(name) || HasControlChars(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad request header \"", absl::CHexEscape(name), "\""));
    }
    absl::StrAppend(&wire, name, ": ", value, "\r\n");
  }
  const bool has_body = !request.body.empty() || request.method == "POST" ||
                        request.method == "PUT" || request.method == "PATCH";
  if (has_body) absl::StrAppend(&wire, "Content-Length: ", request.body.size(), "\r\n");
  absl::StrAppend(&wire, "\r\n", request.body);

  Exchange exchange(url, request);
  RETURN_IF_ERROR(exchange.Connect());
  RETURN_IF_ERROR(exchange.SendAll(wire));
  return exchange.ReadResponse(request.method == "HEAD");
}

}  // namespace modelgate

// An incremental, bounded HTTP/1.1 request parser for the admin server. It is fed the bytes a
// connection has received so far (the same bytes plus new ones on every call), so partial reads
// and pipelined requests need nothing from the caller but its buffer. Everything it accepts is
// bounded: the head (request line and headers), the number of headers and the body. Request
// bodies must carry Content-Length; chunked bodies are refused (411). Thread-compatible.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "admin/http_message.h"

namespace modelgate::admin {

struct HttpLimits {
  size_t max_head_bytes = 16 * 1024;  // request line + headers; over: 414 or 431
  size_t max_headers = 100;           // over: 431
  size_t max_body_bytes = 1 << 20;    // Content-Length over it: 413 before any body is read
};

class RequestParser {
 public:
  enum class Result {
    kIncomplete,  // more bytes needed
    kHead,        // the head is parsed (request() has all but the body); call Parse again
    kComplete,    // request() is whole and used the first consumed() bytes of the input
    kError,       // error_status()/error_message(); the framing is lost, close after answering
  };

  explicit RequestParser(const HttpLimits& limits) : limits_(limits) {}

  // Parses the request at the front of `input`: every byte received and not consumed by an
  // earlier request, including those already shown to this parser. kHead comes once per
  // request, before kComplete, even when the whole request arrived at once, so the caller can
  // act on the head (100-continue, a body budget) before the body is there.
  Result Parse(absl::string_view input);

  // Ready for the next request (after kComplete).
  void Reset();

  HttpRequest& request() { return request_; }
  size_t consumed() const { return head_bytes_ + body_length_; }
  size_t body_length() const { return body_length_; }  // valid from kHead on
  bool head_parsed() const { return head_bytes_ > 0; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  // Records the error; returns false.
  bool Fail(int status, std::string message);
  // Where the head ends (just after its blank line) in `input`, or 0 if it has not yet.
  size_t FindHeadEnd(absl::string_view input);
  // Each returns false after Fail.
  bool ParseHead(absl::string_view head);
  bool ParseRequestLine(absl::string_view line);
  bool ParseHeaderLine(absl::string_view line);
  bool ApplyHeaders();

  HttpLimits limits_;
  size_t scanned_ = 0;     // bytes of input already searched for the end of the head
  size_t head_bytes_ = 0;  // 0 until the head is parsed
  size_t body_length_ = 0;
  bool head_reported_ = false;
  HttpRequest request_;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace modelgate::admin

// Request line, header fields and body framing per RFC 9112, strictly: anything ambiguous
// (folded lines, conflicting lengths, Transfer-Encoding) is an error, never a guess.
#include "admin/http_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace modelgate::admin {
namespace {

// RFC 9110 tchar: the characters of methods and header names.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '\0' || !IsTokenChar(c)) return false;
  }
  return true;
}

// Field values may hold visible characters, spaces and tabs (and obs-text); never CR, LF, NUL
// or other controls, which are how header-injection attacks look.
bool IsFieldValue(absl::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

absl::string_view TrimOws(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void RequestParser::Reset() {
  scanned_ = 0;
  head_bytes_ = 0;
  body_length_ = 0;
  head_reported_ = false;
  request_ = HttpRequest();
}

bool RequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return false;
}

size_t RequestParser::FindHeadEnd(absl::string_view input) {
  // A blank line ends the head: "\n\r\n" or "\n\n" (a lone LF ends a line too, RFC 9112 §2.2).
  size_t i = scanned_;
  while (i < input.size()) {
    const void* lf = std::memchr(input.data() + i, '\n', input.size() - i);
    if (lf == nullptr) {
      scanned_ = input.size();
      return 0;
    }
    i = static_cast<const char*>(lf) - input.data();
    if (i + 1 >= input.size()) break;
    if (input[i + 1] == '\n') return i + 2;
    if (input[i + 1] == '\r') {
      if (i + 2 >= input.size()) break;
      if (input[i + 2] == '\n') return i + 3;
    }
    ++i;
  }
  scanned_ = i;  // resume at this LF once more bytes tell what follows it
  return 0;
}

RequestParser::Result RequestParser::Parse(absl::string_view input) {
  if (head_bytes_ == 0) {
    // Blank lines before a request are ignored (RFC 9112 §2.2).
    const size_t lead = std::min(input.find_first_not_of("\r\n"), input.size());
    scanned_ = std::max(scanned_, lead);
    const size_t end = lead == input.size() ? 0 : FindHeadEnd(input);
    const absl::string_view seen = input.substr(0, end == 0 ? input.size() : end);
    if (seen.size() > limits_.max_head_bytes) {
      // No LF after the leading blank lines: the request line alone is too long.
      if (seen.find('\n', lead) == absl::string_view::npos) {
        Fail(414, absl::StrCat("the request line is longer than ", limits_.max_head_bytes,
                               " bytes"));
        return Result::kError;
      }
      Fail(431, absl::StrCat("the request headers are larger than ", limits_.max_head_bytes,
                             " bytes"));
      return Result::kError;
    }
    if (end == 0) return Result::kIncomplete;
    if (!ParseHead(input.substr(lead, end - lead))) return Result::kError;
    head_bytes_ = end;
  }
  if (!head_reported_) {
    head_reported_ = true;
    return Result::kHead;
  }
  if (input.size() < head_bytes_ + body_length_) return Result::kIncomplete;
  request_.body.assign(input.data() + head_bytes_, body_length_);
  return Result::kComplete;
}

bool RequestParser::ParseHead(absl::string_view head) {
  bool request_line_seen = false;
  size_t header_count = 0;
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!request_line_seen) {
      if (!ParseRequestLine(line)) return false;
      request_line_seen = true;
      continue;
    }
    if (line.empty()) break;  // the blank line that ends the head
    if (++header_count > limits_.max_headers) {
      return Fail(431, absl::StrCat("more than ", limits_.max_headers, " header fields"));
    }
    if (!ParseHeaderLine(line)) return false;
  }
  return ApplyHeaders();
}

bool RequestParser::ParseRequestLine(absl::string_view line) {
  const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty()) {
    return Fail(400, "malformed request line (expected METHOD /path HTTP/1.1)");
  }
  const absl::string_view version = parts[2];
  if (version == "HTTP/1.1") {
    request_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request_.minor_version = 0;
  } else if (absl::StartsWith(version, "HTTP/") && version.size() == 8 && version[6] == '.') {
    return Fail(505, absl::StrCat(version, " is not supported; use HTTP/1.1"));
  } else {
    return Fail(400, "malformed request line (expected METHOD /path HTTP/1.1)");
  }
  if (parts[1].front() != '/') {
    return Fail(400, "the request target must be a path starting with '/'");
  }
  for (char c : parts[1]) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return Fail(400, "the request target has invalid characters");
  }
  request_.method = std::string(parts[0]);
  request_.target = std::string(parts[1]);
  const size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  request_.query = q == std::string::npos ? "" : request_.target.substr(q + 1);
  return true;
}

bool RequestParser::ParseHeaderLine(absl::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail(400, "folded header lines are not supported");
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Fail(400, "malformed header field (expected Name: value)");
  }
  const absl::string_view value = TrimOws(line.substr(colon + 1));
  if (!IsFieldValue(value)) return Fail(400, "a header value has control characters");
  request_.headers.emplace_back(absl::AsciiStrToLower(line.substr(0, colon)), std::string(value));
  return true;
}

bool RequestParser::ApplyHeaders() {
  const bool http11 = request_.minor_version == 1;
  int hosts = 0;
  bool has_length = false;
  bool has_close = false;
  bool has_keep_alive = false;
  for (const auto& [name, value] : request_.headers) {
    if (name == "host") {
      ++hosts;
    } else if (name == "transfer-encoding") {
      if (absl::EndsWithIgnoreCase(TrimOws(value), "chunked")) {
        return Fail(411, "chunked request bodies are not supported; send the body with "
                         "Content-Length");
      }
      return Fail(501, absl::StrCat("Transfer-Encoding \"", value, "\" is not supported"));
    } else if (name == "content-length") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return Fail(400, "Content-Length must be a decimal number");
      }
      // Saturate instead of overflowing: anything over the limit is refused alike.
      size_t length = 0;
      for (char c : value) {
        length = length > limits_.max_body_bytes ? length : length * 10 + (c - '0');
      }
      if (has_length && length != body_length_) {
        return Fail(400, "conflicting Content-Length headers");
      }
      if (length > limits_.max_body_bytes) {
        return Fail(413, absl::StrCat("the request body is larger than the limit of ",
                                      limits_.max_body_bytes, " bytes"));
      }
      has_length = true;
      body_length_ = length;
    } else if (name == "connection") {
      for (absl::string_view option : absl::StrSplit(value, ',')) {
        option = TrimOws(option);
        has_close |= absl::EqualsIgnoreCase(option, "close");
        has_keep_alive |= absl::EqualsIgnoreCase(option, "keep-alive");
      }
    } else if (name == "expect") {
      request_.expect_continue = http11 && absl::EqualsIgnoreCase(value, "100-continue");
    }
  }
  // Kept strict (RFC 9112 §3.2): a missing Host is how a mistyped hand-written request looks.
  if (http11 && hosts != 1) {
    return Fail(400, hosts == 0 ? "missing Host header" : "more than one Host header");
  }
  request_.keep_alive = !has_close && (http11 || has_keep_alive);
  return true;
}

}  // namespace modelgate::admin

// gRPC-over-HTTP/2 helpers; see grpc_wire.h.
#include "h2/grpc_wire.h"

namespace modelgate::h2 {

bool HopByHop(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "te" || name == "host";
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

int CodeForHttpStatus(int http) {
  switch (http) {
    case 200: return kUnknown;
    case 400: return kInternal;
    case 401: return kUnauthenticated;
    case 403: return kPermissionDenied;
    case 404: return kUnimplemented;
    case 429: case 502: case 503: case 504: return kUnavailable;
    default: return kUnknown;
  }
}

int CodeForReset(uint32_t error_code) {
  switch (error_code) {
    case NGHTTP2_REFUSED_STREAM: return kUnavailable;
    case NGHTTP2_CANCEL: return kCancelled;
    case NGHTTP2_ENHANCE_YOUR_CALM: return kResourceExhausted;
    case NGHTTP2_INADEQUATE_SECURITY: return kPermissionDenied;
    default: return kInternal;
  }
}

std::string Frame(std::string_view message) {
  std::string out(5, '\0');
  const uint32_t n = static_cast<uint32_t>(message.size());
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  out.append(message);
  return out;
}

bool Unframe(std::string_view body, std::string_view* message, bool* compressed) {
  if (body.size() < 5) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  const size_t n = (size_t{p[1]} << 24) | (size_t{p[2]} << 16) | (size_t{p[3]} << 8) | p[4];
  if (body.size() != 5 + n) return false;
  *compressed = p[0] != 0;
  *message = body.substr(5);
  return true;
}

}  // namespace modelgate::h2

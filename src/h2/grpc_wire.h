// gRPC over HTTP/2, the small pieces both kinds of upstream stream share: status codes, header
// fields for nghttp2, what a gRPC client makes of HTTP statuses and resets, grpc-message's
// percent-encoding, and the 5-byte length prefix of messages.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace modelgate::h2 {

// gRPC status codes (the numbers of the spec; absl and gRPC share them).
inline constexpr int kOk = 0, kCancelled = 1, kUnknown = 2, kInvalidArgument = 3,
                     kDeadlineExceeded = 4, kNotFound = 5, kPermissionDenied = 7,
                     kResourceExhausted = 8, kUnimplemented = 12, kInternal = 13,
                     kUnavailable = 14, kUnauthenticated = 16;

// A header field nghttp2 copies on submission.
inline nghttp2_nv Nv(std::string_view name, std::string_view value,
                     uint8_t flags = NGHTTP2_NV_FLAG_NONE) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), flags};
}
// Static strings: nghttp2 need not copy them.
inline nghttp2_nv StaticNv(std::string_view name, std::string_view value) {
  return Nv(name, value, NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE);
}

// The grpc-timeout we forward: the time left differs on every call, so adding it to the
// upstream's HPACK table would only evict useful entries (and cost an insertion per call).
inline nghttp2_nv TimeoutNv(std::string_view value) {
  return Nv("grpc-timeout", value, NGHTTP2_NV_FLAG_NO_INDEX);
}

// Connection-specific fields (RFC 9113 §8.2.2) never cross the proxy.
bool HopByHop(std::string_view name);
// grpc-message is percent-encoded.
std::string PercentEncode(std::string_view s);
// Its decoding; a malformed escape is kept as it is (gRPC's clients do the same).
std::string PercentDecode(std::string_view s);
// What a gRPC client makes of an HTTP status without grpc-status (http-grpc-status-mapping).
int CodeForHttpStatus(int http);
// What a gRPC client makes of a RST_STREAM error code.
int CodeForReset(uint32_t error_code);
// `message` with its length prefix (uncompressed).
std::string Frame(std::string_view message);
// The one message of a body, or false when the body is not exactly one length-prefixed message.
bool Unframe(std::string_view body, std::string_view* message, bool* compressed);

}  // namespace modelgate::h2

// What an upstream connection reports to the stream that opened a request on it: a forwarded
// client stream (proxy_stream.h) or a unary leg with a whole request (upstream_leg.h). The
// connection calls these from its nghttp2 session's callbacks.
#pragma once

#include <nghttp2/nghttp2.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace modelgate::h2 {

class UpstreamStream {
 public:
  virtual ~UpstreamStream() = default;
  virtual void OnUpstreamHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) = 0;
  // A header block ended: the response headers, or trailers (which always end the stream).
  virtual void OnUpstreamHeadersDone(bool end_stream) = 0;
  // DATA bytes; the receiver hands the credit back (nghttp2_session_consume) when it has
  // passed them on.
  virtual void OnUpstreamData(const uint8_t* data, size_t len) = 0;
  // DATA with END_STREAM: no trailers will come.
  virtual void OnUpstreamEnd() = 0;
  // The upstream stream is gone: `refused` (REFUSED_STREAM, or above a GOAWAY's last stream id,
  // or a connection that never came up) means the backend never processed it; `why` names a
  // connection failure, else null. The connection forgets the stream first.
  virtual void OnUpstreamClosed(uint32_t error_code, bool refused, const char* why) = 0;
  // The request body's data source.
  virtual ssize_t ReadForUpstream(uint8_t* buf, size_t len, uint32_t* flags) = 0;
};

}  // namespace modelgate::h2

// The client-facing nghttp2 server session; see server_conn.h.
#include "h2/server_conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "h2/proxy_stream.h"

namespace modelgate::h2 {
namespace {

ProxyStream* StreamOf(nghttp2_session* s, int32_t id) {
  return static_cast<ProxyStream*>(nghttp2_session_get_stream_user_data(s, id));
}

struct ServerCallbacks {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_option* opt = nullptr;
};

}  // namespace

ServerConn::ServerConn(LoopEnv* env, int fd)
    : Connection(&env->loop(), fd), env_(env), last_active_(env->loop().now()) {}

ServerConn::~ServerConn() {
  loop()->CancelTimer(idle_timer_);
  loop()->CancelTimer(drain_timer_);
}

ServerConn* ServerConn::Create(LoopEnv* env, int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  static const ServerCallbacks kCallbacks = [] {
    ServerCallbacks c;
    nghttp2_session_callbacks_new(&c.cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c.cbs, &ServerConn::OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback2(c.cbs, &ServerConn::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c.cbs, &ServerConn::OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c.cbs, &ServerConn::OnDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(c.cbs, &ServerConn::OnStreamClose);
    nghttp2_session_callbacks_set_on_frame_send_callback(c.cbs, &ServerConn::OnFrameSend);
    nghttp2_option_new(&c.opt);
    // Window credit goes back only when the bytes were handed on (proxy_stream.h).
    nghttp2_option_set_no_auto_window_update(c.opt, 1);
    // Rapid reset (CVE-2023-44487): at most 1000 resets, then 33 a second; CONTINUATION floods:
    // at most 8 CONTINUATION frames per header block.
    nghttp2_option_set_stream_reset_rate_limit(c.opt, 1000, 33);
    nghttp2_option_set_max_continuations(c.opt, 8);
    nghttp2_option_set_max_settings(c.opt, 32);
    nghttp2_option_set_max_send_header_block_length(c.opt, 64 * 1024);
    return c;
  }();
  auto* conn = new ServerConn(env, fd);
  if (nghttp2_session_server_new2(&conn->session_, kCallbacks.cbs, conn, kCallbacks.opt) != 0) {
    delete conn;
    return nullptr;
  }
  const PlaneSettings& s = env->settings();
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, s.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(s.stream_window)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, s.max_header_list_bytes * 2},
  };
  nghttp2_submit_settings(conn->session_, NGHTTP2_FLAG_NONE, settings, 3);
  nghttp2_session_set_local_window_size(conn->session_, NGHTTP2_FLAG_NONE, 0,
                                        s.connection_window);
  if (!conn->Register(false)) {
    delete conn;
    return nullptr;
  }
  env->AddConnection(conn);
  conn->ArmIdleTimer();
  conn->WantFlush();
  if (env->stopping()) conn->BeginDrain();
  return conn;
}

void ServerConn::OnClosed(const char* /*why*/) {
  loop()->CancelTimer(idle_timer_);
  loop()->CancelTimer(drain_timer_);
  env_->RemoveConnection(this);
  // nghttp2 does not report the streams of a session that is deleted: end them here.
  absl::flat_hash_set<ProxyStream*> streams;
  streams.swap(streams_);
  for (ProxyStream* s : streams) {
    s->OnClientClosed(NGHTTP2_CANCEL);
    delete s;
  }
}

void ServerConn::ArmIdleTimer() {
  // One timer ticks at a quarter of the shorter of the idle timeout and the keepalive interval;
  // a tick closes an idle connection, or pings a quiet one (a dead peer then fails the write).
  const PlaneSettings& s = env_->settings();
  absl::Duration tick = s.keepalive_interval;
  if (s.client_idle_timeout > absl::ZeroDuration()) tick = std::min(tick, s.client_idle_timeout);
  idle_timer_ = loop()->AddTimer(loop()->now() + tick / 4, [this] { OnIdleTimer(); });
}

void ServerConn::OnIdleTimer() {
  idle_timer_ = 0;
  if (closed()) return;
  const PlaneSettings& s = env_->settings();
  const absl::Time now = loop()->now();
  if (!streams_.empty()) last_active_ = now;
  if (streams_.empty() && s.client_idle_timeout > absl::ZeroDuration() &&
      now - last_active_ >= s.client_idle_timeout) {
    nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    WantFlush();
    return;
  }
  if (ping_outstanding_ && now - last_active_ >= 2 * s.keepalive_interval) {
    Close("keepalive ping not answered");
    return;
  }
  if (now - last_active_ >= s.keepalive_interval && !ping_outstanding_) {
    nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
    ping_outstanding_ = true;
    WantFlush();
  }
  ArmIdleTimer();
}

void ServerConn::BeginDrain() {
  if (draining_ || closed()) return;
  draining_ = true;
  nghttp2_submit_shutdown_notice(session_);
  WantFlush();
  // Phase two after a round trip's grace: streams already on the wire are still taken.
  drain_timer_ = loop()->AddTimer(loop()->now() + absl::Milliseconds(100), [this] {
    drain_timer_ = 0;
    FinishDrain();
  });
}

void ServerConn::FinishDrain() {
  if (closed()) return;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  // nghttp2 closes the session once the GOAWAY is out and no stream is left.
  WantFlush();
}

int ServerConn::OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame,
                               void* user) {
  auto* self = static_cast<ServerConn*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  auto* stream = new ProxyStream(self->env_, self, frame->hd.stream_id);
  self->streams_.insert(stream);
  self->last_active_ = self->loop()->now();
  nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream);
  return 0;
}

int ServerConn::OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                         nghttp2_rcbuf* name, nghttp2_rcbuf* value, uint8_t /*flags*/,
                         void* /*user*/) {
  ProxyStream* s = StreamOf(session, frame->hd.stream_id);
  if (s == nullptr) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    // Over the limit the rest of the block is ignored; the stream answers when it is complete.
    s->OnRequestHeader(name, value);
  }
  return 0;  // request trailers: gRPC has none; ignored
}

int ServerConn::OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<ServerConn*>(user);
  if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) {
    self->ping_outstanding_ = false;
    return 0;
  }
  ProxyStream* s = StreamOf(session, frame->hd.stream_id);
  if (s == nullptr) return 0;
  const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        s->OnRequestHeadersDone(end);
      } else if (end) {
        s->OnClientEnd();
      }
      break;
    case NGHTTP2_DATA:
      if (end) s->OnClientEnd();
      break;
    default:
      break;
  }
  return 0;
}

int ServerConn::OnDataChunk(nghttp2_session* session, uint8_t /*flags*/, int32_t stream_id,
                            const uint8_t* data, size_t len, void* /*user*/) {
  if (ProxyStream* s = StreamOf(session, stream_id)) {
    s->OnClientData(data, len);
  } else {
    // A stream we no longer follow: give the credit back at once.
    nghttp2_session_consume(session, stream_id, len);
  }
  return 0;
}

int ServerConn::OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                              void* user) {
  auto* self = static_cast<ServerConn*>(user);
  ProxyStream* s = StreamOf(session, stream_id);
  if (s == nullptr) return 0;
  nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
  self->streams_.erase(s);
  s->OnClientClosed(error_code);
  delete s;
  if (self->streams_.empty()) self->last_active_ = self->loop()->now();
  return 0;
}

int ServerConn::OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame, void* /*user*/) {
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  ProxyStream* s = StreamOf(session, frame->hd.stream_id);
  if (s == nullptr) return 0;
  s->OnResponseEndSent();
  // The answer is complete but the client still has its half open (a server that ends first):
  // close the stream, as gRPC servers do, with NO_ERROR.
  if (nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

}  // namespace modelgate::h2

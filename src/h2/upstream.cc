// Backend connections and their pool; see upstream.h.
#include "h2/upstream.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace modelgate::h2 {
namespace {

struct ClientCallbacks {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_option* opt = nullptr;
};

ssize_t ReadForUpstream(nghttp2_session* /*session*/, int32_t /*stream_id*/, uint8_t* buf,
                        size_t length, uint32_t* flags, nghttp2_data_source* source,
                        void* /*user*/) {
  return static_cast<UpstreamStream*>(source->ptr)->ReadForUpstream(buf, length, flags);
}

}  // namespace

UpstreamConn::UpstreamConn(LoopEnv* env, UpstreamPool* pool, int fd, std::string key)
    : Connection(&env->loop(), fd), env_(env), pool_(pool), key_(std::move(key)),
      last_active_(env->loop().now()) {}

UpstreamConn::~UpstreamConn() { loop()->CancelTimer(timer_); }

UpstreamConn* UpstreamConn::Connect(LoopEnv* env, UpstreamPool* pool, const Endpoint& ep,
                                    std::string key, absl::Duration connect_timeout,
                                    std::string* error) {
  static const ClientCallbacks kCallbacks = [] {
    ClientCallbacks c;
    nghttp2_session_callbacks_new(&c.cbs);
    nghttp2_session_callbacks_set_on_header_callback2(c.cbs, &UpstreamConn::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c.cbs, &UpstreamConn::OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c.cbs, &UpstreamConn::OnDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(c.cbs, &UpstreamConn::OnStreamClose);
    nghttp2_option_new(&c.opt);
    nghttp2_option_set_no_auto_window_update(c.opt, 1);
    // The backend is trusted to speak HTTP/2 messaging correctly; skipping nghttp2's checks of
    // it measured 31k → 27k instructions per call (DESIGN.md §10).
    nghttp2_option_set_no_http_messaging(c.opt, 1);
    nghttp2_option_set_peer_max_concurrent_streams(c.opt, 100);
    return c;
  }();
  const int fd = ::socket(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = absl::StrCat("socket: ", std::strerror(errno));
    return nullptr;
  }
  if (ep.addr.ss_family != AF_UNIX) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  auto* conn = new UpstreamConn(env, pool, fd, std::move(key));
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len);
  if (rc != 0 && errno != EINPROGRESS) {
    *error = std::strerror(errno);
    delete conn;
    return nullptr;
  }
  conn->connecting_ = rc != 0;
  if (nghttp2_session_client_new2(&conn->session_, kCallbacks.cbs, conn, kCallbacks.opt) != 0) {
    *error = "cannot create an HTTP/2 session";
    delete conn;
    return nullptr;
  }
  const PlaneSettings& s = env->settings();
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(s.stream_window)},
  };
  nghttp2_submit_settings(conn->session_, NGHTTP2_FLAG_NONE, settings, 2);
  nghttp2_session_set_local_window_size(conn->session_, NGHTTP2_FLAG_NONE, 0,
                                        s.connection_window);
  if (!conn->Register(conn->connecting_)) {
    *error = "cannot register the socket";
    delete conn;
    return nullptr;
  }
  conn->timer_ = env->loop().AddTimer(env->loop().now() + connect_timeout, [conn] {
    conn->timer_ = 0;
    if (conn->connecting_) conn->Close("connect timed out");
  });
  if (!conn->connecting_) conn->OnConnected();
  return conn;
}

void UpstreamConn::OnConnected() {
  loop()->CancelTimer(timer_);
  ArmIdleTimer();
  WantFlush();
}

void UpstreamConn::ArmIdleTimer() {
  const absl::Duration idle = env_->settings().upstream_idle_timeout;
  timer_ = loop()->AddTimer(loop()->now() + idle / 4, [this, idle] {
    timer_ = 0;
    if (closed()) return;
    if (!streams_.empty()) last_active_ = loop()->now();
    if (streams_.empty() && loop()->now() - last_active_ >= idle) {
      pool_->Forget(this, false);
      nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
      WantFlush();
      return;
    }
    ArmIdleTimer();
  });
}

int32_t UpstreamConn::Submit(UpstreamStream* stream, const nghttp2_nv* nva, size_t n) {
  nghttp2_data_provider prd;
  prd.source.ptr = stream;
  prd.read_callback = &h2::ReadForUpstream;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva, n, &prd, stream);
  if (id > 0) {
    streams_[id] = stream;
    last_active_ = loop()->now();
    WantFlush();
  }
  return id;
}

void UpstreamConn::Detach(int32_t id) {
  if (streams_.erase(id) == 0) return;
  if (!closed()) nghttp2_session_set_stream_user_data(session_, id, nullptr);
}

void UpstreamConn::OnClosed(const char* why) {
  loop()->CancelTimer(timer_);
  pool_->Forget(this, connecting_ || streams_.size() > 0);
  absl::flat_hash_map<int32_t, UpstreamStream*> streams;
  streams.swap(streams_);
  for (auto& [id, s] : streams) {
    // Streams above a GOAWAY's last id were never processed; so were all streams of a
    // connection that never connected.
    const bool refused = connecting_ || (goaway_ && id > goaway_last_id_);
    s->OnUpstreamClosed(NGHTTP2_CANCEL, refused, why);
  }
}

int UpstreamConn::OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                           nghttp2_rcbuf* name, nghttp2_rcbuf* value, uint8_t /*flags*/,
                           void* /*user*/) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* s = static_cast<UpstreamStream*>(
      nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (s != nullptr) s->OnUpstreamHeader(name, value);
  return 0;
}

int UpstreamConn::OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<UpstreamConn*>(user);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    if (!self->goaway_) self->pool_->Forget(self, false);
    self->goaway_ = true;
    self->goaway_last_id_ = frame->goaway.last_stream_id;
    return 0;
  }
  auto* s = static_cast<UpstreamStream*>(
      nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (s == nullptr) return 0;
  const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    s->OnUpstreamHeadersDone(end);
  } else if (frame->hd.type == NGHTTP2_DATA && end) {
    s->OnUpstreamEnd();
  }
  return 0;
}

int UpstreamConn::OnDataChunk(nghttp2_session* session, uint8_t /*flags*/, int32_t stream_id,
                              const uint8_t* data, size_t len, void* /*user*/) {
  auto* s = static_cast<UpstreamStream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (s != nullptr) {
    s->OnUpstreamData(data, len);
  } else {
    nghttp2_session_consume(session, stream_id, len);
  }
  return 0;
}

int UpstreamConn::OnStreamClose(nghttp2_session* session, int32_t stream_id,
                                uint32_t error_code, void* user) {
  auto* self = static_cast<UpstreamConn*>(user);
  auto it = self->streams_.find(stream_id);
  if (it == self->streams_.end()) return 0;
  UpstreamStream* s = it->second;
  self->streams_.erase(it);
  nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
  self->last_active_ = self->loop()->now();
  s->OnUpstreamClosed(error_code, error_code == NGHTTP2_REFUSED_STREAM, nullptr);
  return 0;
}

// --- the pool -------------------------------------------------------------------------------

UpstreamPool::~UpstreamPool() { CloseAll(); }

void UpstreamPool::CloseAll() {
  std::vector<UpstreamConn*> conns;
  for (auto& [key, a] : addrs_) {
    if (a.conn != nullptr) conns.push_back(a.conn);
  }
  for (UpstreamConn* c : conns) c->Close("data plane stopping");
  addrs_.clear();
}

void UpstreamPool::Forget(UpstreamConn* conn, bool failed) {
  auto it = addrs_.find(conn->key());
  if (it == addrs_.end() || it->second.conn != conn) return;
  if (!failed) {
    addrs_.erase(it);  // nothing to remember (and old settings' entries do not pile up)
    return;
  }
  it->second.conn = nullptr;
  it->second.failed_at = env_->loop().now();
}

void UpstreamPool::Warm(const ResolvedTarget& target) {
  const size_t n = target.pick_first ? std::min<size_t>(1, target.endpoints.size())
                                     : target.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    const Endpoint& ep = target.endpoints[i];
    Addr& a = addrs_[ep.key];
    if (a.conn != nullptr && a.conn->usable()) continue;
    std::string error;
    a.conn = UpstreamConn::Connect(env_, this, ep, ep.key, target.connect_timeout, &error);
    if (a.conn == nullptr) a.failed_at = env_->loop().now();
  }
}

UpstreamConn* UpstreamPool::Pick(const ResolvedTarget& target, std::string* error) {
  const size_t n = target.endpoints.size();
  if (n == 0) {
    *error = "no addresses";
    return nullptr;
  }
  const absl::Time now = env_->loop().now();
  // An address is worth a call when it has a usable connection or did not just fail.
  auto worth = [&](const std::string& key) {
    auto it = addrs_.find(key);
    return it == addrs_.end() || (it->second.conn != nullptr && it->second.conn->usable()) ||
           now - it->second.failed_at >= target.retry_after;
  };
  size_t chosen = 0;
  if (target.pick_first) {
    // The first address that works, until it fails.
    chosen = n;
    for (size_t i = 0; i < n && chosen == n; ++i) {
      if (worth(target.endpoints[i].key)) chosen = i;
    }
    if (chosen == n) chosen = 0;
  } else {
    // In turn, skipping addresses that just failed while others remain.
    size_t& next = next_[target.target];
    chosen = next % n;
    for (size_t i = 0; i < n; ++i) {
      if (worth(target.endpoints[(next + i) % n].key)) {
        chosen = (next + i) % n;
        break;
      }
    }
    next = chosen + 1;
  }
  const Endpoint& ep = target.endpoints[chosen];
  Addr& a = addrs_[ep.key];
  if (a.conn != nullptr && a.conn->usable()) return a.conn;
  a.conn = UpstreamConn::Connect(env_, this, ep, ep.key, target.connect_timeout, error);
  if (a.conn == nullptr) a.failed_at = now;
  return a.conn;
}

}  // namespace modelgate::h2

// Socket I/O of an nghttp2 session; see connection.h.
#include "h2/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace modelgate::h2 {
namespace {

// What one round reads from a socket before yielding to the others (fairness), and the size at
// which serialization stops to write (bounds the buffer; the rest goes next round).
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxReadsPerRound = 4;
constexpr size_t kMaxOutBuffer = 256 * 1024;

}  // namespace

Connection::Connection(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}

Connection::~Connection() {
  loop_->CancelFlush(this);
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::Register(bool want_write) {
  want_write_ = want_write;
  return loop_->Add(fd_, this, want_write);
}

void Connection::Close(const char* why) {
  if (closed_) return;
  closed_ = true;
  loop_->CancelFlush(this);
  loop_->Remove(fd_);
  ::close(fd_);
  fd_ = -1;
  OnClosed(why);
  loop_->DeleteLater(this);
}

void Connection::OnReadable() {
  if (closed_ || connecting_) return;
  static thread_local uint8_t buf[kReadChunk];
  for (int i = 0; i < kMaxReadsPerRound; ++i) {
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      Close("peer closed the connection");
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      Close("read failed");
      return;
    }
    const ssize_t used = nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(n));
    if (closed_) return;  // a callback closed us
    if (used < 0) {
      // A protocol error: nghttp2 has queued GOAWAY; send it, then close.
      Flush();
      Close(nghttp2_strerror(static_cast<int>(used)));
      return;
    }
    if (static_cast<size_t>(n) < sizeof(buf)) break;
  }
  WantFlush();
}

void Connection::OnWritable() {
  if (closed_) return;
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      Close(err == ECONNREFUSED ? "connection refused" : "connect failed");
      return;
    }
    connecting_ = false;
    OnConnected();
    if (closed_) return;
  }
  Flush();
}

void Connection::Flush() {
  if (closed_ || connecting_) return;
  for (;;) {
    while (out_.size() - out_head_ < kMaxOutBuffer) {
      const uint8_t* data;
      const ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        Close(nghttp2_strerror(static_cast<int>(n)));
        return;
      }
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (closed_) return;
    if (out_head_ == out_.size()) break;
    if (!WriteOut()) {
      Close("write failed");
      return;
    }
    if (out_head_ != out_.size()) break;  // the socket is full: wait for EPOLLOUT
  }
  const bool pending = out_head_ != out_.size();
  if (pending != want_write_) {
    want_write_ = pending;
    loop_->Modify(fd_, this, pending);
  }
  if (!pending && nghttp2_session_want_read(session_) == 0 &&
      nghttp2_session_want_write(session_) == 0) {
    Close("session finished");
  }
}

bool Connection::WriteOut() {
  while (out_head_ < out_.size()) {
    const ssize_t n =
        ::send(fd_, out_.data() + out_head_, out_.size() - out_head_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    out_head_ += static_cast<size_t>(n);
  }
  if (out_head_ == out_.size()) {
    out_.clear();  // keeps its capacity
    out_head_ = 0;
  }
  return true;
}

}  // namespace modelgate::h2

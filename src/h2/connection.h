// A socket carrying one nghttp2 session, client- or server-side. Reads feed the session as they
// come; what the session has to send is serialized at the end of the loop round into one buffer
// and written with one write() (see event_loop.h). A connection whose socket dies, or whose
// session has nothing more to read or write, closes: its subclass fails what still used it, and
// the object is deleted at the end of the round.
//
// Thread-compatible: owned by one event loop.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <string>

#include "h2/event_loop.h"

namespace modelgate::h2 {

class Connection : public EventLoop::Handler, public EventLoop::Flushable {
 public:
  Connection(EventLoop* loop, int fd);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  EventLoop* loop() const { return loop_; }
  nghttp2_session* session() const { return session_; }
  bool closed() const { return closed_; }
  // Asks for a flush at the end of this round (after submitting frames).
  void WantFlush() {
    if (!closed_) loop_->ScheduleFlush(this);
  }
  // Closes now (idempotent); `why` is for the subclass's OnClosed.
  void Close(const char* why);

  void OnReadable() override;
  void OnWritable() override;
  void OnError() override { Close("connection error"); }
  void Flush() override;

 protected:
  // Registers the socket with the loop (after the session exists); false: it could not be.
  bool Register(bool want_write);
  // The connection is gone; fail everything still using it. Called once, from Close.
  virtual void OnClosed(const char* why) = 0;
  // A non-blocking connect finished (client side); the default does nothing.
  virtual void OnConnected() {}
  bool connecting_ = false;  // set by a subclass whose socket is still connecting
  nghttp2_session* session_ = nullptr;

 private:
  bool WriteOut();  // false: the socket failed

  EventLoop* const loop_;
  int fd_;
  bool closed_ = false;
  bool want_write_ = false;  // EPOLLOUT registered
  std::string out_;          // serialized frames not yet written
  size_t out_head_ = 0;
};

}  // namespace modelgate::h2

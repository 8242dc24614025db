// A stand-in for a backend that is down: a TCP listener on the backend's port that accepts each
// connection and closes it at once, so every reconnect attempt fails as against a dead server,
// and the test learns when each attempt happened.
#pragma once

#include <chrono>

#include "absl/status/statusor.h"

namespace modelgate::testutil {

class StandInListener {
 public:
  // Listens on 127.0.0.1:port (SO_REUSEADDR: the dead backend's connections may linger).
  static absl::StatusOr<StandInListener> Bind(int port);
  StandInListener(StandInListener&& other) noexcept;
  StandInListener& operator=(StandInListener&&) = delete;
  ~StandInListener() { Close(); }

  // Waits up to `timeout` for a connection; accepts and closes it. False if none came.
  bool AcceptAndClose(std::chrono::milliseconds timeout);
  void Close();

 private:
  explicit StandInListener(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace modelgate::testutil

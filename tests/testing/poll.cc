// Implementation of PollUntil; see poll.h.
#include "testing/poll.h"

#include <thread>

namespace modelgate::testutil {

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = done();
  while (!ok && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(interval);
    ok = done();
  }
  return ok;
}

}  // namespace modelgate::testutil

// Whether a backend is fit to take traffic, as the health checker (active gRPC health checks)
// and the data plane (consecutive transport failures) see it. Strategies read it on every call
// — one relaxed atomic load — and send an unhealthy arm's share to the reference arm, so a dead
// candidate fails nobody. One object per backend name, shared by every snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace modelgate::routing {

struct BackendHealth {
  // Active checks' verdict (true until a check says otherwise, and for backends without
  // checks).
  std::atomic<bool> active_ok{true};
  // Calls in a row that failed for transport reasons (the channel could not reach the backend);
  // reset by any answer from it.
  std::atomic<int> consecutive_failures{0};
  // Failures in a row that make the backend unhealthy for routing; 0: passive signals do not
  // divert traffic (a backend without active checks would have no way back).
  std::atomic<int> unhealthy_after{0};

  bool healthy() const {
    if (!active_ok.load(std::memory_order_relaxed)) return false;
    const int limit = unhealthy_after.load(std::memory_order_relaxed);
    return limit <= 0 || consecutive_failures.load(std::memory_order_relaxed) < limit;
  }
};

}  // namespace modelgate::routing

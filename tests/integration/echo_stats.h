// The fake model's Echo/Stats as seen by proxy tests: what the backend itself observed
// (cancelled, completed and held calls), read directly from the backend, not through the proxy.
#pragma once

#include <chrono>
#include <cstdint>

#include <grpcpp/client_context.h>

#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate::testutil {

inline modelgate::testing::CancelStats EchoStats(modelgate::testing::Echo::Stub& backend) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  modelgate::testing::CancelStats stats;
  EXPECT_TRUE(backend.Stats(&ctx, modelgate::testing::Empty(), &stats).ok());
  return stats;
}

// Polls until the backend's cancelled_calls moves past `before` (bounded); returns it.
inline int64_t WaitForBackendCancellation(modelgate::testing::Echo::Stub& backend,
                                          int64_t before,
                                          std::chrono::milliseconds timeout) {
  int64_t now = before;
  PollUntil([&] { return (now = EchoStats(backend).cancelled_calls()) != before; }, timeout);
  return now;
}

}  // namespace modelgate::testutil

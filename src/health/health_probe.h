// One active health check of a backend: grpc.health.v1.Health/Check of a service, with a
// deadline. HealthProbe is the seam the checker is tested through; GrpcHealthProbe is the real
// one, over its own channel to the backend.
//
// The probe's channel is built with exactly the channel arguments of the data plane's channel to
// the same backend (proxy::UpstreamChannelArgs), rather than borrowed from the upstream pool: the
// pool releases a channel once no snapshot holds it, while checks run on the checker's own
// schedule, and gRPC's global subchannel pool gives channels with identical arguments the same
// connection, so a check still travels the connection the calls use.
//
// Thread-safety: Check is called by one thread at a time; Cancel may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/time/time.h"
#include "common/mutex.h"
#include "config/config.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "health/check_tracker.h"

namespace modelgate::health {

class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  // Runs one check, waiting at most `timeout` for its answer.
  virtual CheckOutcome Check(absl::Duration timeout) = 0;
  // Makes a check in progress (and every later one) end at once, so stopping a checker does not
  // wait for a slow backend's deadline.
  virtual void Cancel() = 0;
};

class GrpcHealthProbe final : public HealthProbe {
 public:
  GrpcHealthProbe(std::shared_ptr<grpc::Channel> channel, std::string service);
  // A probe of `backend` (its address and channel settings; its health.service).
  static std::unique_ptr<HealthProbe> ForBackend(const config::Backend& backend,
                                                 int64_t max_message_bytes);

  CheckOutcome Check(absl::Duration timeout) override ABSL_LOCKS_EXCLUDED(mu_);
  void Cancel() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  const std::string service_;
  Mutex mu_;
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace modelgate::health

// grpc.health.v1 checks over a channel; see health_probe.h.
#include "health/health_probe.h"

#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "common/status_codes.h"
#include "proxy/channel_args.h"

namespace modelgate::health {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

GrpcHealthProbe::GrpcHealthProbe(std::shared_ptr<grpc::Channel> channel, std::string service)
    : channel_(std::move(channel)),
      stub_(grpc::health::v1::Health::NewStub(channel_)),
      service_(std::move(service)) {}

std::unique_ptr<HealthProbe> GrpcHealthProbe::ForBackend(const config::Backend& backend,
                                                         int64_t max_message_bytes) {
  auto channel =
      grpc::CreateCustomChannel(backend.address, grpc::InsecureChannelCredentials(),
                                proxy::UpstreamChannelArgs(backend, max_message_bytes));
  return std::make_unique<GrpcHealthProbe>(std::move(channel), backend.health.service);
}

CheckOutcome GrpcHealthProbe::Check(absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  {
    MutexLock lock(&mu_);
    if (cancelled_) return {CheckResult::kError, "cancelled: the checker is stopping"};
    in_flight_ = &ctx;
  }
  HealthCheckRequest request;
  request.set_service(service_);
  HealthCheckResponse response;
  const grpc::Status status = stub_->Check(&ctx, request, &response);
  {
    MutexLock lock(&mu_);
    in_flight_ = nullptr;
  }
  if (status.ok()) {
    if (response.status() == HealthCheckResponse::SERVING) return {CheckResult::kServing, ""};
    return {CheckResult::kNotServing,
            absl::StrCat("answered ", HealthCheckResponse::ServingStatus_Name(response.status()))};
  }
  const std::string detail = absl::StrCat(GrpcStatusCodeName(status.error_code()), ": ",
                                          status.error_message());
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return {CheckResult::kTimeout, detail};
  }
  return {CheckResult::kError, detail};
}

void GrpcHealthProbe::Cancel() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

}  // namespace modelgate::health

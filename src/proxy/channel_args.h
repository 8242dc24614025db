// The gRPC channel arguments of an upstream channel, derived from one backend's config: message
// and metadata limits, :authority, load balancing, reconnect backoff and keep-connected. A pure
// function, so tests can check exactly what gRPC is told.
#pragma once

#include <cstdint>

#include <grpcpp/support/channel_arguments.h>

#include "config/config.h"

namespace modelgate::proxy {

grpc::ChannelArguments UpstreamChannelArgs(const config::Backend& backend,
                                           int64_t max_message_bytes);

}  // namespace modelgate::proxy

// Upstream channel construction.
#include "proxy/upstream_pool.h"

#include <cstdlib>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace modelgate::proxy {

std::shared_ptr<grpc::Channel> UpstreamPool::Get(const std::string& address) {
  auto it = channels_.find(address);
  if (it != channels_.end()) return it->second;
  grpc::ChannelArguments args;
  const int limit = static_cast<int>(max_message_bytes_);
  args.SetMaxReceiveMessageSize(limit);
  args.SetMaxSendMessageSize(limit);
  // The minimal stack drops per-call filters (deadline timer, census) we do not need: the
  // deadline still travels upstream as grpc-timeout, and client cancellation is propagated
  // explicitly (DESIGN.md §10).
  if (std::getenv("MODELGATE_UPSTREAM_FULL_STACK") == nullptr) args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  channels_.emplace(address, channel);
  return channel;
}

}  // namespace modelgate::proxy

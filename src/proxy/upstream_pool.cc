// Upstream channel construction.
#include "proxy/upstream_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace modelgate::proxy {
namespace {
constexpr int kUpstreamMaxMetadataBytes = 1 << 20;
}  // namespace

std::shared_ptr<grpc::Channel> UpstreamPool::Get(const std::string& address,
                                                 const std::string& authority) {
  auto key = std::make_pair(address, authority);
  auto it = channels_.find(key);
  if (it != channels_.end()) return it->second;
  grpc::ChannelArguments args;
  const int limit = static_cast<int>(max_message_bytes_);
  args.SetMaxReceiveMessageSize(limit);
  args.SetMaxSendMessageSize(limit);
  // gRPC 1.51 tears down the whole connection when response headers exceed this limit (8 KiB
  // by default), failing every call of every client multiplexed on it. Upstream, accept far
  // more, so oversized headers reach the one client they were meant for and fail only there,
  // exactly as they would without the proxy.
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, kUpstreamMaxMetadataBytes);
  if (!authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
  // Not the minimal stack: it would also drop the message-size filter (see server.cc) and the
  // client-side deadline timer, so a response of any size would be buffered and a silent
  // backend would hold the call past its deadline.
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  channels_.emplace(std::move(key), channel);
  return channel;
}

}  // namespace modelgate::proxy

// Upstream channel arguments; the comments record what gRPC 1.51 does with each.
#include "proxy/channel_args.h"

#include <climits>
#include <string>

#include "absl/strings/str_cat.h"

namespace modelgate::proxy {
namespace {

constexpr int kUpstreamMaxMetadataBytes = 1 << 20;

int Millis(double seconds) { return static_cast<int>(seconds * 1000 + 0.5); }

}  // namespace

grpc::ChannelArguments UpstreamChannelArgs(const config::Backend& backend,
                                           int64_t max_message_bytes) {
  grpc::ChannelArguments args;
  const int limit = static_cast<int>(max_message_bytes);
  args.SetMaxReceiveMessageSize(limit);
  args.SetMaxSendMessageSize(limit);
  // gRPC 1.51 tears down the whole connection when response headers exceed this limit (8 KiB
  // by default), failing every call of every client multiplexed on it. Upstream, accept far
  // more, so oversized headers reach the one client they were meant for and fail only there,
  // exactly as they would without the proxy.
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, kUpstreamMaxMetadataBytes);
  if (!backend.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, backend.authority);

  // Load balancing over the addresses the target resolves to, as the channel's default service
  // config (gRPC's default, pick_first, pins every sidecar to one pod of a headless Service).
  // Resolution of a service config from DNS TXT records is switched off, so the config file
  // alone decides.
  args.SetServiceConfigJSON(absl::StrCat(R"({"loadBalancingConfig":[{")",
                                         config::LbPolicyName(backend.lb_policy), R"(":{}}]})"));
  args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);

  // Reconnect backoff: the wait after the first failed attempt, growing 1.6x (with 20% jitter)
  // up to the maximum. GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, despite its name, is the minimum
  // time a connection attempt is given (the connect timeout). gRPC raises each to >= 100 ms.
  const config::UpstreamConfig& up = backend.upstream;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, Millis(up.reconnect_initial_seconds));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, Millis(up.reconnect_max_seconds));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, Millis(up.connect_timeout_seconds));

  // Stay connected without traffic: by default an idle channel drops its connection after
  // 30 minutes, and the next call pays for a new one. INT_MAX means never.
  args.SetInt(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS, INT_MAX);

  // Not the minimal stack: it would also drop the message-size filter (see server.cc) and the
  // client-side deadline timer, so a response of any size would be buffered and a silent
  // backend would hold the call past its deadline.
  return args;
}

}  // namespace modelgate::proxy

// What gRPC is told about an upstream channel: the load-balancing policy through the default
// service config, the reconnect backoff and connect timeout in milliseconds, no idle timeout.
#include "proxy/channel_args.h"

#include <climits>
#include <optional>
#include <string>

#include <grpc/grpc.h>

#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

class ChannelArgsView {
 public:
  explicit ChannelArgsView(grpc::ChannelArguments& args) { args.SetChannelArgs(&c_); }
  std::optional<int> Int(const char* key) const {
    for (size_t i = 0; i < c_.num_args; ++i) {
      if (std::string(c_.args[i].key) == key && c_.args[i].type == GRPC_ARG_INTEGER)
        return c_.args[i].value.integer;
    }
    return std::nullopt;
  }
  std::optional<std::string> String(const char* key) const {
    for (size_t i = 0; i < c_.num_args; ++i) {
      if (std::string(c_.args[i].key) == key && c_.args[i].type == GRPC_ARG_STRING)
        return std::string(c_.args[i].value.string);
    }
    return std::nullopt;
  }

 private:
  grpc_channel_args c_{};
};

TEST(UpstreamChannelArgs, DefaultsRoundRobinAndASidecarBackoff) {
  config::Backend backend;
  backend.address = "dns:///models.ns.svc.cluster.local:9000";
  grpc::ChannelArguments args = UpstreamChannelArgs(backend, 16 << 20);
  ChannelArgsView view(args);
  EXPECT_EQ(view.String(GRPC_ARG_SERVICE_CONFIG),
            R"({"loadBalancingConfig":[{"round_robin":{}}]})");
  EXPECT_EQ(view.Int(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION), 1);
  EXPECT_EQ(view.Int(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS), 100);
  EXPECT_EQ(view.Int(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 1000);
  EXPECT_EQ(view.Int(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS), 5000);  // the connect timeout
  EXPECT_EQ(view.Int(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS), INT_MAX);
  EXPECT_EQ(view.Int(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH), 16 << 20);
  EXPECT_EQ(view.String(GRPC_ARG_DEFAULT_AUTHORITY), std::nullopt);
}

TEST(UpstreamChannelArgs, FollowTheBackendsSettings) {
  config::Backend backend;
  backend.address = "ipv4:10.0.0.1:9000,10.0.0.2:9000";
  backend.authority = "models.example.com";
  backend.lb_policy = config::LbPolicy::kPickFirst;
  backend.upstream = {.reconnect_initial_seconds = 0.25,
                      .reconnect_max_seconds = 30,
                      .connect_timeout_seconds = 2.5};
  grpc::ChannelArguments args = UpstreamChannelArgs(backend, 1 << 20);
  ChannelArgsView view(args);
  EXPECT_EQ(view.String(GRPC_ARG_SERVICE_CONFIG),
            R"({"loadBalancingConfig":[{"pick_first":{}}]})");
  EXPECT_EQ(view.Int(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS), 250);
  EXPECT_EQ(view.Int(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 30000);
  EXPECT_EQ(view.Int(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS), 2500);
  EXPECT_EQ(view.String(GRPC_ARG_DEFAULT_AUTHORITY), "models.example.com");
}

}  // namespace
}  // namespace modelgate::proxy

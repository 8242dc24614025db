// Upstream channels: shared while the same target and settings are used, released when no
// snapshot uses them, watched off the request path (gauge, reconnect after IDLE), and awaited
// with a bound before a snapshot takes traffic. Uses an in-process gRPC server on 127.0.0.1:0.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proxy/connectivity_watcher.h"
#include "proxy/upstream_pool.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {
namespace {

// A gRPC server answering every method UNIMPLEMENTED (a callback service, so gRPC polls it):
// enough for a channel to connect to.
class LocalServer {
 public:
  LocalServer() {
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(&service_);
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    server_ = builder.BuildAndStart();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Stop() { server_->Shutdown(std::chrono::system_clock::now()); }

 private:
  grpc::CallbackGenericService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

config::Backend Backend(const std::string& name, const std::string& address) {
  config::Backend b;
  b.name = name;
  b.address = address;
  return b;
}

// Records the states a watcher reports, and waits (bounded) for one.
class StateLog {
 public:
  void Add(grpc_connectivity_state s) {
    absl::MutexLock lock(&mu_);
    seen_.push_back(s);
  }
  // Meanwhile lets gRPC make network progress on `channel`: in the proxy its worker threads
  // poll, but this test has no other thread that does.
  bool WaitFor(grpc_connectivity_state s, grpc::Channel& channel) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (std::find(seen_.begin(), seen_.end(), s) != seen_.end()) return true;
      }
      channel.WaitForStateChange(channel.GetState(/*try_to_connect=*/false),
                                 std::chrono::system_clock::now() + std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  absl::Mutex mu_;
  std::vector<grpc_connectivity_state> seen_ ABSL_GUARDED_BY(mu_);
};

TEST(ConnectivityWatcher, ReportsChangesAndReconnectsAChannelThatWentIdle) {
  LocalServer server;
  StateLog log;
  ConnectivityWatcher watcher([&](uint64_t, grpc_connectivity_state s) { log.Add(s); }, nullptr,
                              std::chrono::milliseconds(50));
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  ASSERT_NE(watcher.Watch(channel), 0u);  // starts connecting: no call is ever made
  EXPECT_TRUE(log.WaitFor(GRPC_CHANNEL_READY, *channel));
  // pick_first goes IDLE when its connection drops; only a new connection attempt (the
  // watcher's: no call is made, and waiting for a state change does not connect) can then
  // reach TRANSIENT_FAILURE.
  server.Stop();
  EXPECT_TRUE(log.WaitFor(GRPC_CHANNEL_TRANSIENT_FAILURE, *channel));
  watcher.Stop();
  EXPECT_EQ(watcher.Watch(channel), 0u);
}

TEST(UpstreamPool, SharesAChannelPerTargetAndSettings) {
  UpstreamPool pool(1 << 20, nullptr);
  config::Backend a = Backend("a", "127.0.0.1:1");
  config::Backend renamed = Backend("renamed", "127.0.0.1:1");
  config::Backend pick_first = a;
  pick_first.lb_policy = config::LbPolicy::kPickFirst;
  config::Backend slower = a;
  slower.upstream.reconnect_max_seconds = 5;
  config::Backend gateway = a;
  gateway.authority = "models.example.com";
  auto first = pool.Get(a);
  EXPECT_EQ(pool.Get(a).get(), first.get());
  EXPECT_EQ(pool.Get(renamed).get(), first.get());  // the name is not a connection setting
  EXPECT_NE(pool.Get(pick_first).get(), first.get());
  EXPECT_NE(pool.Get(slower).get(), first.get());
  EXPECT_NE(pool.Get(gateway).get(), first.get());
}

TEST(UpstreamPool, ReleasesChannelsNoSnapshotUses) {
  UpstreamPool pool(1 << 20, nullptr);
  auto kept = pool.Get(Backend("kept", "127.0.0.1:1"));
  auto dropped = pool.Get(Backend("dropped", "127.0.0.1:2"));
  grpc::Channel* const kept_channel = kept.get();
  EXPECT_EQ(pool.ReleaseUnused(), 2u);
  dropped.reset();
  EXPECT_EQ(pool.ReleaseUnused(), 1u);
  // Asked for again while still held, the same channel comes back.
  EXPECT_EQ(pool.Get(Backend("kept", "127.0.0.1:1")).get(), kept_channel);
  kept.reset();
  EXPECT_EQ(pool.ReleaseUnused(), 0u);
}

TEST(UpstreamPool, GaugeSaysWhichPublishedBackendsAreConnected) {
  LocalServer server;
  telemetry::Metrics metrics;
  UpstreamPool pool(1 << 20, &metrics);
  const std::vector<config::Backend> backends = {Backend("up", server.address()),
                                                 Backend("down", "127.0.0.1:1")};
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (const config::Backend& b : backends) channels.push_back(pool.Get(b));
  // The refused backend fails fast; the bound only matters for one that hangs.
  EXPECT_EQ(AwaitConnected(channels, absl::Seconds(20)), std::vector<size_t>{1});
  pool.Publish(backends);
  std::string text = metrics.Serialize();
  EXPECT_NE(text.find(R"(modelgate_backend_connected{backend="up"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(modelgate_backend_connected{backend="down"} 0)"), std::string::npos);
  pool.Publish({backends[0]});
  text = metrics.Serialize();
  EXPECT_EQ(text.find(R"(backend="down")"), std::string::npos) << text;
}

}  // namespace
}  // namespace modelgate::proxy

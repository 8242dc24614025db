// Event loop threads, the per-loop environment, and graceful shutdown; see data_plane.h.
#include "h2/data_plane.h"

#include <unistd.h>

#include <random>
#include <utility>

#include "h2/proxy_stream.h"
#include "h2/server_conn.h"
#include "h2/shadow_legs.h"
#include "h2/upstream.h"
#include "proxy/snapshot.h"

namespace modelgate::h2 {

LoopEnv::LoopEnv(int shard, const PlaneSettings& settings, const PlaneHost* host)
    : shard_(shard),
      settings_(settings),
      host_(host),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(shard) << 32)),
      upstreams_(std::make_unique<UpstreamPool>(this)),
      shadows_(std::make_unique<ShadowLegs>(this)) {}

LoopEnv::~LoopEnv() = default;

const std::shared_ptr<const proxy::Snapshot>& LoopEnv::CurrentSnapshot() {
  const uint64_t g = host_->generation();
  if (g != generation_ || snapshot_ == nullptr) {
    snapshot_ = host_->snapshot();
    generation_ = snapshot_->generation();
  }
  return snapshot_;
}

void LoopEnv::PushHealth() {
  // A push can end a Watch stream (which leaves the set): iterate over a copy.
  std::vector<ProxyStream*> watchers(watchers_.begin(), watchers_.end());
  for (ProxyStream* s : watchers) {
    if (watchers_.contains(s)) s->PushHealth();
  }
}

absl::StatusOr<std::unique_ptr<DataPlane>> DataPlane::Start(int threads, PlaneSettings settings,
                                                            PlaneHost host) {
  std::unique_ptr<DataPlane> self(new DataPlane(settings, std::move(host)));
  for (int i = 0; i < threads; ++i) {
    self->loops_.push_back(std::make_unique<LoopEnv>(i, self->settings_, &self->host_));
    if (!self->loops_.back()->loop().ok()) {
      return absl::InternalError("cannot create an epoll event loop");
    }
  }
  for (auto& env : self->loops_) {
    LoopEnv* e = env.get();
    self->threads_.emplace_back([e] { e->loop().Run(); });
  }
  return self;
}

DataPlane::~DataPlane() { Shutdown(absl::Now()); }

void DataPlane::Adopt(int fd) {
  if (shut_down_.load(std::memory_order_acquire)) {
    ::close(fd);
    return;
  }
  LoopEnv* env = loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()].get();
  env->loop().Post([env, fd] {
    if (ServerConn::Create(env, fd) == nullptr) ::close(fd);
  });
}

void DataPlane::HealthChanged() {
  for (auto& env : loops_) {
    LoopEnv* e = env.get();
    e->loop().Post([e] { e->PushHealth(); });
  }
}

void DataPlane::WarmUpstreams() {
  for (auto& env : loops_) {
    LoopEnv* e = env.get();
    e->loop().Post([e] {
      const std::shared_ptr<const proxy::Snapshot>& snap = e->CurrentSnapshot();
      for (const auto& b : snap->backends()) {
        const std::shared_ptr<const proxy::Resolution> r = b->Resolved();
        if (r->target != nullptr) e->upstreams().Warm(*r->target);
      }
    });
  }
}

void DataPlane::DrainStep(LoopEnv* env, absl::Time deadline, absl::Time quiet_after) {
  size_t streams = 0;
  for (ServerConn* c : env->connections()) streams += c->streams();
  const absl::Time now = absl::Now();
  // With no stream left, wait out the GOAWAY's second phase (streams a client sent before it
  // heard the first are still taken), then close.
  if ((streams == 0 && now >= quiet_after) || now >= deadline) {
    std::vector<ServerConn*> conns(env->connections().begin(), env->connections().end());
    for (ServerConn* c : conns) c->Close("shutting down");
    env->shadows().CancelAll();
    env->upstreams().CloseAll();
    env->loop().Stop();
    return;
  }
  env->loop().AddTimer(now + absl::Milliseconds(20), [this, env, deadline, quiet_after] {
    DrainStep(env, deadline, quiet_after);
  });
}

void DataPlane::Shutdown(absl::Time deadline) {
  if (shut_down_.exchange(true)) return;
  for (auto& env : loops_) {
    LoopEnv* e = env.get();
    e->loop().Post([this, e, deadline] {
      std::vector<ServerConn*> conns(e->connections().begin(), e->connections().end());
      for (ServerConn* c : conns) c->BeginDrain();
      e->PushHealth();
      DrainStep(e, deadline, absl::Now() + absl::Milliseconds(250));
    });
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace modelgate::h2

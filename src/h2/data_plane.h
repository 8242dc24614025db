// The frame-level data plane: `threads` event loops (loop_env.h), each with its own client
// connections, upstream connections and streams, and no locks between them. Accepted client
// sockets (from the proxy's ClientListener, which keeps the connection cap and the EMFILE
// behaviour) are handed out round robin.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "h2/loop_env.h"

namespace modelgate::h2 {

class DataPlane {
 public:
  static absl::StatusOr<std::unique_ptr<DataPlane>> Start(int threads, PlaneSettings settings,
                                                          PlaneHost host);
  ~DataPlane();

  // Takes over an accepted client socket.
  void Adopt(int fd);
  // The serving status may have changed: Watch streams hear of it.
  void HealthChanged();
  // A snapshot was published: every loop connects to its backends now, so that no call pays
  // for the TCP and HTTP/2 handshakes (connections already up are kept).
  void WarmUpstreams();
  // Graceful stop: GOAWAY to every client (two phases), streams in progress get until
  // `deadline`, then everything is closed and the threads joined. Idempotent.
  void Shutdown(absl::Time deadline);

 private:
  DataPlane(PlaneSettings settings, PlaneHost host)
      : settings_(settings), host_(std::move(host)) {}
  void DrainStep(LoopEnv* env, absl::Time deadline, absl::Time quiet_after);

  const PlaneSettings settings_;
  const PlaneHost host_;
  std::vector<std::unique_ptr<LoopEnv>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> next_{0};
  std::atomic<bool> shut_down_{false};
};

}  // namespace modelgate::h2

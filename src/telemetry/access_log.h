// The access log: one JSON line per call (access_log_entry.h), written to a size-capped,
// rotated file (rotating_file.h) by one writer thread, never by the request path.
//
// The request path only hands over an entry: a per-worker shard (a mutex nobody else takes
// except the writer for the instant of a vector swap) appends it to a bounded vector, O(1), no
// system call. When the shard is full the entry is dropped and counted
// (modelgate_access_log_dropped_total{reason="queue_full"}): a slow disk never slows calls. The
// writer wakes every `flush_interval` (sooner when a shard is half full), takes every shard's
// entries by swapping vectors, formats them and writes them in one batch. Stop() writes
// everything accepted before it returns, so a clean exit loses nothing.
//
// Metrics: modelgate_access_log_written_total (lines), modelgate_access_log_written_bytes_total,
// modelgate_access_log_dropped_total{reason="queue_full"|"write_error"},
// modelgate_access_log_write_errors_total, modelgate_access_log_rotations_total. Write errors
// are also logged, at most one line per 10 s.
//
// Thread-safe: Record from any thread (sharded by the caller's worker index).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/log_rate_limit.h"
#include "common/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "telemetry/access_log_entry.h"
#include "telemetry/rotating_file.h"

namespace modelgate::telemetry {

struct AccessLogOptions {
  std::string path;
  int64_t max_bytes = int64_t{100} << 20;
  int max_files = 5;
  int64_t buffer_entries = 8192;  // in all, split evenly over the shards (rounded up)
  int shards = 1;                 // one per worker thread
  absl::Duration flush_interval = absl::Milliseconds(50);
  // false: no writer thread; the owner calls WriteQueued() itself (tests: a paused writer).
  bool start_writer = true;
};

class AccessLog {
 public:
  AccessLog(AccessLogOptions options, prometheus::Registry& registry);
  ~AccessLog();  // Stop()
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Queues `entry` from worker `shard` (0 <= shard < shards; others are folded in), or drops
  // and counts it when that shard's queue is full.
  void Record(int shard, AccessLogEntry&& entry);

  // Writes every queued entry now, on the calling thread; returns the lines written. For tests
  // without a writer thread, and for Stop.
  size_t WriteQueued();

  // Stops the writer thread after it has written everything queued. Idempotent. Entries
  // recorded afterwards are written by a later WriteQueued() or the destructor.
  void Stop();

  // A reload changed the access_log block: what is queued now is written to the current file,
  // later lines go to `path` with the new limits, and each shard takes buffer_entries/shards.
  // Blocks while the queued lines are written (call it off the request path).
  void Reconfigure(std::string path, int64_t max_bytes, int max_files, int64_t buffer_entries);
  double written() const { return written_->Value(); }
  double dropped_queue_full() const { return dropped_full_->Value(); }
  double dropped_write_error() const { return dropped_error_->Value(); }
  double write_errors() const { return write_errors_->Value(); }
  double rotations() const { return rotations_->Value(); }

 private:
  struct alignas(64) Shard {
    Mutex mu;
    std::vector<AccessLogEntry> entries ABSL_GUARDED_BY(mu);
  };
  void Run();

  static size_t ShardCapacity(int64_t buffer_entries, int shards);
  size_t WriteQueuedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const AccessLogOptions options_;  // path and limits as started (Reconfigure changes the file's)
  std::atomic<size_t> shard_capacity_;
  std::unique_ptr<Shard[]> shards_;

  prometheus::Counter* written_;
  prometheus::Counter* written_bytes_;
  prometheus::Counter* dropped_full_;
  prometheus::Counter* dropped_error_;
  prometheus::Counter* write_errors_;
  prometheus::Counter* rotations_;

  // Writer state: only the thread in WriteQueued touches it.
  Mutex write_mu_;
  std::unique_ptr<RotatingFile> file_ ABSL_GUARDED_BY(write_mu_);
  AccessLogClock clock_ ABSL_GUARDED_BY(write_mu_);
  std::vector<AccessLogEntry> batch_ ABSL_GUARDED_BY(write_mu_);
  std::string buffer_ ABSL_GUARDED_BY(write_mu_);
  LogRateLimiter error_log_{1, std::chrono::seconds(10)};

  Mutex wake_mu_;
  CondVar wake_;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread writer_;
};

}  // namespace modelgate::telemetry

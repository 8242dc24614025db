// The access log's queue and writer thread; see access_log.h.
#include "telemetry/access_log.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "prometheus/family.h"

namespace modelgate::telemetry {
namespace {

prometheus::Counter* MakeCounter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help, const prometheus::Labels& labels = {}) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

}  // namespace

AccessLog::AccessLog(AccessLogOptions options, prometheus::Registry& registry)
    : options_(std::move(options)),
      shard_capacity_(ShardCapacity(options_.buffer_entries, options_.shards)),
      shards_(new Shard[static_cast<size_t>(std::max(1, options_.shards))]),
      file_(std::make_unique<RotatingFile>(options_.path, options_.max_bytes,
                                           options_.max_files)) {
  written_ = MakeCounter(registry, "modelgate_access_log_written_total",
                     "Access log lines written");
  written_bytes_ = MakeCounter(registry, "modelgate_access_log_written_bytes_total",
                           "Access log bytes written");
  const std::string dropped_help =
      "Access log lines lost: queue_full (the writer fell behind), write_error (the file "
      "could not be written)";
  dropped_full_ = MakeCounter(registry, "modelgate_access_log_dropped_total", dropped_help,
                          {{"reason", "queue_full"}});
  dropped_error_ = MakeCounter(registry, "modelgate_access_log_dropped_total", dropped_help,
                           {{"reason", "write_error"}});
  write_errors_ = MakeCounter(registry, "modelgate_access_log_write_errors_total",
                          "Failed attempts to open, write or rotate the access log file");
  rotations_ = MakeCounter(registry, "modelgate_access_log_rotations_total",
                       "Access log files rotated at access_log.max_bytes");
  if (options_.start_writer) writer_ = std::thread([this] { Run(); });
}

AccessLog::~AccessLog() { Stop(); }

size_t AccessLog::ShardCapacity(int64_t buffer_entries, int shards) {
  const int64_t n = std::max(1, shards);
  return static_cast<size_t>(std::max<int64_t>(1, (buffer_entries + n - 1) / n));
}

void AccessLog::Reconfigure(std::string path, int64_t max_bytes, int max_files,
                            int64_t buffer_entries) {
  MutexLock write_lock(&write_mu_);
  WriteQueuedLocked();  // what calls before the reload logged stays in the old file
  file_ = std::make_unique<RotatingFile>(std::move(path), max_bytes, max_files);
  shard_capacity_.store(ShardCapacity(buffer_entries, options_.shards),
                        std::memory_order_relaxed);
}

void AccessLog::Record(int shard, AccessLogEntry&& entry) {
  const int n = std::max(1, options_.shards);
  Shard& s = shards_[static_cast<size_t>(shard >= 0 && shard < n ? shard : 0)];
  const size_t capacity = shard_capacity_.load(std::memory_order_relaxed);
  size_t size;
  {
    MutexLock lock(&s.mu);
    size = s.entries.size();
    if (size < capacity) s.entries.push_back(std::move(entry));
  }
  if (size >= capacity) {
    dropped_full_->Increment();
    return;
  }
  // Half full: wake the writer early, so a burst is written rather than dropped. Once per
  // filling (a notify is a system call when the writer sleeps).
  if (size == capacity / 2 && capacity >= 2) wake_.NotifyOne();
}

size_t AccessLog::WriteQueued() {
  MutexLock write_lock(&write_mu_);
  return WriteQueuedLocked();
}

size_t AccessLog::WriteQueuedLocked() {
  buffer_.clear();
  size_t lines = 0;
  const int n = std::max(1, options_.shards);
  for (int i = 0; i < n; ++i) {
    Shard& s = shards_[static_cast<size_t>(i)];
    batch_.clear();
    {
      MutexLock lock(&s.mu);
      s.entries.swap(batch_);  // the shard keeps the (cleared) capacity of the last batch
    }
    for (const AccessLogEntry& e : batch_) AppendAccessLogLine(e, clock_, &buffer_);
    lines += batch_.size();
  }
  batch_.clear();
  if (lines == 0) return 0;
  const RotatingFile::Result r = file_->Append(buffer_);
  const std::string_view done(buffer_.data(), r.bytes_written);
  // Lines written whole; a line cut by an error is counted as lost.
  const size_t written = static_cast<size_t>(std::count(done.begin(), done.end(), '\n'));
  written_->Increment(static_cast<double>(written));
  written_bytes_->Increment(static_cast<double>(r.bytes_written));
  rotations_->Increment(r.rotations);
  if (!r.status.ok()) {
    write_errors_->Increment();
    dropped_error_->Increment(static_cast<double>(lines - written));
    MG_LOG_RATE_LIMITED(error_log_, kWarning, "access log: ", r.status.message(), "; ",
                        lines - written,
                        " lines lost (modelgate_access_log_dropped_total{reason=\"write_error\"})");
  }
  return written;
}

void AccessLog::Run() {
  const auto interval = absl::ToChronoNanoseconds(options_.flush_interval);
  while (true) {
    bool stopping;
    {
      MutexLock lock(&wake_mu_);
      if (!stop_) wake_.WaitFor(&wake_mu_, interval);
      stopping = stop_;
    }
    WriteQueued();
    if (stopping) return;
  }
}

void AccessLog::Stop() {
  {
    MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  wake_.NotifyOne();
  if (writer_.joinable()) writer_.join();
  WriteQueued();
}

}  // namespace modelgate::telemetry

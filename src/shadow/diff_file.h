// A size-capped JSON-lines file of differing shadow pairs, for inspection outside the admin API
// (diffs.file). Lines are appended until the next one would pass the cap; from then on lines
// are counted as dropped, never written, so the file never grows past the cap. The file is
// truncated when opened (each comparer starts a fresh record).
//
// Thread-compatible: one owner (the comparer, under its lock).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace modelgate::shadow {

class DiffFile {
 public:
  // Opens (creates or truncates) `path`. Errors name the path and the reason.
  static absl::StatusOr<std::unique_ptr<DiffFile>> Open(const std::string& path,
                                                         int64_t max_bytes);
  ~DiffFile();
  DiffFile(const DiffFile&) = delete;
  DiffFile& operator=(const DiffFile&) = delete;

  // Appends `line` and a newline, or counts it as dropped when it would pass the cap (or the
  // write failed). Flushed at once: a reader sees whole lines.
  void Append(const std::string& line);

  const std::string& path() const { return path_; }
  int64_t bytes() const { return bytes_; }
  int64_t dropped() const { return dropped_; }

 private:
  DiffFile(std::string path, std::FILE* file, int64_t max_bytes)
      : path_(std::move(path)), file_(file), max_bytes_(max_bytes) {}

  std::string path_;
  std::FILE* file_;
  int64_t max_bytes_;
  int64_t bytes_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace modelgate::shadow

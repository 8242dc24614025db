// An append-only file capped in size: whole lines are appended, and before the file would grow
// past `max_bytes` it is rotated (path -> path.1, path.1 -> path.2, ... up to path.<max_files>;
// the oldest is deleted). A line longer than the cap gets a file of its own.
//
// Errors (directory missing, disk full, permissions) are returned, never thrown; the file is
// reopened at the next append, and a line cut short by a failed write is ended with a newline
// first, so a reader sees one malformed line rather than two lines glued together.
//
// Thread-compatible: one writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace modelgate::telemetry {

class RotatingFile {
 public:
  RotatingFile(std::string path, int64_t max_bytes, int max_files);
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  struct Result {
    size_t bytes_written = 0;  // a prefix of the data, ending at a line end unless an error cut it
    int rotations = 0;
    absl::Status status;
  };
  // Appends `lines` (each ending in '\n').
  Result Append(std::string_view lines);

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }

 private:
  absl::Status Open();
  absl::Status Rotate();
  absl::Status WriteAll(std::string_view data);
  void Close();

  const std::string path_;
  const int64_t max_bytes_;
  const int max_files_;
  int fd_ = -1;
  int64_t size_ = 0;
};

}  // namespace modelgate::telemetry

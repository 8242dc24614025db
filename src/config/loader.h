// Loads and validates a modelgate YAML config. Every problem is reported, not only the first,
// each as "FILE:LINE:COL: path.to.key: message" (1-based), and a config with any error is never
// returned. yaml-cpp exceptions are caught here and nowhere else.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace modelgate::config {

struct LoadResult {
  bool ok() const { return errors.empty(); }
  Config config;                    // valid only when ok()
  std::vector<std::string> errors;  // "FILE:LINE:COL: key.path: message"
};

// Parses `text` as if read from `path` (path only appears in messages and Config::path).
LoadResult ParseConfig(const std::string& path, const std::string& text);

// Reads and parses the file.
LoadResult LoadConfigFile(const std::string& path);

// All errors joined with newlines, as an InvalidArgument status; or the config.
absl::StatusOr<Config> LoadConfigOrStatus(const std::string& path);

}  // namespace modelgate::config

// Route states on disk: one JSON file per route (state_dir/<route>.json), each written
// atomically (a temporary file, fsync, rename over the old one, fsync of the directory), so a
// crash leaves either the old state or the new one, never half of either. Loading reports each
// unreadable or corrupt file, never fails the whole load: a route without a usable state starts
// from its config.
//
// Thread-safe (writes are serialised).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/mutex.h"
#include "control/route_state.h"

namespace modelgate::control {

class StateStore {
 public:
  // `dir` must exist and be writable.
  explicit StateStore(std::string dir) : dir_(std::move(dir)) {}

  absl::Status Save(const std::string& route, const RouteState& state);
  // Removes the route's file (a route whose state was discarded); missing files are fine.
  absl::Status Remove(const std::string& route);

  struct Loaded {
    RouteStates states;
    std::vector<std::pair<std::string, absl::Status>> errors;  // file path, what was wrong
  };
  Loaded LoadAll() const;

  const std::string& dir() const { return dir_; }
  std::string PathOf(const std::string& route) const;

 private:
  const std::string dir_;
  Mutex mu_;
};

}  // namespace modelgate::control

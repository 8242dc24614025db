// The config that strategy-block tests parse: listeners, the named backends (at 127.0.0.1:9001,
// 9002, ... in order) and one route matching ModelInfer with the given strategy, followed by
// the test's block. Lines: 1 listen, 2 admin, 3 "backends:", one per backend, then "routes:",
// the route's name, match and strategy; the block starts on line 8 + backends.size().
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/loader.h"

namespace modelgate::strategies::config_testing {

inline config::LoadResult ParseRoute(const std::vector<std::string>& backends,
                                     const std::string& route, const std::string& strategy,
                                     const std::string& block) {
  std::string yaml = "listen: 127.0.0.1:8500\nadmin: {listen: 127.0.0.1:9901}\nbackends:\n";
  for (size_t i = 0; i < backends.size(); ++i) {
    absl::StrAppend(&yaml, "  - {name: ", backends[i], ", address: 127.0.0.1:", 9001 + i, "}\n");
  }
  absl::StrAppend(&yaml, "routes:\n  - name: ", route,
                  "\n    match: {service: inference.GRPCInferenceService, method: ModelInfer}\n"
                  "    strategy: ",
                  strategy, "\n", block);
  return config::ParseConfig("c.yaml", yaml);
}

}  // namespace modelgate::strategies::config_testing

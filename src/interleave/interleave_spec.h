// The settings of one interleaving route as the interleave strategy's config block gives them
// (plain data: src/strategies fills it without depending on the interleaving libraries).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace modelgate::interleave {

struct InterleaveSpec {
  std::string route;
  std::vector<std::string> rankers;  // the route's arm names, in arm order
  std::string payload = "inference_v2";  // or "recommend"
  std::string items_tensor;
  std::vector<std::string> aligned_tensors;
  int page_size = 10;
  double impression_ttl_seconds = 600;
  int64_t max_impressions = 100000;
  bool sticky = false;  // impressions carry the user's key hash as their unit
  double alpha = 0.05;
  double tau = 0.1;
  int64_t burn_in = 100;

  // Two routes with equal keys can share state (impressions, statistics) across a reload.
  std::string Key() const {
    return absl::StrCat(route, ";", absl::StrJoin(rankers, ","), ";", payload, ";", items_tensor,
                        ";", absl::StrJoin(aligned_tensors, ","), ";", page_size, ";",
                        impression_ttl_seconds, ";", max_impressions, ";", sticky, ";", alpha,
                        ";", tau, ";", burn_in);
  }
};

}  // namespace modelgate::interleave

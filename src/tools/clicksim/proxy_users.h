// Simulated users of an interleave route, through a real proxy: each user (seeded traits from
// click_model.h) asks modelgate.recommend.v1.Recommender/Recommend for pages with its id in the
// sticky header, scans every page with the cascade click model using the true relevances of the
// shown items (relevance.h), and reports the clicked ids with Feedback/RecordClicks. Pages
// without a click are not reported, as a click log has only clicks. Used by the interleave
// integration test and by `modelgate-interleave-users` (the interleave demo's traffic).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "tools/clicksim/click_model.h"
#include "tools/clicksim/relevance.h"

namespace modelgate::clicksim {

struct ProxyUsersOptions {
  WorldOptions world;          // must match the fake models' --recommend_* world flags
  CascadeOptions cascade;
  ActivityOptions activity;
  int users = 100;
  int page_size = 10;
  uint64_t seed = 1;           // user traits and scans
  std::string user_prefix = "user-";
  std::string sticky_header = "x-user-id";
  // One extra request header (e.g. to select a route), none when the name is empty.
  std::pair<std::string, std::string> route_header;
  double deadline_seconds = 10;  // of every call
  int max_impressions_per_user = 200;
};

struct ProxyUsersResult {
  int64_t impressions = 0;       // pages that carried an impression id
  int64_t unmixed = 0;           // pages answered without one (a ranker failed)
  int64_t with_clicks = 0;       // impressions reported
  int64_t clicks = 0;
  // Outcomes of the reports as the proxy answered them ("win:<ranker>", "tie").
  std::map<std::string, int64_t> outcomes;
};

// Runs every user in turn on `channel`. Fails on the first failed call (its status, with what
// was being done) or on a page item that is not an id of the world ("item-<k>").
absl::StatusOr<ProxyUsersResult> RunProxyUsers(const std::shared_ptr<grpc::Channel>& channel,
                                               const ProxyUsersOptions& options);

}  // namespace modelgate::clicksim

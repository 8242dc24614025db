// modelgate-interleave-users: simulated users of an interleave route through a running
// modelgate (tools/clicksim/proxy_users.h): they ask for recommendations, click by the cascade
// model on the items' true relevances, and report their clicks over the Feedback API. The
// interleave demo's traffic. Prints what the users saw and what the proxy answered.
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"
#include "common/process_setup.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/clicksim/proxy_users.h"
#include "tools/common/flags.h"

int main(int argc, char** argv) {
  modelgate::SetUpProcess();
  using modelgate::tools::FlagSet;
  modelgate::clicksim::ProxyUsersOptions o;
  std::string target;
  int64_t users = o.users, seed = 1, items = o.world.num_items, world_seed = 1;
  int64_t page_size = o.page_size;
  FlagSet flags("modelgate-interleave-users",
                "Usage: modelgate-interleave-users --target HOST:PORT [flags]\n"
                "Simulated users of an interleave route on modelgate.recommend.v1.Recommender: "
                "they click by a position-biased cascade model and report their clicks.");
  flags.Add("target", &target, "modelgate's gRPC address.");
  flags.Add("users", &users, "Users to simulate, one after another.");
  flags.Add("seed", &seed, "Seed of the users' traits and clicks.");
  flags.Add("items", &items, "Items in the world (as the fake models' --recommend_items).");
  flags.Add("world_seed", &world_seed, "As the fake models' --recommend_world_seed.");
  flags.Add("page_size", &page_size, "Items asked for per page.");
  flags.Add("user_prefix", &o.user_prefix, "User ids are this followed by 0, 1, ...");
  flags.Add("sticky_header", &o.sticky_header, "The header carrying the user id.");
  if (int rc = modelgate::tools::HandleParseResult(flags, flags.Parse(argc, argv)); rc >= 0) {
    return rc;
  }
  if (target.empty()) return modelgate::tools::UsageError(flags, "--target is required");
  if (users < 1 || users > 10'000'000) return modelgate::tools::UsageError(flags, "--users: 1..1e7");
  if (items < 1 || items > 1000000) return modelgate::tools::UsageError(flags, "--items: 1..1e6");
  if (page_size < 1 || page_size > 100) {
    return modelgate::tools::UsageError(flags, "--page_size: 1..100");
  }
  o.users = static_cast<int>(users);
  o.seed = static_cast<uint64_t>(seed);
  o.world.num_items = static_cast<int>(items);
  o.world.seed = static_cast<uint64_t>(world_seed);
  o.page_size = static_cast<int>(page_size);
  auto result = modelgate::clicksim::RunProxyUsers(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), o);
  if (!result.ok()) {
    std::cerr << "modelgate-interleave-users: " << result.status().message() << std::endl;
    return 1;
  }
  std::cout << absl::StrFormat(
      "%d users: %d interleaved pages (%d answered unmixed), %d with clicks (%d clicks)\n",
      users, result->impressions, result->unmixed, result->with_clicks, result->clicks);
  for (const auto& [outcome, n] : result->outcomes) {
    std::cout << absl::StrFormat("  %-20s %d\n", outcome, n);
  }
  return 0;
}

// Simulated users through a real proxy; see proxy_users.h.
#include "tools/clicksim/proxy_users.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "modelgate/feedback/v1/feedback.grpc.pb.h"
#include "modelgate/recommend/v1/recommend.grpc.pb.h"

namespace modelgate::clicksim {
namespace {

constexpr char kImpressionHeader[] = "x-modelgate-impression";

absl::Status FromGrpc(const grpc::Status& s, absl::string_view what) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

void SetDeadline(grpc::ClientContext& ctx, double seconds) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
}

}  // namespace

absl::StatusOr<ProxyUsersResult> RunProxyUsers(const std::shared_ptr<grpc::Channel>& channel,
                                               const ProxyUsersOptions& o) {
  const World world(o.world);
  SplitMix64 rng(o.seed);
  auto recommender = recommend::v1::Recommender::NewStub(channel);
  auto feedback = feedback::v1::Feedback::NewStub(channel);
  ProxyUsersResult result;
  std::vector<double> draws, shown;
  std::vector<uint8_t> clicked;
  for (int u = 0; u < o.users; ++u) {
    const std::string user = absl::StrCat(o.user_prefix, u);
    const UserTraits traits = DrawUserTraits(o.activity, rng, o.max_impressions_per_user);
    for (int i = 0; i < traits.impressions; ++i) {
      grpc::ClientContext ctx;
      SetDeadline(ctx, o.deadline_seconds);
      ctx.AddMetadata(o.sticky_header, user);
      if (!o.route_header.first.empty()) {
        ctx.AddMetadata(o.route_header.first, o.route_header.second);
      }
      recommend::v1::RecommendRequest req;
      req.set_user_id(user);
      req.set_n(o.page_size);
      recommend::v1::RecommendResponse resp;
      const grpc::Status s = recommender->Recommend(&ctx, req, &resp);
      if (!s.ok()) return FromGrpc(s, absl::StrCat("Recommend for ", user));
      const auto& md = ctx.GetServerInitialMetadata();
      const auto impression = md.find(kImpressionHeader);
      if (impression == md.end()) {
        ++result.unmixed;
        continue;
      }
      ++result.impressions;
      shown.clear();
      for (const auto& item : resp.items()) {
        int index = -1;
        if (item.id().rfind("item-", 0) != 0 ||
            !absl::SimpleAtoi(absl::string_view(item.id()).substr(5), &index) || index < 0 ||
            index >= world.num_items()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Recommend for ", user, " returned an item not of the world: ",
                           item.id()));
        }
        shown.push_back(world.Relevance(user, index));
      }
      DrawScan(static_cast<int>(shown.size()), rng, draws);
      const int n = Scan(o.cascade, shown, traits.propensity, draws, clicked);
      if (n == 0) continue;
      feedback::v1::RecordClicksRequest report;
      report.set_impression_id(std::string(impression->second.data(), impression->second.size()));
      for (int k = 0; k < resp.items_size(); ++k) {
        if (clicked[k]) report.add_item_ids(resp.items(k).id());
      }
      grpc::ClientContext fctx;
      SetDeadline(fctx, o.deadline_seconds);
      feedback::v1::RecordClicksResponse answer;
      const grpc::Status fs = feedback->RecordClicks(&fctx, report, &answer);
      if (!fs.ok()) return FromGrpc(fs, absl::StrCat("RecordClicks for ", user));
      ++result.with_clicks;
      result.clicks += n;
      ++result.outcomes[answer.outcome()];
    }
  }
  return result;
}

}  // namespace modelgate::clicksim

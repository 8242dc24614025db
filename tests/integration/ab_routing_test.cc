// A/B routing through real processes: 10,000 distinct sticky keys land on one arm each, the same
// arm on two separate proxy processes, and the arm the unit-tested strategy computes (so the
// golden hash vectors pin what replicas do); requests without a key follow the weights.
#include <grpcpp/client_context.h>

#include <atomic>
#include <boost/math/distributions/binomial.hpp>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "integration/harness.h"
#include "routing/strategies/ab.h"

namespace modelgate {
namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

constexpr int kKeys = 10000;

std::string Config(const std::string& legacy, const std::string& candidate) {
  return testutil::LoopbackConfig({{"legacy", legacy}, {"candidate", candidate}}, R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService}
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 70}, {backend: candidate, weight: 30}]
      sticky_header: x-user-id
      salt: it-salt
    arm_header: true
)");
}

struct Served {
  std::string arm;    // x-modelgate-arm
  std::string model;  // model_version in the response: which backend really answered
};

// Calls ModelInfer once per key with `threads` threads; returns what served each key.
std::vector<Served> CallAll(GRPCInferenceService::Stub* stub, int keys, bool sticky) {
  std::vector<Served> out(keys);
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < keys; i = next++) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        if (sticky) ctx.AddMetadata("x-user-id", absl::StrCat("user-", i));
        ModelInferRequest req;
        req.set_model_name("m");
        ModelInferResponse resp;
        grpc::Status s = stub->ModelInfer(&ctx, req, &resp);
        if (!s.ok()) {
          out[i].arm = absl::StrCat("error:", s.error_message());
          continue;
        }
        auto it = ctx.GetServerInitialMetadata().find("x-modelgate-arm");
        if (it != ctx.GetServerInitialMetadata().end())
          out[i].arm.assign(it->second.data(), it->second.size());
        out[i].model = resp.model_version();
      }
    });
  }
  for (auto& t : pool) t.join();
  return out;
}

std::pair<double, double> Interval999(int n, double p) {
  boost::math::binomial_distribution<> d(n, p);
  return {boost::math::quantile(d, 0.0005),
          boost::math::quantile(boost::math::complement(d, 0.0005))};
}

class AbRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    // ModelInfer echoes the request's model name; the version flag tells the backends apart.
    auto legacy = testutil::StartFakeModel("legacy", {"--version=legacy"});
    auto candidate = testutil::StartFakeModel("candidate", {"--version=candidate"});
    ASSERT_TRUE(legacy.ok() && candidate.ok());
    legacy_.emplace(std::move(*legacy));
    candidate_.emplace(std::move(*candidate));
    config_ = dir_.Write("ab.yaml", Config(legacy_->address, candidate_->address));
  }
  std::unique_ptr<testutil::Modelgate> StartProxy() {
    auto mg = testutil::Modelgate::Start(config_);
    EXPECT_TRUE(mg.ok()) << mg.status();
    return mg.ok() ? std::move(*mg) : nullptr;
  }

  testutil::TempDir dir_;
  std::optional<testutil::ListeningProcess> legacy_, candidate_;
  std::string config_;
};

TEST_F(AbRouting, TenThousandKeysGetOneArmEachIdenticallyOnTwoProxyProcesses) {
  auto a = StartProxy();
  auto b = StartProxy();
  ASSERT_TRUE(a && b);
  auto stub_a = GRPCInferenceService::NewStub(a->NewChannel());
  auto stub_b = GRPCInferenceService::NewStub(b->NewChannel());
  const std::vector<Served> first = CallAll(stub_a.get(), kKeys, true);
  const std::vector<Served> again = CallAll(stub_a.get(), kKeys, true);
  const std::vector<Served> other = CallAll(stub_b.get(), kKeys, true);

  routing::AbStrategy expected("infer", {70, 30}, "x-user-id", "it-salt");
  int candidate = 0, mismatches = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string want = expected.ArmForKey(absl::StrCat("user-", i)) == 0 ? "legacy" : "candidate";
    if (first[i].arm != want || again[i].arm != want || other[i].arm != want ||
        first[i].model != want) {
      if (++mismatches <= 5)
        ADD_FAILURE() << "user-" << i << ": expected " << want << ", got " << first[i].arm << "/"
                      << again[i].arm << "/" << other[i].arm << " served by " << first[i].model;
    }
    candidate += want == "candidate";
  }
  EXPECT_EQ(mismatches, 0);
  auto [lo, hi] = Interval999(kKeys, 0.30);
  EXPECT_GE(candidate, lo);
  EXPECT_LE(candidate, hi);
  // Each proxy counted what it served, by arm.
  EXPECT_EQ(b->Metric(R"(modelgate_requests_total{arm="candidate",code="OK",route="infer"})"),
            candidate);
  EXPECT_EQ(b->Metric(R"(modelgate_requests_total{arm="legacy",code="OK",route="infer"})"),
            kKeys - candidate);
}

TEST_F(AbRouting, RequestsWithoutAKeyFollowTheWeights) {
  auto mg = StartProxy();
  ASSERT_TRUE(mg);
  auto stub = GRPCInferenceService::NewStub(mg->NewChannel());
  constexpr int kCalls = 4000;
  const std::vector<Served> served = CallAll(stub.get(), kCalls, false);
  int candidate = 0;
  for (const Served& s : served) {
    ASSERT_EQ(s.arm, s.model);
    candidate += s.arm == "candidate";
  }
  auto [lo, hi] = Interval999(kCalls, 0.30);
  EXPECT_GE(candidate, lo);
  EXPECT_LE(candidate, hi);
}

}  // namespace
}  // namespace modelgate

// The /metrics exposition of a proxy under real traffic: every documented family is present
// with its labels, and Prometheus' own linter (promtool check metrics) accepts it.
#include <grpcpp/client_context.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "integration/harness.h"

namespace modelgate {
namespace {

TEST(MetricsExposition, PromtoolAcceptsItAndEveryFamilyIsThere) {
  testutil::TempDir dir;
  auto backend = testutil::StartFakeModel("legacy", {"--error_rate=0.5", "--seed=3"});
  ASSERT_TRUE(backend.ok());
  const std::string config = testutil::LoopbackConfig({{"legacy", backend->address}}, R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService}
    strategy: ab
    ab: {arms: [{backend: legacy, weight: 1}]}
)");
  auto mg = testutil::Modelgate::Start(dir.Write("c.yaml", config));
  ASSERT_TRUE(mg.ok()) << mg.status();
  auto stub = inference::GRPCInferenceService::NewStub((*mg)->NewChannel());
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    grpc::ClientContext ctx;
    inference::ModelInferRequest req;
    inference::ModelInferResponse resp;
    ok += stub->ModelInfer(&ctx, req, &resp).ok();
  }
  ASSERT_GT(ok, 0);
  ASSERT_LT(ok, 40);  // some injected UNAVAILABLE too

  const std::string text = (*mg)->Get("/metrics").body;
  for (const char* family :
       {"modelgate_requests_total{arm=\"legacy\",code=\"OK\",route=\"infer\"}",
        "modelgate_requests_total{arm=\"legacy\",code=\"UNAVAILABLE\",route=\"infer\"}",
        "modelgate_request_duration_seconds_bucket{arm=\"legacy\",route=\"infer\",le=\"0.001\"}",
        "modelgate_upstream_errors_total{backend=\"legacy\",code=\"UNAVAILABLE\"}",
        "modelgate_inflight_requests{route=\"infer\"} 0", "modelgate_config_info{generation=\"1\"",
        "modelgate_build_info{version="}) {
    EXPECT_NE(text.find(family), std::string::npos) << family;
  }
  EXPECT_EQ((*mg)->Metric(R"(modelgate_requests_total{arm="legacy",code="OK",route="infer"})"), ok);

  const std::string file = dir.Write("metrics.txt", text);
  const std::string out = dir.path() + "/promtool.out";
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // promtool is installed by scripts/deps.sh; a missing binary must fail the test, not skip it.
  EXPECT_EQ(rc, 0) << "promtool check metrics: " << report;
}

}  // namespace
}  // namespace modelgate

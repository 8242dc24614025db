// A real Prometheus (Debian's) scrapes a running modelgate under traffic: the request metrics
// and the live statistics arrive as queryable series with their labels.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Result vector of an instant query, or empty.
nlohmann::json Query(int port, const std::string& expr) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5);
  auto res = client.Get("/api/v1/query", httplib::Params{{"query", expr}}, httplib::Headers{});
  if (!res || res->status != 200) return nlohmann::json::array();
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded() || j["status"] != "success") return nlohmann::json::array();
  return j["data"]["result"];
}

TEST(Prometheus, ScrapesRequestMetricsAndLiveStatistics) {
  testutil::TempDir dir;
  auto legacy = testutil::StartFakeModel("legacy", {"--output_noise=0.1"});
  auto candidate = testutil::StartFakeModel("candidate", {"--output_noise=0.1", "--output_shift=1"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write("c.yaml", testutil::LoopbackConfig(
                                                    {{"legacy", legacy->address},
                                                     {"candidate", candidate->address}},
                                                    R"(
routes:
  - name: infer
    strategy: ab
    ab: {arms: [{backend: legacy, weight: 1}, {backend: candidate, weight: 1}]}
    monitor:
      min_samples: 50
      payload: inference_v2
      drift: {reference_samples: 200, min_samples: 100}
)")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  auto load = testutil::ChildProcess::Spawn({testutil::BinaryPath("modelgate-load"), "--target",
                                             (*mg)->grpc_address(), "--concurrency=4",
                                             "--requests=3000"});
  ASSERT_TRUE(load.ok());
  ASSERT_EQ(load->WaitExit(std::chrono::seconds(60)), 0);

  const int port = FreePort();
  const std::string prom_config = dir.Write("prometheus.yml", absl::StrCat(R"(
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: modelgate
    static_configs: [{targets: ["127.0.0.1:)", (*mg)->admin_port(), R"("]}]
)"));
  auto prom = testutil::ChildProcess::Spawn(
      {"/usr/bin/prometheus", "--config.file=" + prom_config,
       "--storage.tsdb.path=" + dir.path() + "/tsdb",
       absl::StrCat("--web.listen-address=127.0.0.1:", port), "--log.level=warn"});
  ASSERT_TRUE(prom.ok()) << prom.status();

  // First samples take ~5 s after start even with a 1 s interval: poll, bounded.
  nlohmann::json requests, pvalue, distance;
  testutil::PollUntil(
      [&] {
        requests =
            Query(port, R"(sum by (arm) (modelgate_requests_total{route="infer",code="OK"}))");
        pvalue = Query(
            port, R"(modelgate_compare_pvalue{route="infer",arm="candidate",metric="latency_mean"})");
        distance =
            Query(port, R"(modelgate_arm_distance{route="infer",arm="candidate",method="psi"})");
        return requests.size() == 2 && !pvalue.empty() && !distance.empty();
      },
      std::chrono::seconds(45), std::chrono::milliseconds(250));
  ASSERT_EQ(requests.size(), 2u) << requests.dump();
  double total = 0;
  for (const auto& r : requests) total += std::stod(r["value"][1].get<std::string>());
  EXPECT_EQ(total, 3000);
  ASSERT_FALSE(pvalue.empty());
  const double p = std::stod(pvalue[0]["value"][1].get<std::string>());
  EXPECT_GE(p, 0);
  EXPECT_LE(p, 1);
  ASSERT_FALSE(distance.empty());
  EXPECT_GT(std::stod(distance[0]["value"][1].get<std::string>()), 0.25);  // outputs shifted by 1
  EXPECT_FALSE(Query(port, "modelgate_build_info").empty());
}

}  // namespace
}  // namespace modelgate

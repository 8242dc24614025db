// Routes compiled from a loaded config through the strategy registry, and matched: first match
// wins; service, method and exact header values all must match.
#include "strategies/compile.h"

#include "config/loader.h"
#include "gtest/gtest.h"
#include "routing/fake_headers.h"

namespace modelgate::routing {
using strategies::CompileRoutes;
namespace {

std::unique_ptr<RouteTable> Table(const std::string& yaml) {
  config::LoadResult r = config::ParseConfig("test.yaml", yaml);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0]);
  auto t = strategies::CompileRoutes(r.config);
  EXPECT_TRUE(t.ok());
  return std::move(*t);
}

constexpr char kConfig[] = R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: 127.0.0.1:9002}
routes:
  - name: acme-predict
    match: {service: bench.Model, method: Predict, headers: {x-tenant: acme}}
    strategy: forward
    forward: {backend: candidate}
  - name: predict
    match: {service: bench.Model, method: Predict}
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 9}, {backend: candidate, weight: 1, name: cand}]
  - name: model-service
    match: {service: bench.Model}
    strategy: forward
    forward: {backend: legacy}
  - name: any-health-like
    match: {method: Check}
    strategy: forward
    forward: {backend: legacy}
)";

TEST(RouteTable, FirstMatchWinsAndHeadersMustMatchExactly) {
  auto t = Table(kConfig);
  FakeHeaders acme{{"x-tenant", "acme"}}, other{{"x-tenant", "acme-corp"}}, none;
  EXPECT_EQ(t->Match({"/bench.Model/Predict", &acme}), 0);
  EXPECT_EQ(t->Match({"/bench.Model/Predict", &other}), 1);
  EXPECT_EQ(t->Match({"/bench.Model/Predict", &none}), 1);
  EXPECT_EQ(t->Match({"/bench.Model/Explain", &none}), 2);
  EXPECT_EQ(t->Match({"/other.Svc/Check", &none}), 3);
}

TEST(RouteTable, NoMatchAndMalformedPathsReturnMinusOne) {
  auto t = Table(kConfig);
  FakeHeaders none;
  EXPECT_EQ(t->Match({"/other.Svc/Predict", &none}), -1);
  EXPECT_EQ(t->Match({"bench.Model/Predict", &none}), -1);
  EXPECT_EQ(t->Match({"/bench.Model/", &none}), -1);
  EXPECT_EQ(t->Match({"", &none}), -1);
}

TEST(RouteTable, ArmsCarryNamesAndBackendIndexes) {
  auto t = Table(kConfig);
  const CompiledRoute& r = t->route(1);
  ASSERT_EQ(r.arms.size(), 2u);
  EXPECT_EQ(r.arms[0].name, "legacy");
  EXPECT_EQ(r.arms[0].backend_index, 0);
  EXPECT_EQ(r.arms[1].name, "cand");
  EXPECT_EQ(r.arms[1].backend, "candidate");
  EXPECT_EQ(r.arms[1].backend_index, 1);
  EXPECT_EQ(r.strategy->kind(), "ab");
  EXPECT_EQ(t->route(0).strategy->kind(), "forward");
}

TEST(SplitMethodPath, SplitsServiceAndMethod) {
  std::string_view s, m;
  ASSERT_TRUE(SplitMethodPath("/inference.GRPCInferenceService/ModelInfer", &s, &m));
  EXPECT_EQ(s, "inference.GRPCInferenceService");
  EXPECT_EQ(m, "ModelInfer");
  EXPECT_FALSE(SplitMethodPath("/noslash", &s, &m));
  EXPECT_FALSE(SplitMethodPath("//M", &s, &m));
}

}  // namespace
}  // namespace modelgate::routing

// Backend targets (gRPC target URIs), lb_policy and the upstream connection settings: accepted
// forms, defaults, per-backend overrides, and every error with its exact position.
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/target_syntax.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;

constexpr char kRoutes[] =
    "routes:\n"
    "  - {name: r, strategy: forward, forward: {backend: a}}\n";

LoadResult Load(const std::string& top) {
  return ParseConfig("c.yaml", "listen: 127.0.0.1:8500\n"           // 1
                               "admin: {listen: 127.0.0.1:9901}\n"  // 2
                               + top + kRoutes);
}

TEST(BackendTarget, AcceptsTheTargetsGrpcResolves) {
  for (const char* good : {
           "127.0.0.1:9000", "models:9000", "[::1]:9000",
           "dns:///models.ns.svc.cluster.local:9000", "dns:models.ns.svc:9000",
           "dns://10.96.0.10:53/models.ns.svc.cluster.local:9000", "dns://10.96.0.10/m:1",
           "dns://[fd00::10]:53/m:1", "dns:///[::1]:9000",
           "ipv4:127.0.0.1:9001", "ipv4:127.0.0.1:9001,127.0.0.1:9002,10.0.0.3:80",
           "ipv6:[::1]:9001", "ipv6:[::1]:9001,[fd00::2]:9002",
           "unix:/run/model.sock", "unix:relative.sock", "unix:///run/model.sock",
           "unix-abstract:model"}) {
    EXPECT_TRUE(CheckBackendAddress(good).ok()) << good << ": " << CheckBackendAddress(good);
  }
}

TEST(BackendTarget, SaysWhatIsWrongWithEachForm) {
  const auto message = [](const char* target) {
    return std::string(CheckBackendAddress(target).message());
  };
  EXPECT_EQ(message("dns:///models.ns.svc"),
            "a dns: target needs host:port after the scheme, e.g. "
            "dns:///models.ns.svc.cluster.local:9000 (got \"dns:///models.ns.svc\")");
  EXPECT_EQ(message("dns://models:9000"),
            "must be dns:///host:port or dns://dns-server/host:port, e.g. "
            "dns:///models.ns.svc.cluster.local:9000 (got \"dns://models:9000\")");
  EXPECT_EQ(message("dns://kube-dns/models:9000"),
            "the DNS server in dns://SERVER/ must be an IP address with an optional port, e.g. "
            "dns://10.96.0.10:53/models.ns.svc.cluster.local:9000 (got \"kube-dns\")");
  EXPECT_EQ(message("dns:///models:0"), "port must be between 1 and 65535 (got 0)");
  EXPECT_EQ(message("ipv4:127.0.0.1:9001,127.0.0.1"),
            "ipv4: address 2 of 2 (\"127.0.0.1\") must be an IPv4 address:port, e.g. "
            "ipv4:10.0.0.1:9000,10.0.0.2:9000");
  EXPECT_EQ(message("ipv4:models:9001"),
            "ipv4: address 1 of 1 (\"models:9001\") must be an IPv4 address:port, e.g. "
            "ipv4:10.0.0.1:9000,10.0.0.2:9000");
  EXPECT_EQ(message("ipv4:127.0.0.1:9001,"),
            "ipv4: address 2 of 2 (\"\") must be an IPv4 address:port, e.g. "
            "ipv4:10.0.0.1:9000,10.0.0.2:9000");
  EXPECT_EQ(message("ipv4:127.0.0.1:70000"),
            "ipv4: address 1 of 1 (\"127.0.0.1:70000\"): port must be between 1 and 65535 "
            "(got 70000)");
  EXPECT_EQ(message("ipv4:///127.0.0.1:9001"),
            "must list addresses right after \"ipv4:\", e.g. ipv4:10.0.0.1:9000,10.0.0.2:9000 "
            "(got \"ipv4:///127.0.0.1:9001\")");
  EXPECT_EQ(message("ipv6:::1:9001"),
            "ipv6: address 1 of 1 (\"::1:9001\") must be [IPv6 address]:port, e.g. "
            "ipv6:[fd00::1]:9000,[fd00::2]:9000");
  EXPECT_EQ(message("xds:///models"),
            "unsupported target scheme \"xds\" (use host:port or a gRPC target such as "
            "dns:///host:port, ipv4:addr:port,addr:port, ipv6:[addr]:port or unix:path)");
  EXPECT_EQ(message("models"),
            "must be host:port or a gRPC target such as dns:///host:port, "
            "ipv4:addr:port,addr:port, ipv6:[addr]:port or unix:path (got \"models\")");
  EXPECT_EQ(message("unix-abstract:"),
            "unix-abstract: address needs a name, e.g. unix-abstract:model");
  for (const char* bad : {"", "dns:", "dns:///", "ipv4:", "ipv6:", "ipv4:1.2.3:80",
                          "ipv4:256.0.0.1:80", "ipv6:[fd00::g]:80", "host :80", "dns:///a b:1"}) {
    EXPECT_FALSE(CheckBackendAddress(bad).ok()) << bad;
  }
}

TEST(UpstreamConfig, DefaultsSuitASidecar) {
  LoadResult r = Load("backends:\n"
                      "  - {name: a, address: \"dns:///models.ns.svc.cluster.local:9000\"}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const Backend& b = r.config.backends[0];
  EXPECT_EQ(b.address, "dns:///models.ns.svc.cluster.local:9000");
  EXPECT_EQ(b.lb_policy, LbPolicy::kRoundRobin);
  EXPECT_EQ(b.upstream.reconnect_initial_seconds, 0.1);
  EXPECT_EQ(b.upstream.reconnect_max_seconds, 1);
  EXPECT_EQ(b.upstream.connect_timeout_seconds, 5);
  EXPECT_EQ(r.config.proxy.upstream, b.upstream);
}

TEST(UpstreamConfig, BackendsOverrideProxyUpstreamKeyByKey) {
  LoadResult r = Load(
      "proxy:\n"
      "  upstream: {reconnect_initial_seconds: 0.5, reconnect_max_seconds: 10,"
      " connect_timeout_seconds: 2}\n"
      "backends:\n"
      "  - {name: a, address: 127.0.0.1:9001, lb_policy: pick_first}\n"
      "  - name: b\n"
      "    address: \"ipv4:127.0.0.1:9002,127.0.0.1:9003\"\n"
      "    upstream: {reconnect_max_seconds: 2}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const UpstreamConfig& a = r.config.backends[0].upstream;
  const UpstreamConfig& b = r.config.backends[1].upstream;
  EXPECT_EQ(r.config.backends[0].lb_policy, LbPolicy::kPickFirst);
  EXPECT_EQ(r.config.backends[1].lb_policy, LbPolicy::kRoundRobin);
  EXPECT_EQ(a, r.config.proxy.upstream);
  EXPECT_EQ(a.reconnect_initial_seconds, 0.5);
  EXPECT_EQ(a.reconnect_max_seconds, 10);
  EXPECT_EQ(a.connect_timeout_seconds, 2);
  EXPECT_EQ(b.reconnect_initial_seconds, 0.5);
  EXPECT_EQ(b.reconnect_max_seconds, 2);
  EXPECT_EQ(b.connect_timeout_seconds, 2);
}

TEST(UpstreamConfig, RejectsUnknownPoliciesAndOutOfRangeBackoffWithPositions) {
  EXPECT_THAT(
      Load("proxy:\n"                                                                  // 3
           "  upstream: {reconnect_initial_seconds: 0, connect_timeout_seconds: 7200,"
           " reconect_max_seconds: 1}\n"                                               // 4
           "backends:\n"                                                               // 5
           "  - {name: a, address: 127.0.0.1:9001, lb_policy: round_robbin}\n"        // 6
           "  - {name: b, address: 127.0.0.1:9002, lb_policy: least_request}\n"        // 7
           "  - {name: c, address: \"ipv4:127.0.0.1\"}\n")                             // 8
          .errors,
      ElementsAre(
          "c.yaml:4:41: proxy.upstream.reconnect_initial_seconds: must be >= 0.1 (got 0)",
          "c.yaml:4:69: proxy.upstream.connect_timeout_seconds: must be <= 3600 (got 7200)",
          "c.yaml:4:75: proxy.upstream.reconect_max_seconds: unknown key "
          "\"reconect_max_seconds\" (did you mean \"reconnect_max_seconds\"?)",
          "c.yaml:6:51: backends[0].lb_policy: must be one of round_robin, pick_first (got "
          "\"round_robbin\"); did you mean \"round_robin\"?",
          "c.yaml:7:51: backends[1].lb_policy: must be one of round_robin, pick_first (got "
          "\"least_request\")",
          "c.yaml:8:24: backends[2].address: ipv4: address 1 of 1 (\"127.0.0.1\") must be an "
          "IPv4 address:port, e.g. ipv4:10.0.0.1:9000,10.0.0.2:9000"));
}

TEST(UpstreamConfig, RejectsInitialBackoffAboveMaxWhereItWasSet) {
  EXPECT_THAT(
      Load("proxy:\n"                                                                   // 3
           "  upstream: {reconnect_initial_seconds: 2, reconnect_max_seconds: 1}\n"     // 4
           "backends:\n"                                                                // 5
           "  - {name: a, address: 127.0.0.1:9001}\n")                                  // 6
          .errors,
      ElementsAre("c.yaml:4:41: proxy.upstream.reconnect_initial_seconds: "
                  "reconnect_initial_seconds (2) must not exceed reconnect_max_seconds (1)"));
  EXPECT_THAT(
      Load("backends:\n"                                                                // 3
           "  - name: a\n"                                                              // 4
           "    address: 127.0.0.1:9001\n"                                              // 5
           "    upstream: {reconnect_max_seconds: 0.05}\n"                              // 6
           "  - name: b\n"                                                              // 7
           "    address: 127.0.0.1:9002\n"                                              // 8
           "    upstream: {reconnect_max_seconds: 0.1, connect_timeout_seconds: 1}\n")  // 9
          .errors,
      ElementsAre("c.yaml:6:39: backends[0].upstream.reconnect_max_seconds: must be >= 0.1 "
                  "(got 0.05)"));
  EXPECT_THAT(
      Load("proxy: {upstream: {reconnect_initial_seconds: 0.5}}\n"                      // 3
           "backends:\n"                                                                // 4
           "  - name: a\n"                                                              // 5
           "    address: 127.0.0.1:9001\n"                                              // 6
           "    upstream: {reconnect_max_seconds: 0.2}\n")                              // 7
          .errors,
      ElementsAre("c.yaml:7:39: backends[0].upstream.reconnect_max_seconds: "
                  "reconnect_initial_seconds (0.5, from proxy.upstream) must not exceed "
                  "reconnect_max_seconds (0.2)"));
}

}  // namespace
}  // namespace modelgate::config

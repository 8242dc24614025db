// gRPC target URIs resolved for the frame-level data plane (h2/target.h).
#include "h2/target.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <gtest/gtest.h>

namespace modelgate::h2 {
namespace {

int Port(const Endpoint& e) {
  if (e.addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(e.addr).sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6&>(e.addr).sin6_port);
}

TEST(Target, HostPortAndDnsForms) {
  for (const char* t : {"127.0.0.1:9000", "dns:127.0.0.1:9000", "dns:///127.0.0.1:9000",
                        "dns://8.8.8.8/127.0.0.1:9000", "localhost:9000"}) {
    auto r = ResolveTarget(t, "");
    ASSERT_TRUE(r.ok()) << t << ": " << r.status();
    ASSERT_FALSE(r->endpoints.empty()) << t;
    EXPECT_EQ(Port(r->endpoints[0]), 9000) << t;
  }
  EXPECT_EQ(ResolveTarget("dns:///127.0.0.1:9000", "")->authority, "127.0.0.1:9000");
  EXPECT_EQ(ResolveTarget("127.0.0.1:9000", "model.example")->authority, "model.example");
}

TEST(Target, Ipv4ListsGiveEveryAddress) {
  auto r = ResolveTarget("ipv4:127.0.0.1:1000,127.0.0.2:2000", "");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->endpoints.size(), 2u);
  EXPECT_EQ(Port(r->endpoints[0]), 1000);
  EXPECT_EQ(Port(r->endpoints[1]), 2000);
  EXPECT_NE(r->endpoints[0].key, r->endpoints[1].key);
  auto v6 = ResolveTarget("ipv6:[::1]:3000", "");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->endpoints[0].addr.ss_family, AF_INET6);
}

TEST(Target, OnlyNamesAreMarkedForDnsRefresh) {
  EXPECT_TRUE(ResolveTarget("localhost:9000", "")->dns);
  EXPECT_TRUE(ResolveTarget("dns:///localhost:9000", "")->dns);
  EXPECT_FALSE(ResolveTarget("127.0.0.1:9000", "")->dns);
  EXPECT_FALSE(ResolveTarget("dns:///127.0.0.1:9000", "")->dns);
  EXPECT_FALSE(ResolveTarget("[::1]:9000", "")->dns);
  EXPECT_FALSE(ResolveTarget("ipv4:127.0.0.1:1000", "")->dns);
  EXPECT_FALSE(ResolveTarget("unix:/tmp/model.sock", "")->dns);
}

TEST(Target, UnixSockets) {
  auto r = ResolveTarget("unix:/tmp/model.sock", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->endpoints[0].addr.ss_family, AF_UNIX);
  EXPECT_STREQ(reinterpret_cast<const sockaddr_un&>(r->endpoints[0].addr).sun_path,
               "/tmp/model.sock");
  auto a = ResolveTarget("unix-abstract:model", "");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(reinterpret_cast<const sockaddr_un&>(a->endpoints[0].addr).sun_path[0], '\0');
}

TEST(Target, ErrorsSayWhat) {
  auto no_port = ResolveTarget("127.0.0.1", "");
  ASSERT_FALSE(no_port.ok());
  EXPECT_NE(no_port.status().message().find("not host:port"), absl::string_view::npos);
  auto bad = ResolveTarget("no-such-host.invalid:9000", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot resolve"), absl::string_view::npos);
}

}  // namespace
}  // namespace modelgate::h2

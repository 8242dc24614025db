// Backend resolution and its periodic refresh (proxy/backend_resolution.h), with a stand-in
// resolver whose answers the test changes (no DNS server here): settings applied to the keys,
// new addresses swapped in, unchanged ones left alone, failures keeping the last good addresses,
// literal addresses never refreshed.
#include "proxy/backend_resolution.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

class FakeDns {
 public:
  // The answer for every name from now on: these ipv4 addresses, or a failure when empty.
  void Answer(std::vector<std::string> addresses) { addresses_ = std::move(addresses); }

  Resolver resolver() {
    return [this](std::string_view target, std::string_view authority)
               -> absl::StatusOr<h2::ResolvedTarget> {
      ++lookups_;
      if (addresses_.empty()) return absl::UnavailableError("cannot resolve: no such name");
      std::string list = "ipv4:";
      for (size_t i = 0; i < addresses_.size(); ++i) list += (i ? "," : "") + addresses_[i];
      auto r = h2::ResolveTarget(list, authority.empty() ? target : authority);
      if (r.ok()) r->dns = true;
      return r;
    };
  }
  int lookups() const { return lookups_; }

 private:
  std::vector<std::string> addresses_;
  int lookups_ = 0;
};

config::Backend Named() {
  config::Backend b;
  b.name = "candidate";
  b.address = "dns:///candidate.models.svc:9000";
  b.upstream.connect_timeout_seconds = 2;
  return b;
}

std::vector<std::string> Keys(const Resolution& r) {
  std::vector<std::string> keys;
  for (const h2::Endpoint& e : r.target->endpoints) keys.push_back(e.key);
  return keys;
}

TEST(BackendResolution, SettingsPrefixEveryKey) {
  FakeDns dns;
  dns.Answer({"127.0.0.1:9000", "127.0.0.2:9000"});
  auto r = ResolveBackend(Named(), dns.resolver());
  ASSERT_NE(r->target, nullptr) << r->error;
  EXPECT_EQ(r->target->endpoints.size(), 2u);
  EXPECT_EQ(r->target->connect_timeout, absl::Seconds(2));
  for (const std::string& key : Keys(*r)) {
    EXPECT_EQ(key.rfind(r->target->settings_key + "|", 0), 0u) << "key not prefixed";
  }
}

TEST(BackendResolution, NewAddressesAreSwappedInAndUnchangedOnesLeftAlone) {
  FakeDns dns;
  dns.Answer({"127.0.0.1:9000"});
  const config::Backend b = Named();
  std::atomic<std::shared_ptr<const Resolution>> current(ResolveBackend(b, dns.resolver()));
  const std::shared_ptr<const Resolution> first = current.load();
  std::string error;

  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kUnchanged);
  EXPECT_EQ(current.load(), first) << "an unchanged answer must not replace the resolution";

  dns.Answer({"127.0.0.3:9000", "127.0.0.4:9000"});  // the pods were replaced
  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kChanged);
  const std::shared_ptr<const Resolution> second = current.load();
  ASSERT_NE(second, first);
  ASSERT_EQ(second->target->endpoints.size(), 2u);
  EXPECT_NE(Keys(*second)[0], Keys(*first)[0]);
  // Readers that took the first resolution keep a valid one.
  EXPECT_EQ(first->target->endpoints.size(), 1u);

  dns.Answer({"127.0.0.4:9000", "127.0.0.3:9000"});  // order matters (pick_first takes the first)
  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kChanged);
}

TEST(BackendResolution, AFailedLookupKeepsTheLastAddresses) {
  FakeDns dns;
  dns.Answer({"127.0.0.1:9000"});
  const config::Backend b = Named();
  std::atomic<std::shared_ptr<const Resolution>> current(ResolveBackend(b, dns.resolver()));
  const std::shared_ptr<const Resolution> good = current.load();
  dns.Answer({});
  std::string error;
  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kFailed);
  EXPECT_EQ(error, "cannot resolve: no such name");
  EXPECT_EQ(current.load(), good);
}

TEST(BackendResolution, ANameThatDidNotResolveAtFirstIsPickedUpLater) {
  FakeDns dns;
  const config::Backend b = Named();
  std::atomic<std::shared_ptr<const Resolution>> current(ResolveBackend(b, dns.resolver()));
  ASSERT_EQ(current.load()->target, nullptr);
  EXPECT_EQ(current.load()->error, "cannot resolve: no such name");
  dns.Answer({"127.0.0.1:9000"});
  std::string error;
  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kChanged);
  ASSERT_NE(current.load()->target, nullptr);
}

TEST(BackendResolution, LiteralAddressesAreNeverLookedUpAgain) {
  config::Backend b = Named();
  b.address = "ipv4:127.0.0.1:9000,127.0.0.2:9000";
  std::atomic<std::shared_ptr<const Resolution>> current(ResolveBackend(b));
  FakeDns dns;
  std::string error;
  EXPECT_EQ(RefreshBackend(b, current, &error, dns.resolver()), RefreshResult::kNotDns);
  EXPECT_EQ(dns.lookups(), 0);
}

}  // namespace
}  // namespace modelgate::proxy

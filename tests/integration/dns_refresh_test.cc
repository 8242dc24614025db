// DNS refresh end to end (proxy/backend_resolution.h): a backend named `dns:///model.test:PORT`
// follows the name as its addresses change, as the pods behind a headless Service come and go:
// a second address is added, the first removed (and its server killed), then the name stops
// resolving and the last addresses stay in use. The name lives in /etc/hosts, which only a
// private mount namespace lets a test rewrite, and the second pod listens on 127.0.0.2, which
// only a private network namespace makes ours: the test runs itself again under
// `unshare --net --mount` (and skips, saying why, where namespaces are refused).
#include <fcntl.h>
#include <grpcpp/client_context.h>
#include <linux/limits.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using std::chrono::seconds;

constexpr char kInNamespace[] = "MODELGATE_DNS_TEST_IN_NAMESPACE";
constexpr char kSetupFailed[] = "namespace set-up failed: ";
constexpr char kTestName[] = "DnsRefresh.FollowsANameAsItsAddressesChange";
constexpr char kUnshare[] = "/usr/bin/unshare";

std::string SelfPath() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// unshare's flags: a user namespace too when we are not root (it maps us to root inside).
std::vector<std::string> UnshareArgv() {
  std::vector<std::string> argv = {kUnshare, "--net", "--mount"};
  if (::geteuid() != 0) argv.push_back("--map-root-user");
  return argv;
}

// Inside the namespaces: loopback up (a new network namespace starts with it down).
std::string BringLoopbackUp() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::StrCat("socket: ", std::strerror(errno));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  std::string error;
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    error = absl::StrCat("SIOCGIFFLAGS lo: ", std::strerror(errno));
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);  // NOLINT(runtime/int)
    if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) {
      error = absl::StrCat("SIOCSIFFLAGS lo: ", std::strerror(errno));
    }
  }
  ::close(fd);
  return error;
}

// Rewrites `path` in place: the bind mount over /etc/hosts holds this inode, so a
// write-and-rename would not be seen. Every version is padded to the same length and written by
// one pwrite, with no truncation, so a resolver never reads an empty or half-written file.
void Rewrite(const std::string& path, const std::string& text) {
  constexpr size_t kSize = 512;
  ASSERT_LT(text.size(), kSize);
  std::string padded = text + "#";
  padded.resize(kSize - 1, '#');
  padded.push_back('\n');
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  EXPECT_EQ(::pwrite(fd, padded.data(), padded.size(), 0), static_cast<ssize_t>(kSize));
  ::close(fd);
}

std::string Call(Echo::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
  EchoRequest req;
  EchoResponse resp;
  return stub.Unary(&ctx, req, &resp).ok() ? resp.server_name() : "error";
}

std::map<std::string, int> Spread(Echo::Stub& stub, int n) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) ++counts[Call(stub)];
  return counts;
}

// The scenario, once inside the namespaces.
void RunInNamespace() {
  if (std::string error = BringLoopbackUp(); !error.empty()) {
    GTEST_SKIP() << kSetupFailed << error;
  }
  testutil::TempDir dir;
  const std::string hosts = dir.path() + "/hosts";
  Rewrite(hosts, "127.0.0.1 localhost\n");
  if (::mount(hosts.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << kSetupFailed << "bind mount over /etc/hosts: " << std::strerror(errno);
  }
  auto a = testutil::StartFakeModel("a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = testutil::StartFakeModel("b", {"--host=127.0.0.2", absl::StrCat("--port=", a->port)});
  ASSERT_TRUE(b.ok()) << b.status();

  Rewrite(hosts, "127.0.0.1 localhost\n127.0.0.1 model.test\n");
  const std::string log = dir.path() + "/modelgate.log";
  testutil::Modelgate::Options options;
  options.stderr_path = log;
  auto mg = testutil::Modelgate::Start(
      dir.Write("config.yaml",
                testutil::LoopbackConfig({{"legacy", absl::StrCat("dns:///model.test:", a->port)}},
                                         R"(
proxy: {dns_refresh_seconds: 0.2}
routes:
  - {name: echo, strategy: forward, forward: {backend: legacy}}
)")),
      options);
  ASSERT_TRUE(mg.ok()) << mg.status();
  auto stub = Echo::NewStub((*mg)->NewChannel());
  EXPECT_EQ(Spread(*stub, 20), (std::map<std::string, int>{{"a", 20}}));

  // A pod is added: calls spread over both addresses.
  Rewrite(hosts, "127.0.0.1 localhost\n127.0.0.1 model.test\n127.0.0.2 model.test\n");
  ASSERT_TRUE(testutil::PollUntil([&] { return Call(*stub) == "b"; }, seconds(20)))
      << "the added address never got a call";
  std::map<std::string, int> both = Spread(*stub, 40);
  EXPECT_EQ(both.count("error"), 0u);
  EXPECT_GE(both["a"], 10);
  EXPECT_GE(both["b"], 10);

  // The first pod goes away: once the name no longer lists it, no call goes there, and killing
  // it costs no call.
  Rewrite(hosts, "127.0.0.1 localhost\n127.0.0.2 model.test\n");
  int in_a_row = 0;
  ASSERT_TRUE(testutil::PollUntil(
      [&] {
        in_a_row = Call(*stub) == "b" ? in_a_row + 1 : 0;
        return in_a_row == 20;
      },
      seconds(20)))
      << "calls kept going to the removed address";
  a->process.Signal(SIGKILL);
  ASSERT_TRUE(a->process.WaitExit(seconds(10)).has_value());
  EXPECT_EQ(Spread(*stub, 30), (std::map<std::string, int>{{"b", 30}}));

  // The name stops resolving: the last addresses stay in use, and the failure is logged (a
  // new warning: a resolver that read the file mid-rewrite may have logged one before).
  auto warnings = [&] {
    int n = 0;
    for (const std::string& line : testutil::ReadLines(log)) {
      n += line.find("did not resolve again, its last addresses stay in use") != std::string::npos;
    }
    return n;
  };
  const int warned_before = warnings();
  Rewrite(hosts, "127.0.0.1 localhost\n");
  EXPECT_TRUE(testutil::PollUntil([&] { return warnings() > warned_before; }, seconds(20)))
      << "no warning for the name that stopped resolving";
  EXPECT_EQ(Spread(*stub, 20), (std::map<std::string, int>{{"b", 20}}));
}

TEST(DnsRefresh, FollowsANameAsItsAddressesChange) {
  if (std::getenv(kInNamespace) != nullptr) {
    RunInNamespace();
    return;
  }
  // Outside: probe, then run this same test in fresh namespaces and report what it said.
  if (::access(kUnshare, X_OK) != 0) {
    GTEST_SKIP() << kUnshare << " is missing (util-linux); DNS refresh stays covered by "
                 << "backend_resolution_test's resolver stubs";
  }
  std::vector<std::string> probe = UnshareArgv();
  probe.push_back("/bin/true");
  auto probe_run = testutil::ChildProcess::Spawn(probe);
  ASSERT_TRUE(probe_run.ok()) << probe_run.status();
  const std::optional<int> probe_rc = probe_run->WaitExit(seconds(10));
  if (probe_rc != 0) {
    GTEST_SKIP() << "network and mount namespaces are refused here (" << kUnshare
                 << " --net --mount exited " << probe_rc.value_or(-1)
                 << "); DNS refresh stays covered by backend_resolution_test's resolver stubs";
  }
  std::vector<std::string> argv = {"/usr/bin/env", absl::StrCat(kInNamespace, "=1")};
  for (std::string& arg : UnshareArgv()) argv.push_back(std::move(arg));
  argv.insert(argv.end(), {SelfPath(), absl::StrCat("--gtest_filter=", kTestName)});
  auto inner = testutil::ChildProcess::Spawn(argv);
  ASSERT_TRUE(inner.ok()) << inner.status();
  auto output = inner->ReadAllWithTimeout(seconds(120));
  ASSERT_TRUE(output.ok()) << output.status();
  const std::optional<int> rc = inner->WaitExit(seconds(10));
  std::printf("%s", output->c_str());  // the inner run's own report
  if (const size_t at = output->find(kSetupFailed); at != std::string::npos && rc == 0) {
    GTEST_SKIP() << output->substr(at, output->find('\n', at) - at);
  }
  EXPECT_EQ(rc, 0) << "the run inside the namespaces failed (its output is above)";
  EXPECT_TRUE(absl::StrContains(*output, "[  PASSED  ] 1 test")) << "it did not pass";
}

}  // namespace
}  // namespace modelgate

// The gRPC listener under connection floods and descriptor exhaustion, through a real modelgate
// process whose RLIMIT_NOFILE is lowered with prlimit(1): connections over the cap are refused
// at once and counted, EMFILE does not stop the listener (gRPC 1.51's own listener stops
// accepting for good after it), idle connections are closed, the soft descriptor limit is raised
// to the hard one, and readiness and liveness report a listener that refuses clients.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using testing::Echo;
using testing::EchoRequest;
using testing::EchoResponse;
using testutil::ListeningProcess;
using testutil::Modelgate;

constexpr auto kBudget = std::chrono::seconds(20);
constexpr char kRejectedLimit[] = R"(modelgate_client_connections_rejected_total{reason="limit"})";
constexpr char kRejectedFds[] =
    R"(modelgate_client_connections_rejected_total{reason="file_descriptors"})";

// A TCP connection that never speaks: what a port scanner or a stuck client holds open.
class RawConnection {
 public:
  explicit RawConnection(const std::string& address) {
    const size_t colon = address.rfind(':');
    int port = 0;
    if (!absl::SimpleAtoi(address.substr(colon + 1), &port)) return;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = {};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) Close();
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Whether the server closed (or reset) the connection within `timeout`; bytes it sent first
  // (its HTTP/2 SETTINGS, a GOAWAY) are read and skipped.
  bool ClosedByServerWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p = {fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;  // EOF or reset
    }
    return false;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class ListenerTest : public ::testing::Test {
 protected:
  void Start(const std::string& proxy_settings, const std::vector<std::string>& launcher) {
    auto backend = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_.emplace(std::move(*backend));
    const std::string config = testutil::LoopbackConfig(
        {{"legacy", backend_->address}},
        absl::StrCat(proxy_settings.empty() ? "" : "proxy:\n", proxy_settings,
                     "routes:\n"
                     "  - {name: echo, strategy: forward, forward: {backend: legacy}}\n"));
    auto mg = Modelgate::Start(dir_.Write("config.yaml", config), launcher);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
  }

  // One call on a fresh connection (a new channel, so the listener must accept it).
  grpc::Status FreshCall() {
    auto stub = Echo::NewStub(mg_->NewChannel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EchoResponse resp;
    return stub->Unary(&ctx, EchoRequest(), &resp);
  }

  bool EventuallyServesAFreshCall() {
    return testutil::PollUntil([&] { return FreshCall().ok(); }, kBudget,
                               std::chrono::milliseconds(200));
  }

  std::vector<std::unique_ptr<RawConnection>> Flood(int n) {
    std::vector<std::unique_ptr<RawConnection>> conns;
    for (int i = 0; i < n; ++i) {
      conns.push_back(std::make_unique<RawConnection>(mg_->grpc_address()));
    }
    return conns;
  }

  testutil::TempDir dir_;
  std::optional<ListeningProcess> backend_;
  std::unique_ptr<Modelgate> mg_;
};

TEST_F(ListenerTest, ConnectionsOverTheCapAreRefusedAtOnceAndTheListenerRecovers) {
  ASSERT_NO_FATAL_FAILURE(Start("  max_client_connections: 20\n", {}));
  ASSERT_TRUE(FreshCall().ok());
  auto held = Flood(20);  // with the call's connection, one over the cap
  auto extra = Flood(5);
  int refused = 0;
  for (auto& c : extra) refused += c->ClosedByServerWithin(kBudget) ? 1 : 0;
  EXPECT_GE(refused, 5);
  // The counter is incremented just after the reset is sent: poll.
  EXPECT_TRUE(testutil::PollUntil([&] { return mg_->Metric(kRejectedLimit) >= 5; }, kBudget));
  EXPECT_EQ(mg_->Metric(kRejectedFds), 0);
  // Readiness and liveness say why: Kubernetes must stop sending (and eventually restart).
  for (const char* path : {"/readyz", "/healthz"}) {
    testutil::HttpResponse r = mg_->Get(path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_NE(r.body.find("max_client_connections"), std::string::npos) << path << ": " << r.body;
  }
  held.clear();
  EXPECT_TRUE(EventuallyServesAFreshCall()) << "the listener never accepted again";
  EXPECT_TRUE(testutil::PollUntil([&] { return mg_->Get("/readyz").status == 200; }, kBudget,
                                  std::chrono::milliseconds(200)));
}

TEST_F(ListenerTest, RunningOutOfDescriptorsDoesNotStopTheListener) {
  // A cap above the descriptor limit lets the flood reach EMFILE.
  ASSERT_NO_FATAL_FAILURE(Start("  max_client_connections: 100000\n", {"/usr/bin/prlimit", "--nofile=128:128", "--"}));
  auto held = Flood(200);
  EXPECT_TRUE(testutil::PollUntil([&] { return mg_->Metric(kRejectedFds) > 0; }, kBudget))
      << "no connection was refused for lack of descriptors";
  held.clear();
  EXPECT_TRUE(EventuallyServesAFreshCall()) << "the listener died with EMFILE";
}

TEST_F(ListenerTest, TheDefaultCapStaysBelowTheDescriptorLimit) {
  ASSERT_NO_FATAL_FAILURE(Start("", {"/usr/bin/prlimit", "--nofile=128:128", "--"}));
  auto held = Flood(150);
  EXPECT_TRUE(testutil::PollUntil([&] { return mg_->Metric(kRejectedLimit) > 0; }, kBudget));
  EXPECT_EQ(mg_->Metric(kRejectedFds), 0) << "the default cap let clients exhaust descriptors";
  held.clear();
  EXPECT_TRUE(EventuallyServesAFreshCall());
}

TEST_F(ListenerTest, IdleClientConnectionsAreClosed) {
  ASSERT_NO_FATAL_FAILURE(Start("  client_idle_timeout_seconds: 1\n", {}));
  RawConnection idle(mg_->grpc_address());
  ASSERT_TRUE(idle.connected());
  EXPECT_TRUE(idle.ClosedByServerWithin(kBudget)) << "an idle connection was kept open";
  EXPECT_TRUE(FreshCall().ok());
}

TEST_F(ListenerTest, SoftDescriptorLimitIsRaisedToTheHardLimit) {
  ASSERT_NO_FATAL_FAILURE(Start("", {"/usr/bin/prlimit", "--nofile=256:4096", "--"}));
  std::ifstream limits(absl::StrCat("/proc/", mg_->process().pid(), "/limits"));
  std::string line;
  std::string open_files;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) open_files = line;
  }
  std::vector<std::string> fields = absl::StrSplit(open_files, ' ', absl::SkipEmpty());
  ASSERT_GE(fields.size(), 5u) << open_files;
  EXPECT_EQ(fields[3], "4096") << open_files;  // soft
  EXPECT_EQ(fields[4], "4096") << open_files;  // hard
}

}  // namespace
}  // namespace modelgate

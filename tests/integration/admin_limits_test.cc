// The admin port under abuse, through a real `modelgate serve`: slow clients, a slow loris, a
// 500 MB body, a burst of 500 scrapes and an exhausted descriptor table. In every case the
// health probes keep answering and memory stays flat. Timeouts are generous bounds, never
// measurements; the figures seen are printed for the record.
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "testing/raw_http.h"

namespace modelgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using testutil::RawConnection;

// A kubelet probe's timeout is 1 s by default; this bound is only hit if probes are starved.
constexpr milliseconds kProbeTimeout(5'000);

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t RssKiB(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  int64_t kib = -1;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2) (void)absl::SimpleAtoi(parts[1], &kib);
    }
  }
  return kib;
}

int OpenDescriptors(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n - 2;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const std::vector<std::string> fields =
      absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  int64_t utime = 0, stime = 0;
  (void)absl::SimpleAtoi(fields[11], &utime);
  (void)absl::SimpleAtoi(fields[12], &stime);
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

class AdminLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    auto legacy = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(legacy.ok()) << legacy.status();
    legacy_.emplace(std::move(*legacy));
  }
  void Start(const std::vector<std::string>& launcher = {}, const std::string& proxy = "") {
    const std::string path = dir_.Write(
        "config.yaml",
        testutil::LoopbackConfig({{"legacy", legacy_->address}},
                                 proxy + "routes: [{name: r, strategy: forward, forward: {backend: "
                                         "legacy}}]\n"));
    auto mg = testutil::Modelgate::Start(path, launcher);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
  }
  pid_t pid() { return mg_->process().pid(); }
  RawConnection Connect() {
    auto c = RawConnection::Connect(mg_->admin_port());
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }
  // One probe on a new connection, as the kubelet sends it; its status (0: no answer in
  // time). Records the slowest answer.
  int Probe(const std::string& path) {
    const Clock::time_point start = Clock::now();
    auto r = testutil::RawRequest(
        mg_->admin_port(),
        absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n"),
        kProbeTimeout);
    slowest_probe_ = std::max(slowest_probe_, Clock::now() - start);
    ++probes_;
    return r.ok() ? r->status : 0;
  }

  testutil::TempDir dir_;
  std::optional<testutil::ListeningProcess> legacy_;
  std::unique_ptr<testutil::Modelgate> mg_;
  Clock::duration slowest_probe_{};
  int probes_ = 0;
};

TEST_F(AdminLimits, SixteenSlowClientsStayConnectedWhileReadyzAnswers) {
  Start();
  std::vector<RawConnection> slow;
  for (int i = 0; i < 16; ++i) slow.push_back(Connect());
  // One byte every 2 s each: 4 bytes in 8 s, inside the 10 s request timeout.
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
  std::atomic<bool> sending{true};
  std::atomic<int> send_failures{0};
  std::thread sender([&] {
    for (int i = 0; i < 4; ++i) {
      for (RawConnection& c : slow) send_failures += c.Send(request.substr(i, 1)) ? 0 : 1;
      std::this_thread::sleep_for(seconds(2));
    }
    sending = false;
  });
  int not_ok = 0;
  while (sending) {
    not_ok += Probe("/readyz") == 200 ? 0 : 1;
    std::this_thread::sleep_for(milliseconds(100));
  }
  sender.join();
  EXPECT_EQ(not_ok, 0) << "of " << probes_ << " /readyz probes";
  EXPECT_EQ(send_failures, 0);
  int closed = 0;
  for (RawConnection& c : slow) closed += c.WaitClosed(milliseconds(0)) ? 1 : 0;
  EXPECT_EQ(closed, 0);  // still waiting for their requests
  std::cout << "[ figures  ] " << probes_ << " /readyz probes among 16 slow clients, slowest "
            << Seconds(slowest_probe_) * 1000 << " ms\n";
}

TEST_F(AdminLimits, ASlowLorisGets408AndIsClosed) {
  Start();
  RawConnection loris = Connect();
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Padding: ";
  std::atomic<bool> stop{false};
  const Clock::time_point first_byte = Clock::now();
  std::thread sender([&] {
    for (size_t i = 0; !stop && loris.Send(request.substr(i % request.size(), 1)); ++i) {
      std::this_thread::sleep_for(seconds(2));
    }
  });
  auto r = loris.ReadResponse(seconds(30));
  const Clock::duration answered_after = Clock::now() - first_byte;
  const bool closed = loris.WaitClosed(seconds(10));
  stop = true;
  shutdown(loris.fd(), SHUT_RDWR);  // wakes a sender blocked on the socket
  sender.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(closed);
  EXPECT_EQ(Probe("/healthz"), 200);
  std::cout << "[ figures  ] slow loris answered 408 after " << Seconds(answered_after)
            << " s\n";
}

TEST_F(AdminLimits, AHugeBodyIsRefusedWith413AndMemoryStaysFlat) {
  Start();
  ASSERT_EQ(mg_->Get("/metrics").status, 200);  // warm up the paths a request touches
  const int64_t rss_before = RssKiB(pid());
  RawConnection c = Connect();
  constexpr int64_t kBody = 500LL << 20;
  ASSERT_TRUE(c.Send(absl::StrCat("POST /api/v1/reload HTTP/1.1\r\nHost: a\r\n"
                                  "Content-Length: ", kBody, "\r\n\r\n")));
  std::atomic<int64_t> sent{0};
  std::thread sender([&] {
    const std::string chunk(1 << 20, 'x');
    while (sent < kBody && c.Send(chunk)) sent += chunk.size();
  });
  auto r = c.ReadResponse(seconds(10));
  sender.join();  // ends when the server closes the connection (or all was sent)
  const int64_t rss_after = RssKiB(pid());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_LT(rss_after - rss_before, 4 * 1024) << "KiB";
  EXPECT_EQ(Probe("/readyz"), 200);
  std::cout << "[ figures  ] 500 MB body: 413; client pushed " << (sent >> 20)
            << " MiB before the close; VmRSS " << rss_before << " -> " << rss_after << " KiB\n";
}

TEST_F(AdminLimits, FiveHundredParallelScrapesAreAllAnsweredWhileReadyzAnswers) {
  Start();
  constexpr int kClients = 500;
  const Clock::time_point deadline = Clock::now() + seconds(60);
  std::latch ready(kClients + 1);
  std::atomic<int> ok{0}, retried{0}, failed{0}, done{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      ready.arrive_and_wait();
      while (Clock::now() < deadline) {
        auto r = testutil::RawRequest(mg_->admin_port(),
                                      "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", seconds(30));
        if (r.ok() && r->status == 200 &&
            r->body.find("modelgate_build_info") != std::string::npos) {
          ++ok;
          break;
        }
        if (!r.ok() || r->status != 503 || r->Header("retry-after") != "1") {
          ++failed;
          break;
        }
        ++retried;  // told to come back in a second: a well-behaved client does
        std::this_thread::sleep_for(seconds(1));
      }
      ++done;
    });
  }
  const Clock::time_point start = Clock::now();
  ready.arrive_and_wait();
  int readyz_not_ok = 0;
  while (done < kClients && Clock::now() < deadline) {
    readyz_not_ok += Probe("/readyz") == 200 ? 0 : 1;
    std::this_thread::sleep_for(milliseconds(50));
  }
  const Clock::duration elapsed = Clock::now() - start;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, kClients);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(readyz_not_ok, 0) << "of " << probes_ << " /readyz probes";
  std::cout << "[ figures  ] " << kClients << " parallel /metrics: all answered in "
            << Seconds(elapsed) << " s, " << retried << " of them told to retry (503); "
            << probes_ << " /readyz probes meanwhile, slowest "
            << Seconds(slowest_probe_) * 1000 << " ms\n";
}

TEST_F(AdminLimits, OutOfDescriptorsHealthzIsStillAnswered) {
  // A client-connection cap above the descriptor limit lets raw TCP connections to the gRPC
  // port take every descriptor the process has left (they wait for their HTTP/2 preface); the
  // admin server cannot free those. (By default the cap stays below the limit.)
  Start({"/usr/bin/prlimit", "--nofile=64:64", "--"}, "proxy: {max_client_connections: 1000}\n");
  std::vector<RawConnection> grpc;
  const int grpc_port = std::stoi(mg_->grpc_address().substr(mg_->grpc_address().rfind(':') + 1));
  for (int i = 0; i < 80; ++i) {
    auto c = RawConnection::Connect(grpc_port);
    ASSERT_TRUE(c.ok()) << c.status();
    grpc.push_back(std::move(*c));
  }
  ASSERT_TRUE(testutil::PollUntil([&] { return OpenDescriptors(pid()) >= 64; }, seconds(10)))
      << OpenDescriptors(pid()) << " descriptors open";
  // Each probe is accepted with the reserve descriptor, which comes back after it. It is
  // answered, and it says the truth: the gRPC listener is refusing clients for lack of
  // descriptors (503), which is what liveness and readiness must report.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Probe("/healthz"), 503) << "probe " << i;
    EXPECT_EQ(Probe("/readyz"), 503) << "probe " << i;
  }
  // Idle admin connections on top: the oldest make room for the probes.
  std::vector<RawConnection> idle;
  for (int i = 0; i < 150; ++i) idle.push_back(Connect());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Probe("/healthz"), 503) << "probe " << i;
  // No busy loop while out of descriptors with connections still arriving.
  for (int i = 0; i < 20; ++i) idle.push_back(Connect());
  const double cpu_before = CpuSeconds(pid());
  std::this_thread::sleep_for(seconds(2));
  const double cpu = CpuSeconds(pid()) - cpu_before;
  EXPECT_LT(cpu, 1.0) << "CPU seconds in 2 s";
  EXPECT_EQ(Probe("/healthz"), 503);
  std::cout << "[ figures  ] out of descriptors: " << probes_ << " probes answered, slowest "
            << Seconds(slowest_probe_) * 1000 << " ms; CPU " << cpu << " s over 2 s\n";
}

}  // namespace
}  // namespace modelgate

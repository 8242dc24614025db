// The admin server when the process is out of file descriptors (EMFILE): every descriptor is
// taken by something the admin server cannot free, yet a health probe is still accepted and
// answered, using the reserve descriptor, which is taken back afterwards so the next probe
// works too. Its own binary: it lowers RLIMIT_NOFILE for the whole process.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <thread>
#include <vector>

#include "admin/http_server.h"
#include "gtest/gtest.h"
#include "testing/raw_http.h"

namespace modelgate::admin {
namespace {

using std::chrono::milliseconds;

class AllowAll : public Authorizer {
 public:
  std::optional<HttpResponse> Authorize(const HttpRequest&) override { return std::nullopt; }
};

int OpenDescriptors() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n - 3;  // ".", ".." and the directory's own descriptor
}

// Takes free descriptors (as gRPC connections or files elsewhere in the process would), with
// a soft limit a little above what is open now; restores both on destruction.
class DescriptorHog {
 public:
  DescriptorHog() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low = saved_;
    low.rlim_cur = OpenDescriptors() + 32;
    setrlimit(RLIMIT_NOFILE, &low);
  }
  ~DescriptorHog() {
    for (int fd : held_) close(fd);
    setrlimit(RLIMIT_NOFILE, &saved_);
  }
  // Takes every free descriptor; true when the process is then out of them.
  bool Fill() {
    int fd;
    while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) held_.push_back(fd);
    return errno == EMFILE;
  }
  // Frees one descriptor (for the test's own client socket).
  void Release() {
    close(held_.back());
    held_.pop_back();
  }

 private:
  rlimit saved_;
  std::vector<int> held_;
};

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(DescriptorExhaustion, ProbesAreAnsweredThroughTheReserveDescriptor) {
  AllowAll allow;
  Router router(&allow);
  router.Add("GET", "/healthz", {.inline_on_loop = true},
             [](const HttpRequest&, const PathParams&) {
               HttpResponse r;
               r.body = "ok";
               return r;
             });
  auto server = HttpServer::Start("127.0.0.1", 0, &router);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->stats().reserve_held);
  {
    DescriptorHog hog;
    for (int probe = 1; probe <= 3; ++probe) {
      ASSERT_TRUE(hog.Fill());
      hog.Release();  // room for our client socket only; the server has nothing but its reserve
      auto c = testutil::RawConnection::Connect((*server)->port());
      ASSERT_TRUE(c.ok()) << c.status();
      ASSERT_TRUE(c->Send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
      auto r = c->ReadResponse(milliseconds(10'000));
      ASSERT_TRUE(r.ok()) << "probe " << probe << ": " << r.status();
      EXPECT_EQ(r->body, "ok");
      EXPECT_TRUE(c->WaitClosed(milliseconds(10'000)));
      c = absl::UnavailableError("closed");  // our socket closes; then the server's side does
      // and its descriptor becomes the reserve again, for the next probe.
      ASSERT_TRUE(WaitFor([&] { return (*server)->stats().reserve_held; })) << probe;
    }
    const HttpServer::Stats stats = (*server)->stats();
    EXPECT_EQ(stats.descriptor_exhausted, 3u);
    EXPECT_EQ(stats.reserve_released, 3u);
    EXPECT_EQ(stats.accepted, 3u);
  }
  (*server)->Stop();
}

}  // namespace
}  // namespace modelgate::admin

// End-to-end gRPC semantics through a real modelgate process in front of real backends, for both
// forwarding paths (the unary fast path and the general streaming path): metadata, status with
// details, trailers exactly once, deadlines, cancellation, message-size limits, unreachable
// backends, unrouted methods, and every streaming shape.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "integration/echo_stats.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using modelgate::testing::CancelStats;
using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using testutil::ListeningProcess;
using testutil::Modelgate;

std::string ConfigYaml(const std::string& legacy, bool unary_fast_path, const std::string& proxy_extra) {
  std::string yaml = R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
proxy:
  drain_seconds: 5
UNARY
EXTRA
backends:
  - {name: legacy, address: LEGACY}
  - {name: down, address: 127.0.0.1:1}
  - {name: via-gateway, address: LEGACY, authority: models.example.internal}
routes:
  - name: gateway
    match: {service: modelgate.testing.Echo, headers: {x-route: gateway}}
    strategy: forward
    forward: {backend: via-gateway}
  - name: to-down
    match: {service: modelgate.testing.Echo, headers: {x-route: down}}
    strategy: forward
    forward: {backend: down}
  - name: capped
    match: {service: modelgate.testing.Echo, headers: {x-route: capped}}
    strategy: forward
    forward: {backend: legacy}
    timeout_seconds: 1
  - name: echo
    match: {service: modelgate.testing.Echo}
    strategy: forward
    forward: {backend: legacy}
)";
  yaml = absl::StrReplaceAll(
      yaml, {{"LEGACY", legacy},
             {"UNARY", unary_fast_path ? "  unary_methods: [/modelgate.testing.Echo/Unary]" : ""},
             {"EXTRA", proxy_extra}});
  return yaml;
}

class ProxySemantics : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Start(""); }

  void Start(const std::string& proxy_extra) {
    mg_.reset();
    if (!backend_.has_value()) {
      auto b = testutil::StartFakeModel("legacy");
      ASSERT_TRUE(b.ok()) << b.status();
      backend_.emplace(std::move(*b));
      backend_stub_ = Echo::NewStub(grpc::CreateChannel(backend_->address,
                                                        grpc::InsecureChannelCredentials()));
    }
    auto path = dir_.Write("config.yaml", ConfigYaml(backend_->address, GetParam(), proxy_extra));
    auto mg = Modelgate::Start(path);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    stub_ = Echo::NewStub(mg_->NewChannel());
  }

  static void Deadline(grpc::ClientContext& ctx, int ms) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  }

  CancelStats BackendStats() { return testutil::EchoStats(*backend_stub_); }
  int64_t WaitForBackendCancellation(int64_t before) {
    return testutil::WaitForBackendCancellation(*backend_stub_, before, std::chrono::seconds(10));
  }

  testutil::TempDir dir_;
  std::optional<ListeningProcess> backend_;
  std::unique_ptr<Echo::Stub> backend_stub_;
  std::unique_ptr<Modelgate> mg_;
  std::unique_ptr<Echo::Stub> stub_;
};

INSTANTIATE_TEST_SUITE_P(Paths, ProxySemantics, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "UnaryFastPath" : "StreamingPath"; });

TEST_P(ProxySemantics, CustomTextAndBinaryMetadataReachTheBackend) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  const std::string binary("\x00\x01\xfe\xff", 4);
  ctx.AddMetadata("x-custom", "hello world");
  ctx.AddMetadata("x-trace-bin", binary);
  ctx.AddMetadata("x-multi", "a");
  ctx.AddMetadata("x-multi", "b");
  EchoRequest req;
  req.set_payload("ping");
  EchoResponse resp;
  grpc::Status s = stub_->Unary(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.payload(), "ping");
  std::vector<std::string> got(resp.received_metadata().begin(), resp.received_metadata().end());
  EXPECT_NE(std::find(got.begin(), got.end(), "x-custom=hello world"), got.end());
  // The fake model prints binary values as base64 so they survive any transport.
  EXPECT_NE(std::find(got.begin(), got.end(), "x-trace-bin=base64:" + absl::Base64Escape(binary)),
            got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "x-multi=a"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "x-multi=b"), got.end());
}

TEST_P(ProxySemantics, StatusDetailsAndResponseMetadataArriveUnchangedAndOnce) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  const std::string details("\x08\x09\x12\x03why", 7);
  EchoRequest req;
  req.set_reply_code(grpc::StatusCode::FAILED_PRECONDITION);
  req.set_reply_message("model not warmed up: 50% loaded");
  req.set_reply_details(details);
  req.add_initial_metadata("x-init=first");
  req.add_trailing_metadata("x-trail=last");
  req.add_trailing_metadata("x-trail-bin=" + std::string("\x00\xff", 2));
  EchoResponse resp;
  grpc::Status s = stub_->Unary(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "model not warmed up: 50% loaded");
  EXPECT_EQ(s.error_details(), details);
  auto count = [](const std::multimap<grpc::string_ref, grpc::string_ref>& md, const char* key) {
    return md.count(key);
  };
  const auto& initial = ctx.GetServerInitialMetadata();
  const auto& trailing = ctx.GetServerTrailingMetadata();
  EXPECT_EQ(count(initial, "x-init"), 1u);
  EXPECT_EQ(count(trailing, "x-trail"), 1u);
  EXPECT_EQ(count(trailing, "x-trail-bin"), 1u);
  EXPECT_EQ(count(trailing, "grpc-status-details-bin"), 1u);
  auto it = trailing.find("x-trail-bin");
  ASSERT_NE(it, trailing.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), std::string("\x00\xff", 2));
}

TEST_P(ProxySemantics, ClientDeadlineIsPropagatedAndRouteTimeoutCapsIt) {
  {
    grpc::ClientContext ctx;
    Deadline(ctx, 3000);
    EchoResponse resp;
    ASSERT_TRUE(stub_->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_GT(resp.deadline_remaining_ms(), 1500);
    EXPECT_LE(resp.deadline_remaining_ms(), 3000);
  }
  {
    grpc::ClientContext ctx;  // no deadline at all: the backend must see none
    EchoResponse resp;
    ASSERT_TRUE(stub_->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_EQ(resp.deadline_remaining_ms(), -1);
  }
  {
    grpc::ClientContext ctx;  // route timeout_seconds: 1 caps a 30 s deadline
    ctx.AddMetadata("x-route", "capped");
    Deadline(ctx, 30000);
    EchoResponse resp;
    ASSERT_TRUE(stub_->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_GT(resp.deadline_remaining_ms(), 0);
    // grpc-timeout is encoded with a few significant digits, rounded up: allow 5%.
    EXPECT_LE(resp.deadline_remaining_ms(), 1050);
  }
}

TEST_P(ProxySemantics, BackendAuthorityOverridesTheUpstreamAuthority) {
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-route", "gateway");
    Deadline(ctx, 30000);
    EchoResponse resp;
    ASSERT_TRUE(stub_->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_EQ(resp.authority(), "models.example.internal");
  }
  {
    grpc::ClientContext ctx;  // the default: the backend's own address
    Deadline(ctx, 30000);
    EchoResponse resp;
    ASSERT_TRUE(stub_->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_EQ(resp.authority(), backend_->address);
  }
}

TEST_P(ProxySemantics, ExpiredDeadlineEndsTheCallWithDeadlineExceeded) {
  grpc::ClientContext ctx;
  Deadline(ctx, 300);
  EchoRequest req;
  req.set_delay_ms(20000);
  EchoResponse resp;
  const auto start = std::chrono::steady_clock::now();
  grpc::Status s = stub_->Unary(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // The proxy accounts the call as DEADLINE_EXCEEDED, not CANCELLED.
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_requests_total{arm="legacy",code="DEADLINE_EXCEEDED",route="echo"})", 1),
            1);
  // The client's own deadline passed: that is not the backend's error (-1: no such series).
  // The upstream status is handled before the call is counted, so this is not racy.
  EXPECT_EQ(
      mg_->Metric(R"(modelgate_upstream_errors_total{backend="legacy",code="DEADLINE_EXCEEDED"})"),
      -1);
}

TEST_P(ProxySemantics, RouteTimeoutPassingIsCountedAsTheBackendsError) {
  grpc::ClientContext ctx;  // route timeout_seconds: 1 caps the client's 30 s
  ctx.AddMetadata("x-route", "capped");
  Deadline(ctx, 30000);
  EchoRequest req;
  req.set_delay_ms(20000);
  EchoResponse resp;
  EXPECT_EQ(stub_->Unary(&ctx, req, &resp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The backend did not answer within the route's own timeout: an upstream error.
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_upstream_errors_total{backend="legacy",code="DEADLINE_EXCEEDED"})", 1),
            1);
}

TEST_P(ProxySemantics, ClientCancellationCancelsTheUpstreamCall) {
  const int64_t before = BackendStats().cancelled_calls();
  // A bidi stream lets the test know the backend is holding the call before it cancels.
  grpc::ClientContext ctx;
  auto stream = stub_->Bidi(&ctx);
  EchoRequest req;
  req.set_payload("first");
  ASSERT_TRUE(stream->Write(req));
  EchoResponse resp;
  ASSERT_TRUE(stream->Read(&resp));  // the backend answered: the upstream call is live
  req.set_delay_ms(30000);            // now make the backend hold the call
  ASSERT_TRUE(stream->Write(req));
  ctx.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(WaitForBackendCancellation(before), before + 1)
      << "the backend never saw the cancellation";
}

TEST_P(ProxySemantics, UnaryCancellationWhileBackendHoldsTheCallReachesTheBackend) {
  const int64_t before = BackendStats().cancelled_calls();
  grpc::ClientContext ctx;
  EchoRequest req;
  req.set_delay_ms(30000);
  EchoResponse resp;
  grpc::Status status;
  std::thread call([&] { status = stub_->Unary(&ctx, req, &resp); });
  // Wait until the BACKEND holds the call (the proxy having it is not enough: a cancellation
  // before the request reaches the backend is never seen there), then cancel it.
  EXPECT_TRUE(testutil::PollUntil([&] { return BackendStats().held_calls() == 1; },
                                  std::chrono::seconds(20)))
      << "the call never reached the backend";
  ctx.TryCancel();
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(WaitForBackendCancellation(before), before + 1)
      << "the backend never saw the cancellation";
  EXPECT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 0), 0);
}

TEST_P(ProxySemantics, DefaultMessageLimitIs16MiBOnBothSides) {
  {
    grpc::ClientContext ctx;
    Deadline(ctx, 30000);
    EchoRequest req;
    req.set_payload(std::string(15 << 20, 'q'));
    EchoResponse resp;
    grpc::Status s = stub_->Unary(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.payload().size(), size_t{15} << 20);  // the echo travels back too
  }
  {
    grpc::ClientContext ctx;
    Deadline(ctx, 30000);
    EchoRequest req;
    req.set_payload(std::string(17 << 20, 'q'));
    EchoResponse resp;
    EXPECT_EQ(stub_->Unary(&ctx, req, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    grpc::ClientContext ctx;  // a response over the limit, from the backend
    Deadline(ctx, 30000);
    EchoRequest req;
    req.set_response_bytes(17 << 20);
    EchoResponse resp;
    EXPECT_EQ(stub_->Unary(&ctx, req, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
}

TEST_P(ProxySemantics, ConfiguredMessageLimitAppliesToRequestsAndResponses) {
  Start("  max_message_bytes: 1MiB");
  for (bool response_side : {false, true}) {
    grpc::ClientContext ctx;
    Deadline(ctx, 30000);
    EchoRequest req;
    if (response_side) req.set_response_bytes(2 << 20);
    else req.set_payload(std::string(2 << 20, 'q'));
    EchoResponse resp;
    grpc::Status s = stub_->Unary(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << (response_side ? "response" : "request") << ": " << s.error_message();
    if (!response_side) {
      EXPECT_NE(s.error_message().find("proxy.max_message_bytes"), std::string::npos)
          << s.error_message();
    }
  }
  // Both are counted as what the client saw, not as CANCELLED (-1: no such series); the
  // request never reached the backend, so it is not the backend's error either.
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_requests_total{arm="legacy",code="RESOURCE_EXHAUSTED",route="echo"})",
                2),
            2);
  EXPECT_EQ(mg_->Metric(R"(modelgate_requests_total{arm="legacy",code="CANCELLED",route="echo"})"),
            -1);
  grpc::ClientContext ctx;
  Deadline(ctx, 30000);
  EchoRequest req;
  req.set_payload(std::string(900 << 10, 'q'));
  EchoResponse resp;
  EXPECT_TRUE(stub_->Unary(&ctx, req, &resp).ok());
}

TEST_P(ProxySemantics, UnreachableBackendIsUnavailableNamingTheBackend) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  ctx.AddMetadata("x-route", "down");
  EchoResponse resp;
  grpc::Status s = stub_->Unary(&ctx, EchoRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("backend \"down\""), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("127.0.0.1:1"), std::string::npos) << s.error_message();
  EXPECT_EQ(mg_->WaitForMetric(R"(modelgate_upstream_errors_total{backend="down",code="UNAVAILABLE"})", 1), 1);
}

TEST_P(ProxySemantics, MethodWithoutRouteIsUnimplementedNamingTheMethod) {
  auto channel = mg_->NewChannel();
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  grpc::GenericStub generic(channel);
  grpc::Slice empty_slice("", 0);
  grpc::ByteBuffer request(&empty_slice, 1), response;
  grpc::Status status;
  bool done = false;
  std::mutex mu;
  std::condition_variable cv;
  generic.UnaryCall(&ctx, "/nowhere.Service/Method", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(status.error_message(), "modelgate: no route for /nowhere.Service/Method");
}

TEST_P(ProxySemantics, ServerStreamingDeliversEveryMessageThenTheStatus) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  EchoRequest req;
  req.set_response_count(50);
  req.set_response_bytes(1000);
  req.add_trailing_metadata("x-done=yes");
  auto reader = stub_->ServerStream(&ctx, req);
  EchoResponse resp;
  int n = 0;
  while (reader->Read(&resp)) {
    EXPECT_EQ(resp.index(), n);
    EXPECT_EQ(resp.payload().size(), 1000u);
    ++n;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(n, 50);
  EXPECT_EQ(ctx.GetServerTrailingMetadata().count("x-done"), 1u);
}

TEST_P(ProxySemantics, ClientStreamingForwardsEveryMessage) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  EchoResponse resp;
  auto writer = stub_->ClientStream(&ctx, &resp);
  for (int i = 0; i < 20; ++i) {
    EchoRequest req;
    req.set_payload(std::string(100, 'a' + i));
    ASSERT_TRUE(writer->Write(req));
  }
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(resp.index(), 20);
  EXPECT_EQ(resp.payload().size(), 2000u);
}

TEST_P(ProxySemantics, BidiPingPongStaysInLockstep) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  auto stream = stub_->Bidi(&ctx);
  for (int i = 0; i < 10; ++i) {
    EchoRequest req;
    req.set_payload("ping-" + std::to_string(i));
    ASSERT_TRUE(stream->Write(req));
    EchoResponse resp;
    ASSERT_TRUE(stream->Read(&resp)) << "no answer to message " << i;
    EXPECT_EQ(resp.payload(), "ping-" + std::to_string(i));
    EXPECT_EQ(resp.index(), i);
  }
  ASSERT_TRUE(stream->WritesDone());
  EchoResponse extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_P(ProxySemantics, BidiErrorStatusFromTheBackendReachesTheClient) {
  grpc::ClientContext ctx;
  Deadline(ctx, 10000);
  auto stream = stub_->Bidi(&ctx);
  EchoRequest req;
  req.set_payload("ok");
  ASSERT_TRUE(stream->Write(req));
  EchoResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  req.set_reply_code(grpc::StatusCode::ABORTED);
  req.set_reply_message("stop here");
  stream->Write(req);
  while (stream->Read(&resp)) {
  }
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(s.error_message(), "stop here");
}

}  // namespace
}  // namespace modelgate

// Edge cases of generic gRPC forwarding through a real modelgate process, on both forwarding
// paths (the unary fast path and the general streaming path), that a demanding user of a
// production gRPC proxy runs into: streams that end in an error after N messages, zero-message
// and zero-byte calls, backends killed mid-call, hundreds of concurrent streams, large
// metadata, a backend's own UNIMPLEMENTED, mid-stream cancellation, trailers-only errors,
// compressed traffic and response headers sent before any message. Complements
// proxy_semantics_test.cc, which covers the documented basics.
//
// Backends: modelgate-fake-model processes (the Echo service) and, for what Echo cannot
// produce (0-byte responses, compressed responses, headers without a message), an in-process
// raw echo server on 127.0.0.1. Nothing synchronises on sleeps; every wait is bounded.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
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

// Every call gets this deadline, so a proxy bug fails a test instead of hanging it.
constexpr std::chrono::seconds kCallBudget(20);

std::chrono::system_clock::time_point Budget(std::chrono::seconds budget = kCallBudget) {
  return std::chrono::system_clock::now() + budget;
}

std::string ToString(const grpc::string_ref& s) { return std::string(s.data(), s.size()); }

grpc::ByteBuffer Bytes(const std::string& s) {
  grpc::Slice slice(s);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Valid() || !buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

template <typename Message>
grpc::ByteBuffer Serialize(const Message& m) {
  return Bytes(m.SerializeAsString());
}

// Values of `key` in a metadata map, in order.
std::vector<std::string> Values(const std::multimap<grpc::string_ref, grpc::string_ref>& md,
                                const std::string& key) {
  std::vector<std::string> out;
  auto [lo, hi] = md.equal_range(key);
  for (auto it = lo; it != hi; ++it) out.push_back(ToString(it->second));
  return out;
}

// --- An in-process raw echo backend ------------------------------------------------------------

// Echoes every message of any method back unchanged, one at a time, and ends the call OK when
// the client half-closes. Request metadata steers it:
//   x-compress: any value  -> responses are gzip-compressed;
//   x-early-header: V      -> initial metadata `x-early: V` is sent at once, before any message.
class RawEchoReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit RawEchoReactor(grpc::GenericCallbackServerContext* ctx) {
    const auto& md = ctx->client_metadata();
    if (md.count("x-compress") > 0) ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    auto early = md.find("x-early-header");
    if (early != md.end()) {
      ctx->AddInitialMetadata("x-early", ToString(early->second));
      StartSendInitialMetadata();
    }
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    out_ = in_;
    StartWrite(&out_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNKNOWN, "raw echo: write failed"));
      return;
    }
    StartRead(&in_);
  }

  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
};

class RawEchoService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new RawEchoReactor(ctx);
  }
};

class RawEchoServer {
 public:
  RawEchoServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~RawEchoServer() {
    if (server_ != nullptr) server_->Shutdown(Budget(std::chrono::seconds(2)));
  }
  bool ok() const { return server_ != nullptr && port_ > 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  RawEchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// --- A blocking generic client call, one operation at a time -----------------------------------

// A call of any method on raw bytes, driven synchronously over a private completion queue; every
// operation waits at most kCallBudget. Set metadata, compression etc. on context() before
// Start(). The destructor cancels an unfinished call and drains the queue.
class GenericCall {
 public:
  explicit GenericCall(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {
    ctx_.set_deadline(Budget());
  }
  ~GenericCall() {
    if (call_ != nullptr) {
      ctx_.TryCancel();
      if (!finish_issued_) {
        grpc::Status ignored;
        call_->Finish(&ignored, reinterpret_cast<void*>(-1));
      }
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  grpc::ClientContext& context() { return ctx_; }

  bool Start(const std::string& method) {
    call_ = stub_.PrepareCall(&ctx_, method, &cq_);
    call_->StartCall(NextTag());
    return Await();
  }
  bool ReadInitialMetadata() {
    call_->ReadInitialMetadata(NextTag());
    return Await();
  }
  bool Write(const grpc::ByteBuffer& message) {
    call_->Write(message, NextTag());
    return Await();
  }
  bool WritesDone() {
    call_->WritesDone(NextTag());
    return Await();
  }
  bool Read(grpc::ByteBuffer* message) {
    call_->Read(message, NextTag());
    return Await();
  }
  grpc::Status Finish() {
    grpc::Status status;
    finish_issued_ = true;
    call_->Finish(&status, NextTag());
    Await();
    return timed_out_ ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "test: call hung")
                      : status;
  }

 private:
  void* NextTag() { return reinterpret_cast<void*>(++sequence_); }
  bool Await() {
    if (timed_out_) return false;
    void* tag = nullptr;
    bool ok = false;
    // The call's own deadline is kCallBudget; allow a little more for the status to arrive.
    const auto r = cq_.AsyncNext(&tag, &ok, Budget(kCallBudget + std::chrono::seconds(5)));
    if (r != grpc::CompletionQueue::GOT_EVENT) {
      ADD_FAILURE() << "a generic call operation did not complete in time";
      timed_out_ = true;
      return false;
    }
    EXPECT_EQ(tag, reinterpret_cast<void*>(sequence_));
    return ok;
  }

  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  intptr_t sequence_ = 0;
  bool finish_issued_ = false;
  bool timed_out_ = false;
};

// Counts down to zero; Wait is bounded.
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  bool WaitFor(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_;
};

// --- The fixture -------------------------------------------------------------------------------

constexpr char kUnaryMethods[] =
    "  unary_methods: [/modelgate.testing.Echo/Unary, /modelgate.testing.Echo/Missing, "
    "/raw.Echo/Unary]\n";

class ProxyEdgeCases : public ::testing::TestWithParam<bool> {
 protected:
  bool fast_path() const { return GetParam(); }

  void SetUp() override {
    ASSERT_TRUE(raw_.ok()) << "in-process raw echo server did not start";
    auto b = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_.emplace(std::move(*b));
    backend_stub_ = Echo::NewStub(
        grpc::CreateChannel(backend_->address, grpc::InsecureChannelCredentials()));
    StartModelgate(std::nullopt);
  }

  // (Re)starts modelgate. With `doomed` set, the route matching header x-route: doomed forwards
  // to that address (backend "doomed").
  void StartModelgate(const std::optional<std::string>& doomed) {
    mg_.reset();
    std::vector<std::pair<std::string, std::string>> backends = {
        {"legacy", backend_->address}, {"raw", raw_.address()}};
    std::string routes = "routes:\n";
    if (doomed.has_value()) {
      backends.emplace_back("doomed", *doomed);
      absl::StrAppend(&routes,
                      "  - name: doomed\n"
                      "    match: {service: modelgate.testing.Echo, headers: {x-route: doomed}}\n"
                      "    strategy: forward\n"
                      "    forward: {backend: doomed}\n");
    }
    absl::StrAppend(&routes,
                    "  - name: raw\n"
                    "    match: {service: raw.Echo}\n"
                    "    strategy: forward\n"
                    "    forward: {backend: raw}\n"
                    "  - name: echo\n"
                    "    match: {service: modelgate.testing.Echo}\n"
                    "    strategy: forward\n"
                    "    forward: {backend: legacy}\n");
    const std::string proxy =
        absl::StrCat("proxy:\n  drain_seconds: 5\n", fast_path() ? kUnaryMethods : "");
    auto path = dir_.Write("config.yaml",
                           testutil::LoopbackConfig(backends, absl::StrCat(proxy, routes)));
    auto mg = Modelgate::Start(path);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    channel_ = mg_->NewChannel();
    stub_ = Echo::NewStub(channel_);
  }

  std::shared_ptr<grpc::Channel> DirectChannel(const std::string& address) const {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }

  CancelStats BackendStats() { return testutil::EchoStats(*backend_stub_); }
  int64_t WaitForBackendCancellation(int64_t before) {
    return testutil::WaitForBackendCancellation(*backend_stub_, before, kCallBudget);
  }

  // A channel on a connection of its own (channels with equal arguments share one).
  std::shared_ptr<grpc::Channel> FreshProxyChannel() const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(mg_->grpc_address(), grpc::InsecureChannelCredentials(),
                                     args);
  }

  // The proxy still answers a new client: a health check and an Echo call on the healthy
  // backend, over a new connection.
  void ExpectProxyServes() {
    auto channel = FreshProxyChannel();
    {
      auto health = grpc::health::v1::Health::NewStub(channel);
      grpc::ClientContext ctx;
      ctx.set_deadline(Budget());
      grpc::health::v1::HealthCheckResponse resp;
      grpc::Status s = health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp);
      ASSERT_TRUE(s.ok()) << "health check: " << s.error_code() << ": " << s.error_message();
      EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(Budget());
    EchoRequest req;
    req.set_payload("still alive?");
    EchoResponse resp;
    grpc::Status s = Echo::NewStub(channel)->Unary(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << "echo call: " << s.error_code() << ": " << s.error_message();
    EXPECT_EQ(resp.payload(), "still alive?");
  }

  // Starts a fake model "doomed" and restarts modelgate with a route to it (x-route: doomed).
  std::optional<ListeningProcess> StartDoomedBackend() {
    auto doomed = testutil::StartFakeModel("doomed");
    EXPECT_TRUE(doomed.ok()) << doomed.status();
    if (!doomed.ok()) return std::nullopt;
    StartModelgate(doomed->address);
    return std::move(*doomed);
  }

  std::string Inflight(const std::string& route) const {
    return absl::StrCat(R"(modelgate_inflight_requests{route=")", route, R"("})");
  }

  RawEchoServer raw_;
  testutil::TempDir dir_;
  std::optional<ListeningProcess> backend_;
  std::unique_ptr<Echo::Stub> backend_stub_;
  std::unique_ptr<Modelgate> mg_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Echo::Stub> stub_;
};

INSTANTIATE_TEST_SUITE_P(Paths, ProxyEdgeCases, ::testing::Values(true, false),
                         [](const auto& info) {
                           return info.param ? "UnaryFastPath" : "StreamingPath";
                         });

// --- Streams that end in an error ----------------------------------------------------------------

TEST_P(ProxyEdgeCases, ServerStreamEndingInErrorDeliversExactlyNMessagesThenThatStatus) {
  const std::string details("\x08\x0a\x12\x04oops", 8);
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  EchoRequest req;
  req.set_response_count(7);
  req.set_response_bytes(300);
  req.set_reply_code(grpc::StatusCode::DATA_LOSS);
  req.set_reply_message("shard 3 lost after 7 rows");
  req.set_reply_details(details);
  req.add_initial_metadata("x-stream=begin");
  req.add_trailing_metadata("x-rows=7");
  auto reader = stub_->ServerStream(&ctx, req);
  EchoResponse resp;
  int n = 0;
  while (reader->Read(&resp)) {
    EXPECT_EQ(resp.index(), n);
    EXPECT_EQ(resp.payload().size(), 300u);
    ++n;
  }
  grpc::Status s = reader->Finish();
  EXPECT_EQ(n, 7);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(s.error_message(), "shard 3 lost after 7 rows");
  EXPECT_EQ(s.error_details(), details);
  EXPECT_EQ(Values(ctx.GetServerInitialMetadata(), "x-stream"),
            std::vector<std::string>{"begin"});
  EXPECT_EQ(Values(ctx.GetServerTrailingMetadata(), "x-rows"), std::vector<std::string>{"7"});
  EXPECT_EQ(ctx.GetServerTrailingMetadata().count("grpc-status-details-bin"), 1u);
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_requests_total{arm="legacy",code="DATA_LOSS",route="echo"})", 1),
            1);
}

// A trailers-only response (the backend fails before sending headers or a message) keeps its
// trailing metadata, message and details, on a unary call and on a server stream.
TEST_P(ProxyEdgeCases, TrailersOnlyErrorKeepsTrailingMetadataAndDetails) {
  const std::string details("\x08\x07\x12\x06" "denied", 10);
  EchoRequest req;
  req.set_reply_code(grpc::StatusCode::PERMISSION_DENIED);
  req.set_reply_message("tenant acme may not call this model");
  req.set_reply_details(details);
  req.add_trailing_metadata("x-policy=deny-all");
  req.add_trailing_metadata("x-audit-bin=" + std::string("\x00\x01\x02", 3));

  auto check = [&](const char* what, grpc::ClientContext& ctx, const grpc::Status& s) {
    SCOPED_TRACE(what);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(s.error_message(), "tenant acme may not call this model");
    EXPECT_EQ(s.error_details(), details);
    const auto& trailing = ctx.GetServerTrailingMetadata();
    EXPECT_EQ(Values(trailing, "x-policy"), std::vector<std::string>{"deny-all"});
    EXPECT_EQ(Values(trailing, "x-audit-bin"),
              std::vector<std::string>{std::string("\x00\x01\x02", 3)});
    EXPECT_EQ(trailing.count("grpc-status-details-bin"), 1u);
    // Nothing leaks into (or is duplicated in) the initial metadata.
    EXPECT_EQ(ctx.GetServerInitialMetadata().count("x-policy"), 0u);
  };
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Budget());
    EchoResponse resp;
    grpc::Status s = stub_->Unary(&ctx, req, &resp);
    check("unary", ctx, s);
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Budget());
    EchoRequest stream_req = req;
    stream_req.set_response_count(0);
    auto reader = stub_->ServerStream(&ctx, stream_req);
    EchoResponse resp;
    EXPECT_FALSE(reader->Read(&resp)) << "no message was sent";
    grpc::Status s = reader->Finish();
    check("server stream", ctx, s);
  }
}

// --- Zero messages, zero bytes -----------------------------------------------------------------

TEST_P(ProxyEdgeCases, ClientStreamHalfClosedWithZeroMessagesGetsTheBackendsAnswer) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  EchoResponse resp;
  auto writer = stub_->ClientStream(&ctx, &resp);
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  EXPECT_EQ(resp.index(), 0) << "the backend counted requests that were never sent";
  EXPECT_EQ(resp.payload(), "");
  EXPECT_EQ(resp.server_name(), "legacy");
}

TEST_P(ProxyEdgeCases, ClientStreamOfEmptyMessagesCountsEveryOne) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  EchoResponse resp;
  auto writer = stub_->ClientStream(&ctx, &resp);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Write(EchoRequest()));  // 0 bytes each
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.index(), 5);
}

TEST_P(ProxyEdgeCases, ZeroByteMessagesTravelBothWaysOnUnaryAndBidiCalls) {
  {
    GenericCall call(channel_);  // unary shape, on the fast path when it is on
    ASSERT_TRUE(call.Start("/raw.Echo/Unary"));
    ASSERT_TRUE(call.Write(Bytes("")));
    ASSERT_TRUE(call.WritesDone());
    grpc::ByteBuffer resp;
    ASSERT_TRUE(call.Read(&resp)) << "no response to a 0-byte request";
    EXPECT_EQ(resp.Length(), 0u);
    grpc::Status s = call.Finish();
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  }
  {
    GenericCall call(channel_);
    ASSERT_TRUE(call.Start("/raw.Echo/Bidi"));
    // Empty messages interleaved with non-empty ones, so a dropped empty one shows as a shift.
    const std::vector<std::string> messages = {"", "a", "", "", "bc", ""};
    for (const auto& m : messages) {
      ASSERT_TRUE(call.Write(Bytes(m)));
      grpc::ByteBuffer resp;
      ASSERT_TRUE(call.Read(&resp));
      EXPECT_EQ(ToString(resp), m);
    }
    ASSERT_TRUE(call.WritesDone());
    grpc::ByteBuffer extra;
    EXPECT_FALSE(call.Read(&extra));
    grpc::Status s = call.Finish();
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  }
}

// A client that half-closes a unary method without sending its request gets the same status
// code through the proxy as from the backend directly (INTERNAL; gRPC says "Unable to parse
// request", the fast path "modelgate: client half-closed a unary call without a request").
TEST_P(ProxyEdgeCases, UnaryMethodHalfClosedWithoutARequestFailsLikeTheBackendItself) {
  auto run = [](std::shared_ptr<grpc::Channel> channel) {
    GenericCall call(std::move(channel));
    EXPECT_TRUE(call.Start("/modelgate.testing.Echo/Unary"));
    call.WritesDone();
    grpc::ByteBuffer resp;
    while (call.Read(&resp)) {
    }
    return call.Finish();
  };
  const grpc::Status direct = run(DirectChannel(backend_->address));
  const grpc::Status proxied = run(channel_);
  EXPECT_EQ(direct.error_code(), grpc::StatusCode::INTERNAL) << direct.error_message();
  EXPECT_EQ(proxied.error_code(), direct.error_code())
      << "direct: " << direct.error_message() << " / proxied: " << proxied.error_message();
  ExpectProxyServes();
}

// --- Backends that die ---------------------------------------------------------------------------

TEST_P(ProxyEdgeCases, BackendKilledMidCallFailsEveryOpenCallWithUnavailableAndProxyKeepsServing) {
  std::optional<ListeningProcess> doomed = StartDoomedBackend();
  ASSERT_TRUE(doomed.has_value() && mg_ != nullptr);

  // An open bidi stream the backend has answered once: the upstream call is certainly live.
  grpc::ClientContext bidi_ctx;
  bidi_ctx.set_deadline(Budget());
  bidi_ctx.AddMetadata("x-route", "doomed");
  auto bidi = stub_->Bidi(&bidi_ctx);
  EchoRequest ping;
  ping.set_payload("ping");
  ASSERT_TRUE(bidi->Write(ping));
  EchoResponse resp;
  ASSERT_TRUE(bidi->Read(&resp));
  EXPECT_EQ(resp.server_name(), "doomed");

  // A server stream the backend is pushing (held back by flow control).
  grpc::ClientContext stream_ctx;
  stream_ctx.set_deadline(Budget());
  stream_ctx.AddMetadata("x-route", "doomed");
  EchoRequest endless;
  endless.set_response_count(1000000);  // the fake model's maximum: 1 GB
  endless.set_response_bytes(1024);
  auto stream = stub_->ServerStream(&stream_ctx, endless);
  ASSERT_TRUE(stream->Read(&resp));

  // A unary call the backend holds for far longer than the test.
  grpc::ClientContext unary_ctx;
  unary_ctx.set_deadline(Budget());
  unary_ctx.AddMetadata("x-route", "doomed");
  EchoRequest slow;
  slow.set_delay_ms(60000);
  EchoResponse unary_resp;
  grpc::Status unary_status;
  std::thread unary([&] { unary_status = stub_->Unary(&unary_ctx, slow, &unary_resp); });
  ASSERT_EQ(mg_->WaitForMetric(Inflight("doomed"), 3, kCallBudget), 3);

  ASSERT_TRUE(doomed->process.Signal(SIGKILL));
  ASSERT_TRUE(doomed->process.WaitExit(kCallBudget).has_value());

  // Every open call ends with UNAVAILABLE (not DEADLINE_EXCEEDED: that would mean the proxy
  // sat on the dead connection until the 20 s budget ran out).
  unary.join();
  EXPECT_EQ(unary_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << unary_status.error_message();
  while (bidi->Read(&resp)) {
  }
  grpc::Status bidi_status = bidi->Finish();
  EXPECT_EQ(bidi_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << bidi_status.error_message();
  while (stream->Read(&resp)) {
  }
  grpc::Status stream_status = stream->Finish();
  EXPECT_EQ(stream_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << stream_status.error_message();

  // The proxy forgot them all and keeps serving; a new call to the dead backend fails fast.
  EXPECT_EQ(mg_->WaitForMetric(Inflight("doomed"), 0, kCallBudget), 0);
  ExpectProxyServes();
  grpc::ClientContext again;
  again.set_deadline(Budget());
  again.AddMetadata("x-route", "doomed");
  grpc::Status s = stub_->Unary(&again, EchoRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_NE(s.error_message().find("backend \"doomed\""), std::string::npos) << s.error_message();
  EXPECT_EQ(mg_->process().WaitExit(std::chrono::milliseconds(0)), std::nullopt)
      << "modelgate exited";
}

// README: failures the channel produces itself (as opposed to statuses the backend sent) are
// UNAVAILABLE naming the backend, so the client can tell who failed. A connection reset in the
// middle of a call is such a failure, just like a refused connection.
TEST_P(ProxyEdgeCases, BackendDyingMidCallIsUnavailableNamingTheBackend) {
  std::optional<ListeningProcess> doomed = StartDoomedBackend();
  ASSERT_TRUE(doomed.has_value() && mg_ != nullptr);
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  ctx.AddMetadata("x-route", "doomed");
  auto bidi = stub_->Bidi(&ctx);
  EchoRequest ping;
  ASSERT_TRUE(bidi->Write(ping));
  EchoResponse resp;
  ASSERT_TRUE(bidi->Read(&resp));  // the upstream call is live on the backend

  ASSERT_TRUE(doomed->process.Signal(SIGKILL));
  ASSERT_TRUE(doomed->process.WaitExit(kCallBudget).has_value());
  while (bidi->Read(&resp)) {
  }
  grpc::Status s = bidi->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("modelgate: backend \"doomed\""), std::string::npos)
      << "got: " << s.error_message();
}

// --- Concurrency ---------------------------------------------------------------------------------

// One bidi stream exchanging `messages` ping-pongs whose payloads name the stream, then
// half-closing; records mismatches and the final status.
class PingPongStream final : public grpc::ClientBidiReactor<EchoRequest, EchoResponse> {
 public:
  PingPongStream(Echo::Stub* stub, int id, int messages, std::mt19937& rng, Latch* latch)
      : latch_(latch) {
    std::uniform_int_distribution<int> size(0, 2048);
    for (int i = 0; i < messages; ++i) {
      payloads_.push_back(absl::StrCat("stream-", id, "-msg-", i, ":",
                                       std::string(size(rng), static_cast<char>('a' + id % 26))));
    }
    ctx_.set_deadline(Budget(std::chrono::seconds(60)));
    stub->async()->Bidi(&ctx_, this);
    req_.set_payload(payloads_[0]);
    StartWrite(&req_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (ok) StartRead(&resp_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // end of stream; OnDone follows
    if (next_ >= payloads_.size()) {
      ++extra_;
      StartRead(&resp_);
      return;
    }
    if (resp_.payload() != payloads_[next_] || resp_.index() != static_cast<int>(next_)) {
      ++mismatches_;
    }
    ++next_;
    if (next_ < payloads_.size()) {
      req_.set_payload(payloads_[next_]);
      StartWrite(&req_);
    } else {
      StartWritesDone();
      StartRead(&resp_);  // must see the end of the stream
    }
  }

  void OnDone(const grpc::Status& s) override {
    status_ = s;
    latch_->CountDown();
  }

  void Cancel() { ctx_.TryCancel(); }
  const grpc::Status& status() const { return status_; }
  size_t answered() const { return next_; }
  int mismatches() const { return mismatches_; }
  int extra() const { return extra_; }

 private:
  Latch* latch_;
  grpc::ClientContext ctx_;
  std::vector<std::string> payloads_;
  EchoRequest req_;
  EchoResponse resp_;
  size_t next_ = 0;
  int mismatches_ = 0;
  int extra_ = 0;
  grpc::Status status_;
};

TEST_P(ProxyEdgeCases, TwoHundredConcurrentBidiStreamsCompleteWithoutCrossTalk) {
  constexpr int kStreams = 200;
  constexpr int kMessages = 6;
  std::mt19937 rng(20261127);
  Latch latch(kStreams);
  std::vector<std::unique_ptr<PingPongStream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<PingPongStream>(stub_.get(), i, kMessages, rng, &latch));
  }
  if (!latch.WaitFor(std::chrono::seconds(90))) {
    ADD_FAILURE() << "streams still open after 90 s";
    for (auto& s : streams) s->Cancel();
    latch.WaitFor(std::chrono::seconds(90));
  }
  int failed = 0;
  for (int i = 0; i < kStreams; ++i) {
    const auto& s = *streams[i];
    if (!s.status().ok() || s.answered() != kMessages || s.mismatches() != 0 || s.extra() != 0) {
      if (++failed <= 5) {
        ADD_FAILURE() << "stream " << i << ": status " << s.status().error_code() << " "
                      << s.status().error_message() << ", answered " << s.answered()
                      << ", mismatches " << s.mismatches() << ", extra " << s.extra();
      }
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(mg_->WaitForMetric(Inflight("echo"), 0, kCallBudget), 0);
}

TEST_P(ProxyEdgeCases, TwoHundredConcurrentUnaryCallsEachGetTheirOwnAnswer) {
  constexpr int kCalls = 200;
  struct Call {
    grpc::ClientContext ctx;
    EchoRequest req;
    EchoResponse resp;
    grpc::Status status;
  };
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> size(0, 4096);
  std::uniform_int_distribution<int> delay(0, 20);
  Latch latch(kCalls);
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < kCalls; ++i) {
    auto call = std::make_unique<Call>();
    call->ctx.set_deadline(Budget(std::chrono::seconds(60)));
    call->ctx.AddMetadata("x-call", std::to_string(i));
    call->req.set_payload(absl::StrCat("call-", i, ":", std::string(size(rng), 'x')));
    call->req.set_delay_ms(delay(rng));  // answers come back out of order
    Call* c = call.get();
    stub_->async()->Unary(&c->ctx, &c->req, &c->resp, [c, &latch](grpc::Status s) {
      c->status = std::move(s);
      latch.CountDown();
    });
    calls.push_back(std::move(call));
  }
  if (!latch.WaitFor(std::chrono::seconds(90))) {
    ADD_FAILURE() << "calls still open after 90 s";
    for (auto& c : calls) c->ctx.TryCancel();
    latch.WaitFor(std::chrono::seconds(90));
  }
  int failed = 0;
  for (int i = 0; i < kCalls; ++i) {
    const Call& c = *calls[i];
    const std::string header = absl::StrCat("x-call=", i);
    const bool header_ok =
        std::count(c.resp.received_metadata().begin(), c.resp.received_metadata().end(),
                   header) == 1;
    if (!c.status.ok() || c.resp.payload() != c.req.payload() || !header_ok) {
      if (++failed <= 5) {
        ADD_FAILURE() << "call " << i << ": status " << c.status.error_code() << " "
                      << c.status.error_message() << ", payload matches "
                      << (c.resp.payload() == c.req.payload()) << ", own header " << header_ok;
      }
    }
  }
  EXPECT_EQ(failed, 0);
}

// A pipelining client writes everything, half-closes, and only then reads: every response
// still arrives in order, followed by OK.
TEST_P(ProxyEdgeCases, BidiClientThatHalfClosesBeforeReadingGetsEveryResponse) {
  constexpr int kMessages = 100;
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  auto stream = stub_->Bidi(&ctx);
  for (int i = 0; i < kMessages; ++i) {
    EchoRequest req;
    req.set_payload(absl::StrCat("pipelined-", i));
    ASSERT_TRUE(stream->Write(req)) << "write " << i;
  }
  ASSERT_TRUE(stream->WritesDone());
  EchoResponse resp;
  int n = 0;
  while (stream->Read(&resp)) {
    EXPECT_EQ(resp.payload(), absl::StrCat("pipelined-", n));
    ++n;
  }
  grpc::Status s = stream->Finish();
  EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  EXPECT_EQ(n, kMessages);
}

// --- Metadata ------------------------------------------------------------------------------------

// gRPC's default limit on a header block is 8 KiB (GRPC_ARG_MAX_METADATA_SIZE): a 6 KiB value
// fits, in every direction.
TEST_P(ProxyEdgeCases, SixKibMetadataValuesAreForwardedInEveryDirection) {
  const std::string big_request(6 << 10, 'r');
  const std::string big_initial(6 << 10, 'i');
  const std::string big_trailing(6 << 10, 't');
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  ctx.AddMetadata("x-big", big_request);
  EchoRequest req;
  req.set_payload("with big headers");
  req.add_initial_metadata("x-big-initial=" + big_initial);
  req.add_trailing_metadata("x-big-trailing=" + big_trailing);
  EchoResponse resp;
  grpc::Status s = stub_->Unary(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  EXPECT_EQ(std::count(resp.received_metadata().begin(), resp.received_metadata().end(),
                       "x-big=" + big_request),
            1);
  EXPECT_EQ(Values(ctx.GetServerInitialMetadata(), "x-big-initial"),
            std::vector<std::string>{big_initial});
  EXPECT_EQ(Values(ctx.GetServerTrailingMetadata(), "x-big-trailing"),
            std::vector<std::string>{big_trailing});
}

// Over the limit, the proxy rejects the call exactly as a backend would: gRPC's own
// RESOURCE_EXHAUSTED "received initial metadata size exceeds limit", and the proxy keeps serving.
// (gRPC 1.51 then usually closes the client's whole connection, directly to a backend as well:
// the next call on it fails with UNAVAILABLE "Socket closed". So the proxy is checked from a new
// connection.)
TEST_P(ProxyEdgeCases, RequestMetadataOverTheDefaultLimitIsRejectedLikeByTheBackend) {
  auto call = [](Echo::Stub* stub) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Budget());
    ctx.AddMetadata("x-huge", std::string(20 << 10, 'h'));
    EchoResponse resp;
    return stub->Unary(&ctx, EchoRequest(), &resp);
  };
  const grpc::Status direct = call(backend_stub_.get());
  const grpc::Status proxied = call(stub_.get());
  EXPECT_EQ(direct.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << direct.error_message();
  EXPECT_EQ(proxied.error_code(), direct.error_code())
      << "direct: " << direct.error_message() << " / proxied: " << proxied.error_message();
  EXPECT_EQ(mg_->WaitForMetric(Inflight("echo"), 0, kCallBudget), 0);
  ExpectProxyServes();
}

// A backend's response metadata over the proxy's 8 KiB receive limit cannot be forwarded; the
// client gets RESOURCE_EXHAUSTED (not a hang, not an OK without the metadata) and the proxy keeps
// serving.
TEST_P(ProxyEdgeCases, ResponseMetadataOverTheLimitFailsTheCallInsteadOfDroppingIt) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  EchoRequest req;
  req.add_trailing_metadata("x-huge=" + std::string(20 << 10, 'h'));
  EchoResponse resp;
  grpc::Status s = stub_->Unary(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  ExpectProxyServes();
}

// The proxy multiplexes every client's calls to a backend over one HTTP/2 connection, so one
// response whose metadata is over the limit must fail that call only, not every other call in
// flight to the same backend.
TEST_P(ProxyEdgeCases, OversizedResponseMetadataFailsOnlyItsOwnCallNotOthersToTheSameBackend) {
  grpc::ClientContext bidi_ctx;
  bidi_ctx.set_deadline(Budget());
  auto bidi = stub_->Bidi(&bidi_ctx);
  EchoRequest ping;
  EchoResponse resp;
  ping.set_payload("before");
  ASSERT_TRUE(bidi->Write(ping));
  ASSERT_TRUE(bidi->Read(&resp));

  auto other_client = Echo::NewStub(FreshProxyChannel());
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(absl::StrCat("round ", i));
    grpc::ClientContext ctx;
    ctx.set_deadline(Budget());
    EchoRequest req;
    req.add_trailing_metadata("x-huge=" + std::string(20 << 10, 'h'));
    grpc::Status s = other_client->Unary(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

    ping.set_payload(absl::StrCat("after-", i));
    if (!bidi->Write(ping) || !bidi->Read(&resp)) {
      grpc::Status broken = bidi->Finish();
      FAIL() << "the innocent stream broke: " << broken.error_code() << ": "
             << broken.error_message();
    }
    EXPECT_EQ(resp.payload(), ping.payload());
  }
  ASSERT_TRUE(bidi->WritesDone());
  grpc::Status s = bidi->Finish();
  EXPECT_TRUE(s.ok()) << "the innocent stream: " << s.error_code() << ": " << s.error_message();
}

// --- Methods the backend does not know ------------------------------------------------------------

TEST_P(ProxyEdgeCases, UnknownMethodOnARoutedServiceGetsTheBackendsUnimplemented) {
  auto run = [](std::shared_ptr<grpc::Channel> channel) {
    GenericCall call(std::move(channel));
    EXPECT_TRUE(call.Start("/modelgate.testing.Echo/Missing"));
    // The write and half-close may fail: the server may have ended the call already.
    call.Write(Serialize(EchoRequest()));
    call.WritesDone();
    grpc::ByteBuffer resp;
    EXPECT_FALSE(call.Read(&resp));
    return call.Finish();
  };
  const grpc::Status direct = run(DirectChannel(backend_->address));
  const grpc::Status proxied = run(channel_);
  EXPECT_EQ(direct.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(proxied.error_code(), grpc::StatusCode::UNIMPLEMENTED) << proxied.error_message();
  EXPECT_EQ(proxied.error_message(), direct.error_message());
  EXPECT_EQ(proxied.error_message().find("no route"), std::string::npos);
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_upstream_errors_total{backend="legacy",code="UNIMPLEMENTED"})", 1),
            1);
}

// --- Cancellation --------------------------------------------------------------------------------

TEST_P(ProxyEdgeCases, ClientCancellingAServerStreamMidwayCancelsTheBackendCall) {
  const int64_t before = BackendStats().cancelled_calls();
  grpc::ClientContext ctx;
  ctx.set_deadline(Budget());
  EchoRequest req;
  req.set_response_count(1000000);  // 1 GB: does not end by itself
  req.set_response_bytes(1024);
  auto reader = stub_->ServerStream(&ctx, req);
  EchoResponse resp;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(reader->Read(&resp)) << "message " << i;
    EXPECT_EQ(resp.index(), i);
  }
  ctx.TryCancel();
  while (reader->Read(&resp)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(WaitForBackendCancellation(before), before + 1)
      << "the backend never saw the cancellation";
  EXPECT_EQ(mg_->WaitForMetric(Inflight("echo"), 0, kCallBudget), 0);
  EXPECT_EQ(mg_->WaitForMetric(
                R"(modelgate_requests_total{arm="legacy",code="CANCELLED",route="echo"})", 1),
            1);
  // The call was counted after its upstream status was handled: the client's own cancellation
  // is not blamed on the backend (-1: no such series).
  EXPECT_EQ(mg_->Metric(R"(modelgate_upstream_errors_total{backend="legacy",code="CANCELLED"})"),
            -1);
}

// --- Compression and early headers ----------------------------------------------------------------

// Compression is hop-by-hop: a gzip request from the client and gzip responses from the backend
// are each decoded by the proxy, and the client receives intact messages on both paths.
TEST_P(ProxyEdgeCases, CompressedRequestsAndResponsesArriveIntact) {
  const std::string payload = std::string(4000, 'z') + "end";  // compressible
  for (const char* method : {"/raw.Echo/Unary", "/raw.Echo/Bidi"}) {
    SCOPED_TRACE(method);
    GenericCall call(channel_);
    call.context().set_compression_algorithm(GRPC_COMPRESS_GZIP);
    call.context().AddMetadata("x-compress", "gzip");
    ASSERT_TRUE(call.Start(method));
    ASSERT_TRUE(call.Write(Bytes(payload)));
    ASSERT_TRUE(call.WritesDone());
    grpc::ByteBuffer resp;
    ASSERT_TRUE(call.Read(&resp));
    EXPECT_EQ(ToString(resp), payload);
    grpc::Status s = call.Finish();
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  }
}

// The streaming path forwards the backend's response headers as soon as they arrive, before any
// message (what a client waiting on ReadInitialMetadata, e.g. for a session id, relies on).
// /raw.Echo/Headers is not declared unary, so both configurations use the streaming path.
TEST_P(ProxyEdgeCases, StreamingPathForwardsResponseHeadersBeforeTheFirstMessage) {
  GenericCall call(channel_);
  call.context().AddMetadata("x-early-header", "session-42");
  ASSERT_TRUE(call.Start("/raw.Echo/Headers"));
  ASSERT_TRUE(call.ReadInitialMetadata()) << "headers never arrived before a message was sent";
  EXPECT_EQ(Values(call.context().GetServerInitialMetadata(), "x-early"),
            std::vector<std::string>{"session-42"});
  ASSERT_TRUE(call.Write(Bytes("after headers")));
  grpc::ByteBuffer resp;
  ASSERT_TRUE(call.Read(&resp));
  EXPECT_EQ(ToString(resp), "after headers");
  ASSERT_TRUE(call.WritesDone());
  EXPECT_FALSE(call.Read(&resp));
  grpc::Status s = call.Finish();
  EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
}

}  // namespace
}  // namespace modelgate

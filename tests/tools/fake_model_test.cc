// Tests of modelgate-fake-model as a process: each test starts the real binary on 127.0.0.1
// port 0 and talks to it with generated stubs.
#include <signal.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "modelgate/testing/echo.grpc.pb.h"
#include "testing/listening_process.h"

namespace modelgate::tools {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;
using modelgate::testing::CancelStats;
using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using modelgate::testutil::BinaryPath;
using modelgate::testutil::ChildProcess;
using modelgate::testutil::ListeningProcess;
using modelgate::testutil::StartListening;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr milliseconds kCallTimeout(5000);

std::string Str(grpc::string_ref s) { return std::string(s.data(), s.size()); }

// Every call in these tests has a deadline, so a bug fails a test instead of hanging it.
void SetDeadline(grpc::ClientContext& ctx, milliseconds timeout = kCallTimeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

ModelInferRequest Fp32Request(std::vector<float> values) {
  ModelInferRequest request;
  request.set_model_name("asked-for");
  request.set_id("call-1");
  auto* input = request.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  input->add_shape(static_cast<int64_t>(values.size()));
  for (float v : values) input->mutable_contents()->add_fp32_contents(v);
  return request;
}

// Runs the binary with `flags` and returns {exit code, stdout}.
std::pair<std::optional<int>, std::string> RunFakeModel(std::vector<std::string> flags) {
  flags.insert(flags.begin(), BinaryPath("modelgate-fake-model"));
  auto child = ChildProcess::Spawn(flags);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return {std::nullopt, ""};
  std::string out = child->ReadAllWithTimeout(milliseconds(10000)).value_or("");
  return {child->WaitExit(milliseconds(10000)), out};
}

class FakeModelServer : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {BinaryPath("modelgate-fake-model"), "--port=0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    absl::StatusOr<ListeningProcess> server = StartListening(argv);
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(std::move(*server));
    channel_ = grpc::CreateChannel(server_->address, grpc::InsecureChannelCredentials());
    inference_ = GRPCInferenceService::NewStub(channel_);
    health_ = Health::NewStub(channel_);
    echo_ = Echo::NewStub(channel_);
  }

  grpc::Status Infer(const ModelInferRequest& request, ModelInferResponse& response,
                     milliseconds timeout = kCallTimeout) {
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout);
    return inference_->ModelInfer(&ctx, request, &response);
  }

  CancelStats Stats() {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    CancelStats stats;
    EXPECT_TRUE(echo_->Stats(&ctx, modelgate::testing::Empty(), &stats).ok());
    return stats;
  }

  // Polls Stats until cancelled_calls reaches `want` (the server counts asynchronously).
  bool WaitForCancelledCalls(int64_t want, milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Stats().cancelled_calls() >= want) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  std::optional<ListeningProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<GRPCInferenceService::Stub> inference_;
  std::unique_ptr<Health::Stub> health_;
  std::unique_ptr<Echo::Stub> echo_;
};

TEST_F(FakeModelServer, ModelInferReturnsShiftedTypedOutputs) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--output_shift=2", "--version=7"}));
  ModelInferResponse response;
  grpc::Status status = Infer(Fp32Request({1, 2, 3}), response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model_name(), "asked-for");
  EXPECT_EQ(response.model_version(), "7");
  EXPECT_EQ(response.id(), "call-1");
  ASSERT_EQ(response.outputs_size(), 1);
  EXPECT_EQ(response.outputs(0).name(), "output0");
  EXPECT_EQ(response.outputs(0).datatype(), "FP32");
  EXPECT_THAT(response.outputs(0).shape(), ElementsAre(3));
  EXPECT_THAT(response.outputs(0).contents().fp32_contents(), ElementsAre(3, 4, 5));
}

TEST_F(FakeModelServer, ModelInferAnswersRawLittleEndianWhenAsked) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--raw_output", "--output_shift=0.5"}));
  ModelInferRequest request;
  auto* input = request.add_inputs();
  input->set_name("x");
  input->set_datatype("INT32");
  input->add_shape(2);
  int32_t values[2] = {10, -4};
  request.add_raw_input_contents(std::string(reinterpret_cast<const char*>(values), 8));
  ModelInferResponse response;
  ASSERT_TRUE(Infer(request, response).ok());
  ASSERT_EQ(response.raw_output_contents_size(), 1);
  EXPECT_FALSE(response.outputs(0).has_contents());
  const std::string& raw = response.raw_output_contents(0);
  ASSERT_EQ(raw.size(), 8u);
  float out[2];
  std::memcpy(out, raw.data(), 8);
  EXPECT_FLOAT_EQ(out[0], 10.5f);
  EXPECT_FLOAT_EQ(out[1], -3.5f);
}

TEST_F(FakeModelServer, MalformedInputIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ModelInferRequest request = Fp32Request({1, 2, 3});
  request.mutable_inputs(0)->set_shape(0, 4);
  ModelInferResponse response;
  grpc::Status status = Infer(request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("holds 4 elements but 3"));
}

TEST_F(FakeModelServer, ErrorRateOneFailsEveryCallWithTheConfiguredCode) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--error_rate=1", "--error_code=RESOURCE_EXHAUSTED"}));
  for (int i = 0; i < 3; ++i) {
    ModelInferResponse response;
    EXPECT_EQ(Infer(Fp32Request({1}), response).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
}

TEST_F(FakeModelServer, InjectedLatencyHoldsCallsWithoutBlockingTheThread) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--latency_ms=300"}));
  // 10 calls at once on one server thread: if the delay blocked it they would take 3 s.
  grpc::CompletionQueue cq;
  constexpr int kCalls = 10;
  struct Call {
    grpc::ClientContext ctx;
    ModelInferResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<ModelInferResponse>> reader;
  };
  std::vector<std::unique_ptr<Call>> calls;
  ModelInferRequest request = Fp32Request({1});
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::make_unique<Call>());
    Call& c = *calls.back();
    SetDeadline(c.ctx);
    c.reader = inference_->AsyncModelInfer(&c.ctx, request, &cq);
    c.reader->Finish(&c.response, &c.status, &c);
  }
  for (int i = 0; i < kCalls; ++i) {
    void* tag;
    bool ok;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    EXPECT_TRUE(static_cast<Call*>(tag)->status.ok());
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(1500));
}

TEST_F(FakeModelServer, CancelledModelInferDuringLatencyIsCounted) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--latency_ms=30000"}));
  int64_t before = Stats().cancelled_calls();
  ModelInferResponse response;
  EXPECT_EQ(Infer(Fp32Request({1}), response, milliseconds(200)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(WaitForCancelledCalls(before + 1, milliseconds(3000)));
}

TEST_F(FakeModelServer, MetadataMethodsDescribeTheModel) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--name=ranker", "--version=4"}));
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ServerLiveResponse r;
    ASSERT_TRUE(inference_->ServerLive(&ctx, {}, &r).ok());
    EXPECT_TRUE(r.live());
  }
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ServerReadyResponse r;
    ASSERT_TRUE(inference_->ServerReady(&ctx, {}, &r).ok());
    EXPECT_TRUE(r.ready());
  }
  auto model_ready = [&](const std::string& name, const std::string& version) {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ModelReadyRequest req;
    req.set_name(name);
    req.set_version(version);
    inference::ModelReadyResponse r;
    EXPECT_TRUE(inference_->ModelReady(&ctx, req, &r).ok());
    return r.ready();
  };
  EXPECT_TRUE(model_ready("ranker", ""));
  EXPECT_TRUE(model_ready("ranker", "4"));
  EXPECT_FALSE(model_ready("ranker", "5"));
  EXPECT_FALSE(model_ready("other", ""));
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ModelMetadataRequest req;
    req.set_name("ranker");
    inference::ModelMetadataResponse r;
    ASSERT_TRUE(inference_->ModelMetadata(&ctx, req, &r).ok());
    EXPECT_EQ(r.name(), "ranker");
    EXPECT_THAT(r.versions(), ElementsAre("4"));
    EXPECT_EQ(r.outputs(0).datatype(), "FP32");
  }
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ModelMetadataRequest req;
    req.set_name("other");
    inference::ModelMetadataResponse r;
    EXPECT_EQ(inference_->ModelMetadata(&ctx, req, &r).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    inference::ServerMetadataResponse r;
    ASSERT_TRUE(inference_->ServerMetadata(&ctx, {}, &r).ok());
    EXPECT_EQ(r.name(), "modelgate-fake-model");
  }
}

TEST_F(FakeModelServer, HealthCheckServesOverallAndModelAndRejectsUnknown) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--name=ranker"}));
  auto check = [&](const std::string& service, HealthCheckResponse& response) {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    HealthCheckRequest request;
    request.set_service(service);
    return health_->Check(&ctx, request, &response);
  };
  HealthCheckResponse response;
  ASSERT_TRUE(check("", response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(check("ranker", response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ(check("nope", response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(FakeModelServer, HealthWatchSendsCurrentStatusAndStaysOpen) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (const auto& [service, want] :
       std::vector<std::pair<std::string, HealthCheckResponse::ServingStatus>>{
           {"", HealthCheckResponse::SERVING}, {"nope", HealthCheckResponse::SERVICE_UNKNOWN}}) {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    HealthCheckRequest request;
    request.set_service(service);
    auto reader = health_->Watch(&ctx, request);
    HealthCheckResponse response;
    ASSERT_TRUE(reader->Read(&response));
    EXPECT_EQ(response.status(), want);
    ctx.TryCancel();  // The stream would otherwise stay open until the deadline.
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
}

TEST_F(FakeModelServer, EchoUnaryReportsWhatItReceived) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--name=backend-a"}));
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  ctx.AddMetadata("x-user", "u1");
  ctx.AddMetadata("x-blob-bin", std::string("\x00\x01\xff", 3));  // Not UTF-8.
  ctx.AddMetadata("x-text-bin", std::string("\x00\xc3\xa9", 3));  // NUL + U+00E9: UTF-8.
  EchoRequest request;
  request.set_payload("hello");
  EchoResponse response;
  grpc::Status status = echo_->Unary(&ctx, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.payload(), "hello");
  EXPECT_EQ(response.server_name(), "backend-a");
  // received_metadata is a proto3 string: binary values that are not UTF-8 come as base64.
  EXPECT_THAT(response.received_metadata(),
              ElementsAre("x-blob-bin=base64:AAH/", std::string("x-text-bin=\x00\xc3\xa9", 14),
                          "x-user=u1"));
  EXPECT_GT(response.deadline_remaining_ms(), 3000);
  EXPECT_LE(response.deadline_remaining_ms(), 5000);
}

TEST_F(FakeModelServer, EchoUnaryWithoutDeadlineReportsMinusOne) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;  // No deadline on purpose; the call answers at once.
  EchoResponse response;
  ASSERT_TRUE(echo_->Unary(&ctx, EchoRequest(), &response).ok());
  EXPECT_EQ(response.deadline_remaining_ms(), -1);
}

TEST_F(FakeModelServer, EchoUnaryRoundTripsMetadataStatusAndDetails) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  EchoRequest request;
  request.add_initial_metadata("x-init=v1");
  // The fields are proto3 strings, so binary values must be valid UTF-8 (NUL + U+00E9 here).
  request.add_initial_metadata(std::string("x-raw-bin=\x00\xc3\xa9", 13));
  request.add_trailing_metadata("x-trail=v2");
  request.set_reply_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  request.set_reply_message("not now");
  request.set_reply_details("detail-bytes");
  EchoResponse response;
  grpc::Status status = echo_->Unary(&ctx, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "not now");
  EXPECT_EQ(status.error_details(), "detail-bytes");
  std::vector<std::pair<std::string, std::string>> initial, trailing;
  for (const auto& [k, v] : ctx.GetServerInitialMetadata()) initial.emplace_back(Str(k), Str(v));
  for (const auto& [k, v] : ctx.GetServerTrailingMetadata()) {
    trailing.emplace_back(Str(k), Str(v));
  }
  EXPECT_THAT(initial, UnorderedElementsAre(Pair("x-init", "v1"),
                                            Pair("x-raw-bin", std::string("\x00\xc3\xa9", 3))));
  EXPECT_THAT(trailing, ::testing::Contains(Pair("x-trail", "v2")));
}

TEST_F(FakeModelServer, EchoRejectsMetadataGrpcWouldRefuse) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  EchoRequest request;
  request.add_initial_metadata("Bad Key=1");
  EchoResponse response;
  EXPECT_EQ(echo_->Unary(&ctx, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FakeModelServer, EchoServerStreamSendsResponseCountThenStatus) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  EchoRequest request;
  request.set_response_count(5);
  request.set_response_bytes(100);
  request.set_reply_code(static_cast<int>(grpc::StatusCode::ABORTED));
  auto reader = echo_->ServerStream(&ctx, request);
  EchoResponse response;
  std::vector<int> indexes;
  while (reader->Read(&response)) {
    indexes.push_back(response.index());
    EXPECT_EQ(response.payload().size(), 100u);
  }
  EXPECT_THAT(indexes, ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(FakeModelServer, EchoClientStreamCountsRequestsAndConcatenatesPayloads) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  EchoResponse response;
  auto writer = echo_->ClientStream(&ctx, &response);
  for (const char* payload : {"ab", "cde", ""}) {
    EchoRequest request;
    request.set_payload(payload);
    ASSERT_TRUE(writer->Write(request));
  }
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(response.index(), 3);
  EXPECT_EQ(response.payload(), "abcde");
}

TEST_F(FakeModelServer, EchoBidiAnswersEachRequestBeforeTheNextIsSent) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  auto stream = echo_->Bidi(&ctx);
  for (int i = 0; i < 5; ++i) {
    EchoRequest request;
    request.set_payload("ping-" + std::to_string(i));
    ASSERT_TRUE(stream->Write(request));
    EchoResponse response;
    // Blocks until the answer: the next request is only written after it arrived.
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.index(), i);
    EXPECT_EQ(response.payload(), "ping-" + std::to_string(i));
  }
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(FakeModelServer, EchoDelayCutShortByDeadlineIsCountedCancelled) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  int64_t before = Stats().cancelled_calls();
  grpc::ClientContext ctx;
  SetDeadline(ctx, milliseconds(200));
  EchoRequest request;
  request.set_delay_ms(30000);
  EchoResponse response;
  EXPECT_EQ(echo_->Unary(&ctx, request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(WaitForCancelledCalls(before + 1, milliseconds(3000)));
}

TEST_F(FakeModelServer, EchoClientCancelDuringDelayIsCountedPromptly) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  int64_t before = Stats().cancelled_calls();
  grpc::ClientContext ctx;
  SetDeadline(ctx, milliseconds(60000));
  auto stream = echo_->Bidi(&ctx);
  EchoRequest first;
  ASSERT_TRUE(stream->Write(first));
  EchoResponse response;
  ASSERT_TRUE(stream->Read(&response));  // The server is now inside the call.
  EchoRequest slow;
  slow.set_delay_ms(30000);
  ASSERT_TRUE(stream->Write(slow));
  ctx.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitForCancelledCalls(before + 1, milliseconds(3000)));
  EXPECT_GE(Stats().completed_calls(), 0);
}

TEST_F(FakeModelServer, ServesWithSeveralThreadsAndTheMinimalStack) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--threads=3", "--minimal_stack"}));
  for (int i = 0; i < 20; ++i) {
    ModelInferResponse response;
    ASSERT_TRUE(Infer(Fp32Request({1}), response).ok());
  }
}

TEST_F(FakeModelServer, SigtermExitsZeroEvenWithAnOpenStream) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--shutdown_grace_ms=200"}));
  grpc::ClientContext ctx;
  SetDeadline(ctx, milliseconds(30000));
  auto watch = health_->Watch(&ctx, HealthCheckRequest());
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  ASSERT_TRUE(server_->process.Signal(SIGTERM));
  EXPECT_EQ(server_->process.WaitExit(milliseconds(10000)), 0);
}

TEST_F(FakeModelServer, SigintExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_TRUE(server_->process.Signal(SIGINT));
  EXPECT_EQ(server_->process.WaitExit(milliseconds(10000)), 0);
}

TEST(FakeModelFlags, HelpExitsZeroAndListsFlags) {
  auto [code, out] = RunFakeModel({"--help"});
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("--latency_ms"));
  EXPECT_THAT(out, HasSubstr("--error_code"));
}

TEST_F(FakeModelServer, ABusyPortFailsInsteadOfSharingIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // gRPC would set SO_REUSEPORT by default and let both bind; the second must fail.
  EXPECT_EQ(RunFakeModel({"--port=" + std::to_string(server_->port)}).first, 1);
}

TEST(FakeModelFlags, BadFlagsExitNonZero) {
  EXPECT_EQ(RunFakeModel({"--bogus"}).first, 2);
  EXPECT_EQ(RunFakeModel({"--error_rate=2"}).first, 2);
  EXPECT_EQ(RunFakeModel({"--error_code=NOPE"}).first, 2);
  EXPECT_EQ(RunFakeModel({"--port=x"}).first, 2);
}

}  // namespace
}  // namespace modelgate::tools

// Implementation of LoadRunner; see load_runner.h.
#include "tools/load/load_runner.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/cq_tag.h"
#include "common/random.h"
#include "common/status_codes.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tools/load/request_payload.h"

namespace modelgate::tools {
namespace {

using Clock = std::chrono::steady_clock;

// Same generous limit as the fake model, so large replies are measured, not refused.
constexpr int kMaxMessageBytes = 64 << 20;
// Distinct --arm_header values tracked by name; more than this are lumped as "(other)".
constexpr int kMaxArms = 64;
constexpr int kNoArm = 0;

class Loop;

// One unary call slot: a call in flight, then the next one, for the whole run.
class CallSlot final : public CqHandler {
 public:
  enum Event { kDone = 0 };  // the only one: the call finished

  explicit CallSlot(Loop* loop) : loop_(loop) {}
  void OnEvent(int kind, bool ok) override;

  std::optional<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  grpc::ByteBuffer response;
  grpc::Status status;
  Clock::time_point start;
  bool measured = false;
  int64_t key = -1;

 private:
  Loop* loop_;
};

// --bidi: one stream kept open for the whole run, ping-ponging one message at a time (write,
// read the answer, write again), then half-closed; a stream that fails is counted once and
// replaced.
class StreamSlot final : public CqHandler {
 public:
  enum Event { kStarted = 0, kWritten, kRead, kWritesDone, kFinished };

  explicit StreamSlot(Loop* loop) : loop_(loop) {}
  void OnEvent(int kind, bool ok) override;

  std::optional<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream;
  grpc::ByteBuffer response;
  grpc::Status status;
  Clock::time_point start;  // of the message in flight
  bool measured = false;    // the message in flight is
  int64_t key = -1;

 private:
  Loop* loop_;
};

// Thread-compatible: all of it runs on the thread that called LoadRunner::Run.
class Loop {
 public:
  explicit Loop(const LoadOptions& o)
      : o_(o), request_(BuildRequestPayload(o)), random_(static_cast<uint64_t>(o.seed)),
        latencies_(static_cast<size_t>(o.max_samples)), errors_(kNumGrpcStatusCodes + 1, 0) {
    arm_names_.push_back("(none)");
    if (!o.sticky_header.empty()) {
      for (int64_t i = 0; i < o.keys; ++i) key_values_.push_back(absl::StrCat("user-", i));
      key_first_arm_.assign(o.keys, -1);
      key_multi_arm_.assign(o.keys, false);
      key_seen_.assign(o.keys, false);
    }
  }

  absl::Status Connect() {
    for (int64_t i = 0; i < o_.connections; ++i) {
      grpc::ChannelArguments args;
      // Channels with identical arguments share one TCP connection; a distinct value here
      // gives each its own.
      args.SetInt("modelgate.load.channel_index", static_cast<int>(i));
      args.SetMaxReceiveMessageSize(kMaxMessageBytes);
      args.SetMaxSendMessageSize(kMaxMessageBytes);
      // Count every failure as the target produced it; no hidden transparent retries.
      args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
      if (o_.minimal_stack) args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
      auto channel =
          grpc::CreateCustomChannel(o_.target, grpc::InsecureChannelCredentials(), args);
      auto deadline =
          std::chrono::system_clock::now() + std::chrono::milliseconds(o_.connect_timeout_ms);
      if (!channel->WaitForConnected(deadline)) {
        return absl::UnavailableError(absl::StrCat("target ", o_.target,
                                                   " did not accept a connection within ",
                                                   o_.connect_timeout_ms, " ms"));
      }
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
      channels_.push_back(std::move(channel));
    }
    return absl::OkStatus();
  }

  LoadResult Run() {
    Clock::time_point t0 = Clock::now();
    warmup_end_ = t0 + ToDuration(o_.warmup_s);
    measure_end_ = warmup_end_ + ToDuration(o_.duration_s);
    for (int64_t i = 0; i < o_.concurrency; ++i) {
      Clock::time_point now = Clock::now();
      if (!MayStart(now)) break;
      if (o_.bidi) {
        streams_.push_back(std::make_unique<StreamSlot>(this));
        StartStream(*streams_.back(), now);
      } else {
        slots_.push_back(std::make_unique<CallSlot>(this));
        Start(*slots_.back(), now);
      }
    }
    void* tag = nullptr;
    bool ok = false;
    while (in_flight_ > 0 && cq_.Next(&tag, &ok)) CqHandler::Dispatch(tag, ok);
    cq_.Shutdown();
    while (cq_.Next(&tag, &ok)) {
    }
    return Result();
  }

  void OnCallDone(CallSlot& slot) {
    --in_flight_;
    Clock::time_point now = Clock::now();
    if (slot.measured) Account(slot.start, now, slot.status.error_code(), *slot.ctx, slot.key);
    if (MayStart(now)) Start(slot, now);
  }

  void OnStreamEvent(StreamSlot& slot, int kind, bool ok) {
    switch (kind) {
      case StreamSlot::kStarted:
        if (ok) {
          SendMessage(slot, Clock::now());
        } else {
          slot.stream->Finish(&slot.status, slot.Tag(StreamSlot::kFinished));
        }
        break;
      case StreamSlot::kWritten:
        if (ok) {
          slot.stream->Read(&slot.response, slot.Tag(StreamSlot::kRead));
        } else {  // the stream broke: Finish says how
          slot.stream->Finish(&slot.status, slot.Tag(StreamSlot::kFinished));
        }
        break;
      case StreamSlot::kRead: {
        if (!ok) {  // the server ended the stream before answering
          slot.stream->Finish(&slot.status, slot.Tag(StreamSlot::kFinished));
          break;
        }
        Clock::time_point now = Clock::now();
        if (slot.measured) Account(slot.start, now, grpc::StatusCode::OK, *slot.ctx, slot.key);
        if (MayStart(now)) {
          SendMessage(slot, now);
        } else {
          slot.measured = false;  // nothing in flight on it any more
          slot.stream->WritesDone(slot.Tag(StreamSlot::kWritesDone));
        }
        break;
      }
      case StreamSlot::kWritesDone:
        slot.stream->Finish(&slot.status, slot.Tag(StreamSlot::kFinished));
        break;
      case StreamSlot::kFinished: {
        --in_flight_;
        Clock::time_point now = Clock::now();
        // A stream that ends otherwise than OK fails the message it had in flight (or, after
        // its last message, the stream): one error, counted like a failed unary call.
        if (!slot.status.ok() && now >= warmup_end_) {
          if (!slot.measured) slot.start = now;
          Account(slot.start, now, slot.status.error_code(), *slot.ctx, slot.key);
        }
        if (!slot.status.ok() && MayStart(now)) StartStream(slot, now);
        break;
      }
    }
  }

 private:
  static Clock::duration ToDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  bool MayStart(Clock::time_point now) const {
    if (now < warmup_end_) return true;
    if (o_.requests > 0) return started_measured_ < o_.requests;
    return now < measure_end_;
  }

  // A fresh context with the run's metadata; `key` is the sticky key drawn (-1: none).
  // `deadline` is from now.
  void NewContext(std::optional<grpc::ClientContext>& ctx, int64_t& key,
                  std::chrono::milliseconds deadline) {
    ctx.emplace();
    ctx->set_deadline(std::chrono::system_clock::now() + deadline);
    key = -1;
    if (!o_.header.empty()) {
      const size_t colon = o_.header.find(':');  // validated: present
      ctx->AddMetadata(o_.header.substr(0, colon), o_.header.substr(colon + 1));
    }
    if (!key_values_.empty()) {
      key = static_cast<int64_t>(random_.Below(key_values_.size()));
      ctx->AddMetadata(o_.sticky_header, key_values_[key]);
    }
  }

  grpc::GenericStub& NextStub() {
    grpc::GenericStub& stub = *stubs_[next_channel_];
    next_channel_ = (next_channel_ + 1) % stubs_.size();
    return stub;
  }

  // Marks a call or message starting now; returns whether it is measured.
  bool Started(Clock::time_point now) {
    if (now < warmup_end_) return false;
    if (started_measured_ == 0) first_measured_start_ = now;
    ++started_measured_;
    return true;
  }

  void Start(CallSlot& slot, Clock::time_point now) {
    // The reader lives in the call's arena, owned through the context: release it first.
    slot.reader.reset();
    NewContext(slot.ctx, slot.key, std::chrono::milliseconds(o_.deadline_ms));
    slot.measured = Started(now);
    slot.start = now;
    slot.reader = NextStub().PrepareUnaryCall(&*slot.ctx, o_.method, request_, &cq_);
    slot.reader->StartCall();
    slot.reader->Finish(&slot.response, &slot.status, slot.Tag(CallSlot::kDone));
    ++in_flight_;
  }

  void StartStream(StreamSlot& slot, Clock::time_point now) {
    slot.stream.reset();
    // The stream lives for the rest of the run: its deadline is that (0 with --requests) plus
    // --deadline_ms.
    auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(Clock::duration::zero(), measure_end_ - now));
    NewContext(slot.ctx, slot.key, std::chrono::milliseconds(o_.deadline_ms) + rest);
    slot.measured = false;
    slot.stream = NextStub().PrepareCall(&*slot.ctx, o_.method, &cq_);
    slot.stream->StartCall(slot.Tag(StreamSlot::kStarted));
    ++in_flight_;
  }

  void SendMessage(StreamSlot& slot, Clock::time_point now) {
    slot.measured = Started(now);
    slot.start = now;
    slot.stream->Write(request_, slot.Tag(StreamSlot::kWritten));
  }

  void Account(Clock::time_point start, Clock::time_point now, grpc::StatusCode status,
               const grpc::ClientContext& ctx, int64_t key) {
    last_measured_end_ = now;
    latencies_.Record(std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count());
    int code = static_cast<int>(status);
    ++errors_[(code >= 0 && code < kNumGrpcStatusCodes) ? code : kNumGrpcStatusCodes];
    int arm = o_.arm_header.empty() ? kNoArm : ArmOf(ctx);
    if (!o_.arm_header.empty()) {
      if (arm >= static_cast<int>(arm_counts_.size())) arm_counts_.resize(arm + 1, 0);
      ++arm_counts_[arm];
    }
    if (key >= 0) {
      key_seen_[key] = true;
      if (arm != kNoArm) {
        int16_t& first = key_first_arm_[key];
        if (first < 0) {
          first = static_cast<int16_t>(arm);
        } else if (first != arm) {
          key_multi_arm_[key] = true;
        }
      }
    }
  }

  // Index of the arm named in the response's initial metadata; interned so that counting
  // costs a few string compares and no allocation after the first sighting of each value.
  int ArmOf(const grpc::ClientContext& ctx) {
    const auto& md = ctx.GetServerInitialMetadata();
    auto it = md.find(o_.arm_header);
    if (it == md.end()) return kNoArm;
    const grpc::string_ref& value = it->second;
    for (size_t i = 1; i < arm_names_.size(); ++i) {
      if (value == arm_names_[i]) return static_cast<int>(i);
    }
    if (static_cast<int>(arm_names_.size()) >= kMaxArms) {
      if (other_arm_ < 0) {
        other_arm_ = static_cast<int>(arm_names_.size());
        arm_names_.push_back("(other)");
      }
      return other_arm_;
    }
    arm_names_.emplace_back(value.data(), value.size());
    return static_cast<int>(arm_names_.size()) - 1;
  }

  LoadResult Result() {
    LoadResult r;
    r.latency = latencies_.Summarize();
    r.completed = r.latency.count;
    r.ok = errors_[0];
    for (int code = 1; code <= kNumGrpcStatusCodes; ++code) {
      if (errors_[code] == 0) continue;
      // The last entry (codes outside 0..16) is reported as "CODE_17".
      const absl::string_view name = GrpcStatusCodeName(code);
      r.errors[name.empty() ? absl::StrCat("CODE_", code) : std::string(name)] = errors_[code];
    }
    if (r.completed > 0) {
      r.duration_s = std::chrono::duration<double>(last_measured_end_ - first_measured_start_).count();
    }
    for (size_t i = 0; i < arm_counts_.size(); ++i) {
      if (arm_counts_[i] > 0) r.arms.emplace_back(arm_names_[i], arm_counts_[i]);
    }
    std::sort(r.arms.begin(), r.arms.end());
    r.sticky = !key_values_.empty();
    for (size_t k = 0; k < key_values_.size(); ++k) {
      r.keys_seen += key_seen_[k];
      r.keys_with_arm += key_first_arm_[k] >= 0;
      r.keys_multi_arm += key_multi_arm_[k];
    }
    return r;
  }

  const LoadOptions& o_;
  const grpc::ByteBuffer request_;
  SplitMix64 random_;
  LatencyRecorder latencies_;
  std::vector<int64_t> errors_;  // By code; the last entry counts codes outside 0..16.

  grpc::CompletionQueue cq_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  size_t next_channel_ = 0;
  std::vector<std::unique_ptr<CallSlot>> slots_;      // unary calls
  std::vector<std::unique_ptr<StreamSlot>> streams_;  // --bidi

  Clock::time_point warmup_end_, measure_end_;
  Clock::time_point first_measured_start_, last_measured_end_;
  int64_t started_measured_ = 0;
  int64_t in_flight_ = 0;

  std::vector<std::string> key_values_;
  std::vector<int16_t> key_first_arm_;
  std::vector<bool> key_multi_arm_;
  std::vector<bool> key_seen_;

  std::vector<std::string> arm_names_;
  std::vector<int64_t> arm_counts_;
  int other_arm_ = -1;
};

void CallSlot::OnEvent(int /*kind*/, bool /*ok*/) { loop_->OnCallDone(*this); }
void StreamSlot::OnEvent(int kind, bool ok) { loop_->OnStreamEvent(*this, kind, ok); }

}  // namespace

absl::StatusOr<LoadResult> LoadRunner::Run() {
  Loop loop(options_);
  if (absl::Status s = loop.Connect(); !s.ok()) return s;
  return loop.Run();
}

}  // namespace modelgate::tools

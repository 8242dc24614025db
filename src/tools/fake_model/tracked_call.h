// TrackedCall: base of the fake-model calls that must notice cancellation (everything that can
// hold a call open: Echo with delay_ms or streams, Health/Watch). It owns the ServerContext,
// asks for the done notification, counts the call's outcome in ServerShared and offers an
// interruptible delay.
//
// Lifetime: every asynchronous operation a subclass starts is bracketed by BeginOp() (when
// started) and EndOp() (first thing in its completion handler); each handler ends with
// Release(), which deletes the object once the call was accepted, its done notification
// arrived and no operation is pending. A slot refused at shutdown is deleted at once: gRPC
// delivers no done notification for a call that never started (grpc/grpc#10136).
//
// Completion-queue events: TrackedCall handles its own (done, delay alarm) and hands every
// other kind, numbered from kFirstCallEvent, to the subclass's OnCallEvent().
#pragma once

#include <chrono>
#include <optional>

#include "common/cq_tag.h"
#include "grpcpp/alarm.h"
#include "grpcpp/server_context.h"
#include "tools/fake_model/worker.h"

namespace modelgate::tools {

// Thread-compatible: used only by its Worker's thread.
class TrackedCall : public CqHandler {
 public:
  TrackedCall(const TrackedCall&) = delete;
  TrackedCall& operator=(const TrackedCall&) = delete;

  void OnEvent(int kind, bool ok) final;

 protected:
  // The subclass's event kinds start here.
  static constexpr int kFirstCallEvent = 2;

  // `counted`: whether the outcome goes into Echo/Stats (cancelled_calls / completed_calls).
  TrackedCall(Worker& worker, bool counted);
  ~TrackedCall() override = default;

  // Handles an event of the subclass (kind >= kFirstCallEvent).
  virtual void OnCallEvent(int kind, bool ok) = 0;
  // Posts the slot for the next call of the same method; called once when this one is accepted.
  virtual void PostNext() = 0;
  // Runs when the delay started by StartDelay() ends; `expired` is false if it was cut short
  // because the call was cancelled.
  virtual void OnDelayDone(bool expired) {}

  // Handler for the request slot. Returns false when the slot was refused (the object is gone).
  bool Accepted(bool ok);

  void BeginOp() { ++pending_ops_; }
  void EndOp() { --pending_ops_; }
  void Release();

  // True once the done notification said the peer cancelled (or the deadline passed); no
  // further operation will succeed, so handlers stop starting them.
  bool cancelled() const { return cancelled_; }

  // Holds the call for `delay` without blocking the thread; cancellation cuts it short.
  void StartDelay(std::chrono::milliseconds delay);

  // Milliseconds left until the call's deadline, -1 if it has none.
  int64_t DeadlineRemainingMs() const;

  Worker& worker_;
  grpc::ServerContext ctx_;

 private:
  enum Event { kDone = 0, kAlarm = 1 };
  static_assert(kAlarm < kFirstCallEvent);

  void OnDone(bool ok);
  void OnAlarm(bool ok);

  const bool counted_;
  bool accepted_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  int pending_ops_ = 0;
  std::optional<grpc::Alarm> alarm_;
  bool alarm_pending_ = false;
};

}  // namespace modelgate::tools

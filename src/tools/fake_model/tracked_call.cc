// Implementation of TrackedCall; see tracked_call.h.
#include "tools/fake_model/tracked_call.h"

namespace modelgate::tools {

TrackedCall::TrackedCall(Worker& worker, bool counted) : worker_(worker), counted_(counted) {
  ctx_.AsyncNotifyWhenDone(Tag(kDone));
  BeginOp();  // The request slot about to be posted by the subclass.
}

void TrackedCall::OnEvent(int kind, bool ok) {
  switch (kind) {
    case kDone:
      OnDone(ok);
      break;
    case kAlarm:
      OnAlarm(ok);
      break;
    default:
      OnCallEvent(kind, ok);
      break;
  }
}

bool TrackedCall::Accepted(bool ok) {
  EndOp();
  if (!ok) {
    delete this;
    return false;
  }
  accepted_ = true;
  if (worker_.accepting()) PostNext();
  return true;
}

void TrackedCall::Release() {
  if (accepted_ && done_ && pending_ops_ == 0) delete this;
}

void TrackedCall::OnDone(bool) {
  done_ = true;
  cancelled_ = ctx_.IsCancelled();
  if (counted_) {
    auto& counter =
        cancelled_ ? worker_.shared().cancelled_calls : worker_.shared().completed_calls;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  if (cancelled_ && alarm_pending_) alarm_->Cancel();
  Release();
}

void TrackedCall::StartDelay(std::chrono::milliseconds delay) {
  BeginOp();
  worker_.shared().held_calls.fetch_add(1, std::memory_order_relaxed);
  alarm_pending_ = true;
  alarm_.emplace();
  alarm_->Set(worker_.cq(), std::chrono::system_clock::now() + delay, Tag(kAlarm));
}

void TrackedCall::OnAlarm(bool ok) {
  EndOp();
  worker_.shared().held_calls.fetch_sub(1, std::memory_order_relaxed);
  alarm_pending_ = false;
  OnDelayDone(ok);
  Release();
}

int64_t TrackedCall::DeadlineRemainingMs() const {
  auto deadline = ctx_.deadline();
  // An infinite deadline converts to (nearly) the largest representable time point.
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return -1;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::system_clock::now());
  return std::max<int64_t>(0, left.count());
}

}  // namespace modelgate::tools

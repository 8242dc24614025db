// CqTag: the object behind every `void* tag` the tools put on a gRPC CompletionQueue, so a
// polling loop can dispatch a completion without knowing what kind of call it belongs to.
//
// A call object owns one MemberTag per kind of pending operation (read, write, alarm, done...)
// and the polling loop runs `static_cast<CqTag*>(tag)->OnComplete(ok)`. Keeping the tags as
// members, not heap allocations, makes a completion cost one virtual call and nothing else.
#pragma once

#include "grpcpp/completion_queue.h"

namespace modelgate::tools {

class CqTag {
 public:
  virtual void OnComplete(bool ok) = 0;

 protected:
  ~CqTag() = default;
};

// Forwards a completion to `owner->*Method(ok)`.
template <typename Owner, void (Owner::*Method)(bool)>
class MemberTag final : public CqTag {
 public:
  explicit MemberTag(Owner* owner) : owner_(owner) {}
  void OnComplete(bool ok) override { (owner_->*Method)(ok); }

 private:
  Owner* owner_;
};

// Runs completions until the queue is shut down and drained.
inline void DrainCompletionQueue(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) static_cast<CqTag*>(tag)->OnComplete(ok);
}

}  // namespace modelgate::tools

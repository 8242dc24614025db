// Completion-queue tags for the proxy and the tools. A tag is a pointer to a CqHandler with the
// event kind in its low four bits, so one object can have several operations outstanding
// without allocating a tag per operation; the polling loop hands every completion to
// CqHandler::Dispatch. Handlers are 16-byte aligned to leave those bits free.
#pragma once

#include <cstdint>

namespace modelgate {

class alignas(16) CqHandler {
 public:
  // Event kinds are 0..kMaxKinds-1.
  static constexpr int kMaxKinds = 16;

  virtual ~CqHandler() = default;
  // Called on the thread that polls the completion queue. May delete the handler.
  virtual void OnEvent(int kind, bool ok) = 0;

  void* Tag(int kind) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(this) | static_cast<uintptr_t>(kind));
  }
  static void Dispatch(void* tag, bool ok) {
    constexpr uintptr_t kKindBits = kMaxKinds - 1;
    const auto bits = reinterpret_cast<uintptr_t>(tag);
    reinterpret_cast<CqHandler*>(bits & ~kKindBits)->OnEvent(static_cast<int>(bits & kKindBits), ok);
  }
};
static_assert(alignof(CqHandler) >= CqHandler::kMaxKinds, "the kind must fit below the pointer");

}  // namespace modelgate

// Completion-queue tags. A tag is a pointer to a Handler with the event kind in its low four
// bits, so one object can have several operations outstanding without allocating a tag per
// operation. Handlers are 16-byte aligned to leave those bits free.
#pragma once

#include <cstdint>

namespace modelgate::proxy {

class alignas(16) Handler {
 public:
  virtual ~Handler() = default;
  // Called on the worker thread that owns the completion queue.
  virtual void OnEvent(int kind, bool ok) = 0;

  void* Tag(int kind) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(this) | static_cast<uintptr_t>(kind));
  }
  static void Dispatch(void* tag, bool ok) {
    const auto bits = reinterpret_cast<uintptr_t>(tag);
    reinterpret_cast<Handler*>(bits & ~uintptr_t{15})->OnEvent(static_cast<int>(bits & 15), ok);
  }
};

}  // namespace modelgate::proxy

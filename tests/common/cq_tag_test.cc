// CqHandler tags: Dispatch reaches the object that made the tag, with the kind it was made for.
#include "common/cq_tag.h"

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate {
namespace {

class Recorder final : public CqHandler {
 public:
  void OnEvent(int kind, bool ok) override { events.emplace_back(kind, ok); }
  std::vector<std::pair<int, bool>> events;
};

TEST(CqHandler, DispatchDeliversTheKindToTheObjectThatMadeTheTag) {
  Recorder a, b;
  CqHandler::Dispatch(a.Tag(0), true);
  CqHandler::Dispatch(b.Tag(CqHandler::kMaxKinds - 1), false);
  CqHandler::Dispatch(a.Tag(5), false);
  EXPECT_EQ(a.events, (std::vector<std::pair<int, bool>>{{0, true}, {5, false}}));
  EXPECT_EQ(b.events, (std::vector<std::pair<int, bool>>{{CqHandler::kMaxKinds - 1, false}}));
}

TEST(CqHandler, HeapObjectsLeaveTheKindBitsFree) {
  std::vector<std::unique_ptr<Recorder>> handlers;
  for (int i = 0; i < 64; ++i) {
    handlers.push_back(std::make_unique<Recorder>());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(handlers.back().get()) % CqHandler::kMaxKinds, 0u);
  }
}

}  // namespace
}  // namespace modelgate

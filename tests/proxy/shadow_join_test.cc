// ShadowJoin: the primary's and every copy's answers are offered once, whatever order the legs
// end in; dropped copies are not waited for; a client that left, or copies that all were
// dropped, offer nothing.
#include "proxy/shadow_join.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

class CollectingSink : public telemetry::ShadowSink {
 public:
  void Offer(telemetry::ShadowSample sample) override { samples.push_back(std::move(sample)); }
  std::vector<telemetry::ShadowSample> samples;
};

telemetry::LegAnswer Answer(int arm, int code, const char* bytes = "") {
  return {arm, code, 0.001 * (arm + 1), absl::Cord(bytes)};
}

TEST(ShadowJoin, OffersOnceWhenThePrimaryEndsLast) {
  auto sink = std::make_shared<CollectingSink>();
  {
    auto join = std::make_shared<ShadowJoin>(sink, 2, "req-1", "/a.B/C");
    join->AddCopy(Answer(1, 0, "s1"));
    join->AddCopy(Answer(2, 14));
    EXPECT_TRUE(sink->samples.empty());
    join->SetPrimary(Answer(0, 0, "p"));
  }
  ASSERT_EQ(sink->samples.size(), 1u);
  const telemetry::ShadowSample& s = sink->samples[0];
  EXPECT_EQ(s.request_id, "req-1");
  EXPECT_EQ(s.method, "/a.B/C");
  EXPECT_EQ(s.primary.arm, 0);
  EXPECT_EQ(std::string(s.primary.response), "p");
  ASSERT_EQ(s.copies.size(), 2u);
  EXPECT_EQ(s.copies[0].arm, 1);
  EXPECT_EQ(std::string(s.copies[0].response), "s1");
  EXPECT_EQ(s.copies[1].code, 14);
}

TEST(ShadowJoin, OffersOnceWhenACopyEndsLastAndSkipsDroppedCopies) {
  auto sink = std::make_shared<CollectingSink>();
  ShadowJoin join(sink, 2, "", "/a.B/C");
  join.SkipCopy();  // over its budget: never sent
  join.SetPrimary(Answer(0, 0, "p"));
  EXPECT_TRUE(sink->samples.empty());
  join.AddCopy(Answer(1, 0, "s"));
  ASSERT_EQ(sink->samples.size(), 1u);
  EXPECT_EQ(sink->samples[0].copies.size(), 1u);
  join.AddCopy(Answer(1, 0, "again"));  // nothing more is offered
  EXPECT_EQ(sink->samples.size(), 1u);
}

TEST(ShadowJoin, ACancelledPrimaryOrNoCopyAtAllOffersNothing) {
  auto sink = std::make_shared<CollectingSink>();
  ShadowJoin cancelled(sink, 1, "", "/a.B/C");
  cancelled.SetPrimary(Answer(0, 1));  // CANCELLED: the client left
  cancelled.AddCopy(Answer(1, 0, "s"));
  ShadowJoin all_dropped(sink, 1, "", "/a.B/C");
  all_dropped.SkipCopy();
  all_dropped.SetPrimary(Answer(0, 0, "p"));
  EXPECT_TRUE(sink->samples.empty());
}

}  // namespace
}  // namespace modelgate::proxy

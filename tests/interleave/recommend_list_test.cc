// The sample recommender's list format: keys are Item.id, merged responses carry the picked Items
// whole (score and unknown fields included) in pick order, with ranker 0's model.
#include "interleave/recommend_list.h"

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.pb.h"
#include "interleave/oip_list.h"
#include "interleave/team_draft.h"
#include "modelgate/recommend/v1/recommend.pb.h"

namespace modelgate::interleave {
namespace {

using ::modelgate::recommend::v1::Item;
using ::modelgate::recommend::v1::RecommendResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

RecommendResponse Ranker(const std::string& model,
                         const std::vector<std::pair<std::string, double>>& items) {
  RecommendResponse r;
  r.set_model(model);
  for (const auto& [id, score] : items) {
    Item* item = r.add_items();
    item->set_id(id);
    item->set_score(score);
  }
  return r;
}

absl::Cord Bytes(const RecommendResponse& r) { return absl::Cord(r.SerializeAsString()); }

std::unique_ptr<DecodedList> MustDecode(const ListFormat& format, const RecommendResponse& r) {
  absl::StatusOr<std::unique_ptr<DecodedList>> list = format.Decode(Bytes(r));
  EXPECT_TRUE(list.ok()) << list.status();
  return list.ok() ? *std::move(list) : nullptr;
}

RecommendResponse Parse(const absl::StatusOr<absl::Cord>& bytes) {
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  RecommendResponse r;
  if (bytes.ok()) {
    EXPECT_TRUE(r.ParseFromString(std::string(*bytes)));
  }
  return r;
}

std::vector<std::string> Ids(const RecommendResponse& r) {
  std::vector<std::string> ids;
  for (const Item& item : r.items()) ids.push_back(item.id());
  return ids;
}

TEST(RecommendList, KeysAreItemIdsBestFirst) {
  auto format = MakeRecommendListFormat();
  auto list = MustDecode(*format, Ranker("m", {{"b", 0.9}, {"a", 0.8}, {"", 0.1}}));
  EXPECT_THAT(list->keys(), ElementsAre("b", "a", ""));
  EXPECT_THAT(MustDecode(*format, Ranker("m", {}))->keys(), IsEmpty());
  EXPECT_THAT(MustDecode(*format, RecommendResponse())->keys(), IsEmpty());
}

TEST(RecommendList, GarbageIsInvalidArgument) {
  auto format = MakeRecommendListFormat();
  for (const std::string& garbage :
       {std::string("\xff\xff\xff"), std::string("\x0a\x10" "abc"), std::string("\x0f")}) {
    absl::StatusOr<std::unique_ptr<DecodedList>> list = format->Decode(absl::Cord(garbage));
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(list.status().message(), HasSubstr("RecommendResponse"));
  }
}

TEST(RecommendList, MergeCopiesPickedItemsInPickOrderWithRanker0sModel) {
  auto format = MakeRecommendListFormat();
  auto a = MustDecode(*format, Ranker("model-a", {{"x", 0.9}, {"y", 0.8}, {"z", 0.7}}));
  auto b = MustDecode(*format, Ranker("model-b", {{"y", 5.0}, {"w", 4.0}}));
  const DecodedList* lists[] = {a.get(), b.get()};

  const RecommendResponse merged =
      Parse(format->Merge(lists, std::vector<Pick>{{1, 0}, {0, 0}, {1, 1}, {0, 2}}));
  EXPECT_EQ(merged.model(), "model-a");
  EXPECT_THAT(Ids(merged), ElementsAre("y", "x", "w", "z"));
  // Each item as its picker sent it: y carries ranker 1's score.
  EXPECT_EQ(merged.items(0).score(), 5.0);
  EXPECT_EQ(merged.items(1).score(), 0.9);
  EXPECT_EQ(merged.items(2).score(), 4.0);
  EXPECT_EQ(merged.items(3).score(), 0.7);
}

TEST(RecommendList, MergeKeepsFieldsThisBuildDoesNotKnow) {
  // An Item with an extra field 3 (varint 5) from a newer ranker.
  Item item;
  item.set_id("new");
  const std::string item_bytes = item.SerializeAsString() + std::string("\x18\x05", 2);
  std::string response_bytes = std::string("\x0a") + static_cast<char>(item_bytes.size()) +
                               item_bytes + std::string("\x12\x01m", 3);

  auto format = MakeRecommendListFormat();
  auto list = format->Decode(absl::Cord(response_bytes));
  ASSERT_TRUE(list.ok()) << list.status();
  const DecodedList* lists[] = {list->get()};
  absl::StatusOr<absl::Cord> merged = format->Merge(lists, std::vector<Pick>{{0, 0}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(std::string(*merged), HasSubstr(std::string("\x18\x05", 2)));
  EXPECT_EQ(Parse(merged).model(), "m");
}

TEST(RecommendList, EndToEndWithTeamDraft) {
  auto format = MakeRecommendListFormat();
  auto a = MustDecode(*format, Ranker("a", {{"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}}));
  auto b = MustDecode(*format, Ranker("b", {{"3", 2}, {"1", 2}, {"5", 2}, {"6", 2}}));
  auto c = MustDecode(*format, Ranker("c", {{"7", 3}, {"8", 3}, {"9", 3}}));
  const DecodedList* lists[] = {a.get(), b.get(), c.get()};
  std::vector<std::vector<std::string>> keys;
  for (const DecodedList* l : lists) keys.push_back(l->keys());

  SplitMix64 rng(17);
  const std::vector<Pick> picks = TeamDraft(keys, 6, rng);
  ASSERT_EQ(picks.size(), 6u);
  const RecommendResponse merged = Parse(format->Merge(lists, picks));
  ASSERT_EQ(merged.items_size(), 6);
  for (size_t i = 0; i < picks.size(); ++i) {
    EXPECT_EQ(merged.items(i).id(), keys[picks[i].team][picks[i].rank]);
    EXPECT_EQ(merged.items(i).score(), picks[i].team + 1.0);  // the picker's copy
  }
}

TEST(RecommendList, MergeWithoutPicksKeepsTheModel) {
  auto format = MakeRecommendListFormat();
  auto a = MustDecode(*format, Ranker("a", {{"1", 1}}));
  const DecodedList* lists[] = {a.get()};
  const RecommendResponse merged = Parse(format->Merge(lists, {}));
  EXPECT_EQ(merged.model(), "a");
  EXPECT_EQ(merged.items_size(), 0);
}

TEST(RecommendList, MergeRejectsBadInputs) {
  auto format = MakeRecommendListFormat();
  auto a = MustDecode(*format, Ranker("a", {{"1", 1}}));
  const DecodedList* lists[] = {a.get()};
  EXPECT_FALSE(format->Merge({}, {}).ok());
  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{1, 0}}).status().message(),
              HasSubstr("names ranker 1"));
  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{0, 1}}).status().message(),
              HasSubstr("takes rank 1"));
  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{0, -1}}).status().code(),
              absl::StatusCode::kInvalidArgument);

  // A list from another format, or another instance of this one.
  auto oip = MakeOipListFormat({"ids", {}});
  ASSERT_TRUE(oip.ok());
  inference::ModelInferResponse response;
  auto* ids = response.add_outputs();
  ids->set_name("ids");
  ids->set_datatype("INT64");
  ids->add_shape(1);
  ids->mutable_contents()->add_int64_contents(1);
  auto foreign = (*oip)->Decode(absl::Cord(response.SerializeAsString()));
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  const DecodedList* mixed[] = {a.get(), foreign->get()};
  EXPECT_THAT(format->Merge(mixed, {}).status().message(), HasSubstr("not decoded by this"));
  auto other = MakeRecommendListFormat();
  auto from_other = MustDecode(*other, Ranker("b", {}));
  const DecodedList* others[] = {a.get(), from_other.get()};
  EXPECT_FALSE(format->Merge(others, {}).ok());
}

}  // namespace
}  // namespace modelgate::interleave

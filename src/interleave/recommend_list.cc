// RecommendResponse as a ranked list: the decoded list keeps the parsed response, so Merge can
// copy the picked Items whole.
#include "interleave/recommend_list.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modelgate/recommend/v1/recommend.pb.h"
#include "payload/parse_cord.h"

namespace modelgate::interleave {
namespace {

using ::modelgate::recommend::v1::RecommendResponse;

class RecommendList final : public DecodedList {
 public:
  RecommendList(const ListFormat* format, RecommendResponse response)
      : format_(format), response_(std::move(response)) {
    keys_.reserve(response_.items_size());
    for (const auto& item : response_.items()) keys_.push_back(item.id());
  }

  const std::vector<std::string>& keys() const override { return keys_; }
  const ListFormat* format() const { return format_; }
  const RecommendResponse& response() const { return response_; }

 private:
  const ListFormat* format_;  // the format that decoded it; Merge accepts only its own lists
  RecommendResponse response_;
  std::vector<std::string> keys_;
};

class RecommendListFormat final : public ListFormat {
 public:
  absl::StatusOr<std::unique_ptr<DecodedList>> Decode(const absl::Cord& bytes) const override {
    RecommendResponse response;
    if (absl::Status status = payload::ParseCord(bytes, &response); !status.ok()) {
      return status;
    }
    return std::make_unique<RecommendList>(this, std::move(response));
  }

  absl::StatusOr<absl::Cord> Merge(absl::Span<const DecodedList* const> lists,
                                   absl::Span<const Pick> picks) const override {
    if (absl::Status status = CheckMergeInputs(lists, picks); !status.ok()) return status;
    std::vector<const RecommendList*> own(lists.size());
    for (size_t i = 0; i < lists.size(); ++i) {
      own[i] = dynamic_cast<const RecommendList*>(lists[i]);
      if (own[i] == nullptr || own[i]->format() != this) {
        return absl::InvalidArgumentError(
            absl::StrCat("the list of ranker ", i, " was not decoded by this recommender format"));
      }
    }
    RecommendResponse merged = own[0]->response();
    merged.clear_items();
    merged.mutable_items()->Reserve(static_cast<int>(picks.size()));
    for (const Pick& pick : picks) {
      *merged.add_items() = own[pick.team]->response().items(pick.rank);
    }
    std::string out;
    if (!merged.SerializeToString(&out)) {
      return absl::InvalidArgumentError(
          "the merged RecommendResponse cannot be serialized (larger than 2 GiB?)");
    }
    return absl::Cord(std::move(out));
  }
};

}  // namespace

std::unique_ptr<ListFormat> MakeRecommendListFormat() {
  return std::make_unique<RecommendListFormat>();
}

}  // namespace modelgate::interleave

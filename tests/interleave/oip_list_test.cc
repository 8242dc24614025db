// The Open Inference Protocol list format: keys from typed and raw INT64/BYTES ids, merged
// responses in ranker 0's encoding form whatever the other rankers sent, aligned tensors of any
// shape and datatype following their items, shapes updated by the item-dimension rule, and clear
// errors (never crashes) for malformed responses.
#include "interleave/oip_list.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "google/protobuf/stubs/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.pb.h"
#include "interleave/recommend_list.h"
#include "interleave/team_draft.h"
#include "payload/tensor_builders.h"

namespace modelgate::interleave {
namespace {

using ::inference::ModelInferResponse;
using ::modelgate::payload::testing::AddOutput;
using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::LittleEndian;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Appends `values` to a repeated field (RepeatedField::Add takes no initializer list).
template <typename T>
void Fill(google::protobuf::RepeatedField<T>* field, std::vector<T> values) {
  field->Add(values.begin(), values.end());
}

absl::Cord Serialize(const ModelInferResponse& response) {
  return absl::Cord(response.SerializeAsString());
}

ModelInferResponse Parse(const absl::Cord& bytes) {
  ModelInferResponse response;
  EXPECT_TRUE(response.ParseFromString(std::string(bytes)));
  return response;
}

// BYTES elements as raw contents: each a 4-byte little-endian length, then the bytes.
std::string RawBytes(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& e : elements) {
    out += LittleEndian(std::vector<uint32_t>{static_cast<uint32_t>(e.size())});
    out += e;
  }
  return out;
}

std::unique_ptr<ListFormat> Format(std::string items, std::vector<std::string> aligned = {}) {
  absl::StatusOr<std::unique_ptr<ListFormat>> format =
      MakeOipListFormat({std::move(items), std::move(aligned)});
  EXPECT_TRUE(format.ok()) << format.status();
  return format.ok() ? *std::move(format) : nullptr;
}

// Decodes or fails the test.
std::unique_ptr<DecodedList> MustDecode(const ListFormat& format,
                                        const ModelInferResponse& response) {
  absl::StatusOr<std::unique_ptr<DecodedList>> list = format.Decode(Serialize(response));
  EXPECT_TRUE(list.ok()) << list.status();
  return list.ok() ? *std::move(list) : nullptr;
}

absl::Status DecodeError(const ListFormat& format, const ModelInferResponse& response) {
  absl::StatusOr<std::unique_ptr<DecodedList>> list = format.Decode(Serialize(response));
  EXPECT_FALSE(list.ok());
  return list.status();
}

ModelInferResponse MustMerge(const ListFormat& format,
                             const std::vector<const ModelInferResponse*>& responses,
                             const std::vector<Pick>& picks) {
  std::vector<std::unique_ptr<DecodedList>> owned;
  std::vector<const DecodedList*> lists;
  for (const ModelInferResponse* r : responses) {
    owned.push_back(MustDecode(format, *r));
    lists.push_back(owned.back().get());
  }
  absl::StatusOr<absl::Cord> merged = format.Merge(lists, picks);
  EXPECT_TRUE(merged.ok()) << merged.status();
  return merged.ok() ? Parse(*merged) : ModelInferResponse();
}

// A ranker's response with typed contents: "ids" INT64 [1, n] and "scores" FP32 [1, n].
ModelInferResponse TypedRanker(const std::string& model, std::vector<int64_t> ids,
                               std::vector<float> scores) {
  ModelInferResponse r;
  r.set_model_name(model);
  r.set_model_version("1");
  r.set_id("req-" + model);
  const int64_t n = static_cast<int64_t>(ids.size());
  AddOutput(&r, "ids", "INT64", {1, n})->mutable_contents()->mutable_int64_contents()->Add(
      ids.begin(), ids.end());
  AddOutput(&r, "scores", "FP32", {1, n})->mutable_contents()->mutable_fp32_contents()->Add(
      scores.begin(), scores.end());
  return r;
}

// The same as raw contents, with an unrelated "latency" output first, so positions matter.
ModelInferResponse RawRanker(const std::string& model, std::vector<int64_t> ids,
                             std::vector<float> scores) {
  ModelInferResponse r;
  r.set_model_name(model);
  const int64_t n = static_cast<int64_t>(ids.size());
  AddRawOutput(&r, "latency", "FP64", {1}, LittleEndian(std::vector<double>{0.25}));
  AddRawOutput(&r, "ids", "INT64", {n}, LittleEndian(ids));
  AddRawOutput(&r, "scores", "FP32", {n}, LittleEndian(scores));
  return r;
}

std::vector<int64_t> Int64s(const ModelInferResponse::InferOutputTensor& t) {
  return {t.contents().int64_contents().begin(), t.contents().int64_contents().end()};
}
std::vector<float> Fp32s(const ModelInferResponse::InferOutputTensor& t) {
  return {t.contents().fp32_contents().begin(), t.contents().fp32_contents().end()};
}
std::vector<int64_t> Shape(const ModelInferResponse::InferOutputTensor& t) {
  return {t.shape().begin(), t.shape().end()};
}

TEST(OipListOptions, RejectsBadNames) {
  EXPECT_THAT(MakeOipListFormat({"", {}}).status().message(), HasSubstr("items tensor"));
  EXPECT_THAT(MakeOipListFormat({"ids", {"scores", "ids"}}).status().message(),
              HasSubstr("cannot also be aligned"));
  EXPECT_THAT(MakeOipListFormat({"ids", {"scores", "scores"}}).status().message(),
              HasSubstr("listed twice"));
  EXPECT_THAT(MakeOipListFormat({"ids", {""}}).status().message(), HasSubstr("empty"));
  EXPECT_EQ(MakeOipListFormat({"", {}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeOipListFormat({"ids", {"scores", "embedding"}}).ok());
}

TEST(OipListDecode, KeysOfTypedInt64AreDecimalStrings) {
  auto format = Format("ids");
  auto list = MustDecode(*format, TypedRanker("a", {7, -42, 9007199254740993}, {1, 2, 3}));
  // 2^53 + 1: an id that a double would have rounded.
  EXPECT_THAT(list->keys(), ElementsAre("7", "-42", "9007199254740993"));
}

TEST(OipListDecode, KeysOfRawInt64ComeFromTheOutputsPosition) {
  auto format = Format("ids");
  auto list = MustDecode(*format, RawRanker("a", {5, INT64_MIN, 0}, {1, 2, 3}));
  EXPECT_THAT(list->keys(), ElementsAre("5", "-9223372036854775808", "0"));
}

TEST(OipListDecode, KeysOfBytesAreTheBytes) {
  const std::string binary("x\0y", 3);
  ModelInferResponse typed;
  auto* out = AddOutput(&typed, "ids", "BYTES", {3});
  for (const std::string& s : {std::string("item-1"), std::string(), binary}) {
    out->mutable_contents()->add_bytes_contents(s);
  }
  ModelInferResponse raw;
  AddRawOutput(&raw, "ids", "BYTES", {1, 3}, RawBytes({"item-1", "", binary}));

  auto format = Format("ids");
  EXPECT_THAT(MustDecode(*format, typed)->keys(), ElementsAre("item-1", "", binary));
  EXPECT_THAT(MustDecode(*format, raw)->keys(), ElementsAre("item-1", "", binary));
}

TEST(OipListDecode, EmptyListIsValid) {
  auto format = Format("ids", {"scores"});
  EXPECT_TRUE(MustDecode(*format, TypedRanker("a", {}, {}))->keys().empty());
  EXPECT_TRUE(MustDecode(*format, RawRanker("a", {}, {}))->keys().empty());
}

TEST(OipListMerge, TypedInt64WithAlignedScoresKeepsRanker0sEverythingElse) {
  ModelInferResponse a = TypedRanker("model-a", {10, 11, 12}, {0.9f, 0.8f, 0.7f});
  (*a.mutable_parameters())["trace"].set_string_param("a");
  AddOutput(&a, "debug", "BYTES", {1})->mutable_contents()->add_bytes_contents("from a");
  ModelInferResponse b = TypedRanker("model-b", {20, 10, 21}, {0.6f, 0.5f, 0.4f});
  AddOutput(&b, "debug", "BYTES", {1})->mutable_contents()->add_bytes_contents("from b");

  auto format = Format("ids", {"scores"});
  const ModelInferResponse merged =
      MustMerge(*format, {&a, &b}, {{1, 0}, {0, 0}, {0, 1}, {1, 2}});

  EXPECT_EQ(merged.model_name(), "model-a");
  EXPECT_EQ(merged.model_version(), "1");
  EXPECT_EQ(merged.id(), "req-model-a");
  EXPECT_EQ(merged.parameters().at("trace").string_param(), "a");
  EXPECT_EQ(merged.raw_output_contents_size(), 0);
  ASSERT_EQ(merged.outputs_size(), 3);
  EXPECT_THAT(Int64s(merged.outputs(0)), ElementsAre(20, 10, 11, 21));
  EXPECT_THAT(Shape(merged.outputs(0)), ElementsAre(1, 4));
  EXPECT_THAT(Fp32s(merged.outputs(1)), ElementsAre(0.6f, 0.9f, 0.8f, 0.4f));
  EXPECT_THAT(Shape(merged.outputs(1)), ElementsAre(1, 4));
  EXPECT_EQ(merged.outputs(2).name(), "debug");
  EXPECT_THAT(merged.outputs(2).contents().bytes_contents(), ElementsAre("from a"));
}

TEST(OipListMerge, RawInt64StaysRawAndPositional) {
  ModelInferResponse a = RawRanker("model-a", {1, 2, 3}, {0.3f, 0.2f, 0.1f});
  ModelInferResponse b = RawRanker("model-b", {4, 5}, {0.5f, 0.4f});

  auto format = Format("ids", {"scores"});
  const ModelInferResponse merged = MustMerge(*format, {&a, &b}, {{0, 0}, {1, 0}, {1, 1}});

  ASSERT_EQ(merged.outputs_size(), 3);
  ASSERT_EQ(merged.raw_output_contents_size(), 3);
  EXPECT_EQ(merged.raw_output_contents(0), LittleEndian(std::vector<double>{0.25}));
  EXPECT_EQ(merged.raw_output_contents(1), LittleEndian(std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(merged.raw_output_contents(2), LittleEndian(std::vector<float>{0.3f, 0.5f, 0.4f}));
  EXPECT_THAT(Shape(merged.outputs(1)), ElementsAre(3));
  EXPECT_THAT(Shape(merged.outputs(2)), ElementsAre(3));
  EXPECT_FALSE(merged.outputs(1).has_contents());
}

TEST(OipListMerge, MixedFormsAreWrittenInRanker0sForm) {
  ModelInferResponse typed = TypedRanker("typed", {1, 2}, {0.1f, 0.2f});
  ModelInferResponse raw = RawRanker("raw", {3, 4}, {0.3f, 0.4f});
  auto format = Format("ids", {"scores"});

  const ModelInferResponse as_typed = MustMerge(*format, {&typed, &raw}, {{1, 0}, {0, 0}});
  EXPECT_EQ(as_typed.model_name(), "typed");
  EXPECT_EQ(as_typed.raw_output_contents_size(), 0);
  EXPECT_THAT(Int64s(as_typed.outputs(0)), ElementsAre(3, 1));
  EXPECT_THAT(Fp32s(as_typed.outputs(1)), ElementsAre(0.3f, 0.1f));
  EXPECT_THAT(Shape(as_typed.outputs(0)), ElementsAre(1, 2));

  const ModelInferResponse as_raw = MustMerge(*format, {&raw, &typed}, {{1, 1}, {0, 1}});
  EXPECT_EQ(as_raw.model_name(), "raw");
  ASSERT_EQ(as_raw.raw_output_contents_size(), 3);
  EXPECT_EQ(as_raw.raw_output_contents(1), LittleEndian(std::vector<int64_t>{2, 4}));
  EXPECT_EQ(as_raw.raw_output_contents(2), LittleEndian(std::vector<float>{0.2f, 0.4f}));
  EXPECT_THAT(Shape(as_raw.outputs(1)), ElementsAre(2));
}

TEST(OipListMerge, BytesIdsTypedAndRaw) {
  ModelInferResponse typed;
  auto* t = AddOutput(&typed, "ids", "BYTES", {2});
  t->mutable_contents()->add_bytes_contents("alpha");
  t->mutable_contents()->add_bytes_contents("beta");
  ModelInferResponse raw;
  AddRawOutput(&raw, "ids", "BYTES", {1, 3}, RawBytes({"gamma", "", "alpha"}));
  auto format = Format("ids");

  auto typed_list = MustDecode(*format, typed);
  auto raw_list = MustDecode(*format, raw);
  const std::vector<std::vector<std::string>> keys = {typed_list->keys(), raw_list->keys()};
  SplitMix64 rng(4);
  const std::vector<Pick> picks = TeamDraft(keys, 10, rng);
  // alpha is shared, so it is shown once; the page stops when team 0 runs out, after 3 or 4.
  ASSERT_GE(picks.size(), 3u);

  std::vector<std::string> expected;
  for (const Pick& p : picks) expected.push_back(keys[p.team][p.rank]);
  const DecodedList* lists[] = {typed_list.get(), raw_list.get()};
  const ModelInferResponse as_typed = Parse(*format->Merge(lists, picks));
  EXPECT_THAT(as_typed.outputs(0).contents().bytes_contents(),
              ::testing::ElementsAreArray(expected));
  EXPECT_THAT(Shape(as_typed.outputs(0)), ElementsAre(static_cast<int64_t>(picks.size())));

  const DecodedList* swapped[] = {raw_list.get(), typed_list.get()};
  std::vector<Pick> swapped_picks = picks;
  for (Pick& p : swapped_picks) p.team = 1 - p.team;
  const ModelInferResponse as_raw = Parse(*format->Merge(swapped, swapped_picks));
  EXPECT_EQ(as_raw.raw_output_contents(0), RawBytes(expected));
  EXPECT_THAT(Shape(as_raw.outputs(0)), ElementsAre(1, static_cast<int64_t>(picks.size())));
}

TEST(OipListMerge, AlignedMatrixMovesWholeRows) {
  // "embedding" FP64 [n, 2]: the item dimension is the first; each item owns a row.
  ModelInferResponse a;
  Fill(AddOutput(&a, "ids", "INT64", {2})->mutable_contents()->mutable_int64_contents(), {1, 2});
  Fill(AddOutput(&a, "embedding", "FP64", {2, 2})
      ->mutable_contents()
      ->mutable_fp64_contents(), {1.0, 1.5, 2.0, 2.5});
  ModelInferResponse b;
  AddRawOutput(&b, "embedding", "FP64", {3, 2},
               LittleEndian(std::vector<double>{3.0, 3.5, 4.0, 4.5, 5.0, 5.5}));
  AddRawOutput(&b, "ids", "INT64", {3}, LittleEndian(std::vector<int64_t>{3, 4, 5}));

  auto format = Format("ids", {"embedding"});
  const ModelInferResponse merged = MustMerge(*format, {&a, &b}, {{1, 2}, {0, 1}, {1, 0}});
  EXPECT_THAT(Int64s(merged.outputs(0)), ElementsAre(5, 2, 3));
  EXPECT_THAT(merged.outputs(1).contents().fp64_contents(),
              ElementsAre(5.0, 5.5, 2.0, 2.5, 3.0, 3.5));
  EXPECT_THAT(Shape(merged.outputs(1)), ElementsAre(3, 2));
}

TEST(OipListMerge, NarrowIntegersConvertBetweenForms) {
  // An INT8 "flag" per item: raw in ranker 1 (0xff is -1), typed int_contents in ranker 0.
  ModelInferResponse a;
  AddOutput(&a, "ids", "INT64", {1})->mutable_contents()->add_int64_contents(1);
  AddOutput(&a, "flag", "INT8", {1})->mutable_contents()->add_int_contents(-128);
  ModelInferResponse b;
  AddRawOutput(&b, "ids", "INT64", {2}, LittleEndian(std::vector<int64_t>{2, 3}));
  AddRawOutput(&b, "flag", "INT8", {2}, LittleEndian(std::vector<int8_t>{-1, 127}));

  auto format = Format("ids", {"flag"});
  const ModelInferResponse typed = MustMerge(*format, {&a, &b}, {{1, 0}, {0, 0}, {1, 1}});
  EXPECT_THAT(typed.outputs(1).contents().int_contents(), ElementsAre(-1, -128, 127));
  const ModelInferResponse raw = MustMerge(*format, {&b, &a}, {{0, 0}, {1, 0}});
  EXPECT_EQ(raw.raw_output_contents(1), LittleEndian(std::vector<int8_t>{-1, -128}));
}

TEST(OipListMerge, EndToEndWithTeamDraftAndNoPicks) {
  ModelInferResponse a = TypedRanker("a", {1, 2, 3}, {3, 2, 1});
  ModelInferResponse b = TypedRanker("b", {}, {});
  auto format = Format("ids", {"scores"});
  auto la = MustDecode(*format, a);
  auto lb = MustDecode(*format, b);
  SplitMix64 rng(1);
  const std::vector<Pick> picks =
      TeamDraft(std::vector<std::vector<std::string>>{la->keys(), lb->keys()}, 5, rng);
  EXPECT_TRUE(picks.empty());  // an empty list stops the draft at once
  const DecodedList* lists[] = {la.get(), lb.get()};
  const ModelInferResponse merged = Parse(*format->Merge(lists, picks));
  EXPECT_THAT(Shape(merged.outputs(0)), ElementsAre(1, 0));
  EXPECT_TRUE(Int64s(merged.outputs(0)).empty());
  EXPECT_TRUE(Fp32s(merged.outputs(1)).empty());
}

TEST(OipListDecode, MissingTensorNamesWhatThereIs) {
  auto format = Format("items", {"scores"});
  const absl::Status status = DecodeError(*format, TypedRanker("a", {1}, {1}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no output named \"items\""));
  EXPECT_THAT(status.message(), HasSubstr("\"ids\", \"scores\""));

  auto aligned = Format("ids", {"ranks"});
  EXPECT_THAT(DecodeError(*aligned, TypedRanker("a", {1}, {1})).message(),
              HasSubstr("aligned tensor \"ranks\": the response has no output named"));
  EXPECT_THAT(DecodeError(*format, ModelInferResponse()).message(), HasSubstr("no outputs"));
}

TEST(OipListDecode, RejectsNonIdDatatypes) {
  ModelInferResponse r;
  AddOutput(&r, "ids", "FP32", {1})->mutable_contents()->add_fp32_contents(1);
  const absl::Status status = DecodeError(*Format("ids"), r);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("INT64 or BYTES, not \"FP32\""));

  ModelInferResponse unknown;
  AddOutput(&unknown, "ids", "INT64", {1})->mutable_contents()->add_int64_contents(1);
  AddOutput(&unknown, "s", "FLOAT", {1});
  EXPECT_THAT(DecodeError(*Format("ids", {"s"}), unknown).message(),
              HasSubstr("unknown datatype \"FLOAT\""));
}

TEST(OipListDecode, CountMismatchesSayWhatDiffers) {
  auto format = Format("ids", {"scores"});
  ModelInferResponse typed;
  Fill(AddOutput(&typed, "ids", "INT64", {3})->mutable_contents()->mutable_int64_contents(),
       {1, 2});
  EXPECT_THAT(DecodeError(*format, typed).message(),
              HasSubstr("int64_contents holds 2 values, but the shape [3] has 3 elements"));

  ModelInferResponse raw;
  AddRawOutput(&raw, "ids", "INT64", {3}, LittleEndian(std::vector<int64_t>{1, 2}));
  EXPECT_THAT(DecodeError(*format, raw).message(),
              HasSubstr("raw_output_contents[0] holds 16 bytes, but the shape [3] has 3 elements"));

  // Aligned scores for fewer items than ids.
  ModelInferResponse scores = TypedRanker("a", {1, 2, 3}, {1, 2, 3});
  scores.mutable_outputs(1)->set_shape(1, 2);
  scores.mutable_outputs(1)->mutable_contents()->mutable_fp32_contents()->RemoveLast();
  EXPECT_THAT(DecodeError(*format, scores).message(),
              HasSubstr("aligned tensor \"scores\": shape [1, 2] has no item dimension for 3"));

  ModelInferResponse bytes;
  AddRawOutput(&bytes, "ids", "BYTES", {2}, RawBytes({"a", "b", "c"}));
  EXPECT_THAT(DecodeError(*format, bytes).message(),
              HasSubstr("holds 3 BYTES elements, but the shape [2] has 2"));
}

TEST(OipListDecode, RejectsShapesWithoutAnItemDimension) {
  ModelInferResponse matrix;
  Fill(AddOutput(&matrix, "ids", "INT64", {2, 2})
      ->mutable_contents()
      ->mutable_int64_contents(), {1, 2, 3, 4});
  EXPECT_THAT(DecodeError(*Format("ids"), matrix).message(), HasSubstr("no item dimension"));

  ModelInferResponse scalar;
  AddOutput(&scalar, "ids", "INT64", {})->mutable_contents()->add_int64_contents(1);
  EXPECT_THAT(DecodeError(*Format("ids"), scalar).message(), HasSubstr("no item dimension"));

  // [d, n] puts items last: row-major, an item's values are not contiguous.
  ModelInferResponse transposed = TypedRanker("a", {1, 2, 3}, {});
  Fill(AddOutput(&transposed, "emb", "FP32", {2, 3})
      ->mutable_contents()
      ->mutable_fp32_contents(), {1, 2, 3, 4, 5, 6});
  transposed.mutable_outputs()->DeleteSubrange(1, 1);  // drop the empty scores
  EXPECT_THAT(DecodeError(*Format("ids", {"emb"}), transposed).message(),
              HasSubstr("aligned tensor \"emb\": shape [2, 3] has no item dimension"));
}

TEST(OipListDecode, RejectsMalformedEncodings) {
  auto format = Format("ids");
  // Values in another typed field than the datatype's.
  ModelInferResponse wrong_field;
  AddOutput(&wrong_field, "ids", "INT64", {1})->mutable_contents()->add_int_contents(1);
  EXPECT_THAT(DecodeError(*format, wrong_field).message(), HasSubstr("other fields hold 1"));

  // raw_output_contents must pair with every output.
  ModelInferResponse unpaired = RawRanker("a", {1}, {1});
  unpaired.mutable_raw_output_contents()->RemoveLast();
  EXPECT_THAT(DecodeError(*format, unpaired).message(), HasSubstr("2 entries for 3 outputs"));

  // Both forms for one tensor.
  ModelInferResponse both = RawRanker("a", {1}, {1});
  both.mutable_outputs(1)->mutable_contents()->add_int64_contents(1);
  EXPECT_THAT(DecodeError(*format, both).message(), HasSubstr("one or the other"));

  // A BYTES element that claims more bytes than there are, and a truncated length prefix.
  ModelInferResponse overlong;
  AddRawOutput(&overlong, "ids", "BYTES", {1}, LittleEndian(std::vector<uint32_t>{100}) + "abc");
  EXPECT_THAT(DecodeError(*format, overlong).message(), HasSubstr("claims 100 bytes"));
  ModelInferResponse truncated;
  AddRawOutput(&truncated, "ids", "BYTES", {2}, RawBytes({"a"}) + std::string("\x01\x00", 2));
  EXPECT_THAT(DecodeError(*format, truncated).message(), HasSubstr("truncated"));

  // A narrow integer that does not fit its datatype.
  ModelInferResponse wide = TypedRanker("a", {1}, {1});
  AddOutput(&wide, "flag", "INT8", {1})->mutable_contents()->add_int_contents(300);
  EXPECT_THAT(DecodeError(*Format("ids", {"flag"}), wide).message(),
              HasSubstr("300 does not fit datatype INT8"));

  // FP16 has no typed field.
  ModelInferResponse half = TypedRanker("a", {1}, {1});
  AddOutput(&half, "h", "FP16", {1});
  EXPECT_THAT(DecodeError(*Format("ids", {"h"}), half).message(), HasSubstr("raw_output_contents"));

  // Negative dimension.
  ModelInferResponse negative;
  AddOutput(&negative, "ids", "INT64", {-1});
  EXPECT_THAT(DecodeError(*format, negative).message(), HasSubstr("negative"));
}

TEST(OipListDecode, GarbageBytesAreInvalidArgument) {
  auto format = Format("ids");
  for (const std::string& garbage :
       {std::string("\xff\xff\xff"), std::string("\x2a\x10" "abc"), std::string("\x07")}) {
    absl::StatusOr<std::unique_ptr<DecodedList>> list = format->Decode(absl::Cord(garbage));
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(list.status().message(), HasSubstr("inference.ModelInferResponse"));
  }
}

TEST(OipListDecode, NeverCrashesOnMutatedResponses) {
  // Flipped, truncated and duplicated bytes of valid responses: Decode must return, and what it
  // accepts must merge with itself.
  ModelInferResponse base = RawRanker("a", {1, 2, 3}, {0.1f, 0.2f, 0.3f});
  AddRawOutput(&base, "names", "BYTES", {3}, RawBytes({"x", "yy", "zzz"}));
  const std::string typed = TypedRanker("b", {4, 5}, {1, 2}).SerializeAsString();
  const std::string raw = base.SerializeAsString();
  auto format = Format("ids", {"scores", "names"});
  auto typed_format = Format("ids", {"scores"});
  // Most mutations break a string field's UTF-8; protobuf logs each such failed parse.
  google::protobuf::LogSilencer quiet;
  SplitMix64 gen(2024);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = (i % 2 == 0) ? raw : typed;
    const int edits = 1 + static_cast<int>(gen.Below(4));
    for (int e = 0; e < edits; ++e) {
      const size_t pos = gen.Below(bytes.size() + 1);
      switch (gen.Below(3)) {
        case 0:
          if (pos < bytes.size()) bytes[pos] = static_cast<char>(gen.Below(256));
          break;
        case 1:
          bytes.resize(pos);
          break;
        default:
          bytes.insert(pos, bytes.substr(pos, gen.Below(8)));
      }
    }
    const ListFormat& f = (i % 2 == 0) ? *format : *typed_format;
    absl::StatusOr<std::unique_ptr<DecodedList>> list = f.Decode(absl::Cord(bytes));
    if (!list.ok()) continue;
    ++accepted;
    const DecodedList* lists[] = {list->get(), list->get()};
    SplitMix64 rng(i);
    const std::vector<Pick> picks =
        TeamDraft(std::vector<std::vector<std::string>>{(*list)->keys(), (*list)->keys()}, 10, rng);
    EXPECT_TRUE(f.Merge(lists, picks).ok());
  }
  EXPECT_GT(accepted, 0);
}

TEST(OipListMerge, RejectsIncompatibleRankersAndBadInputs) {
  auto format = Format("ids", {"scores"});
  ModelInferResponse a = TypedRanker("a", {1, 2}, {1, 2});
  ModelInferResponse fp64 = TypedRanker("b", {3, 4}, {});
  fp64.mutable_outputs(1)->set_datatype("FP64");
  Fill(fp64.mutable_outputs(1)->mutable_contents()->mutable_fp64_contents(), {3, 4});
  auto la = MustDecode(*format, a);
  auto lb = MustDecode(*format, fp64);
  const DecodedList* lists[] = {la.get(), lb.get()};

  absl::StatusOr<absl::Cord> merged = format->Merge(lists, std::vector<Pick>{{0, 0}, {1, 0}});
  ASSERT_FALSE(merged.ok());
  EXPECT_THAT(merged.status().message(),
              HasSubstr("aligned tensor \"scores\": ranker 1 sends FP64 but ranker 0 sends FP32"));
  // A ranker without picks does not have to agree.
  EXPECT_TRUE(format->Merge(lists, std::vector<Pick>{{0, 0}}).ok());

  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{2, 0}}).status().message(),
              HasSubstr("names ranker 2"));
  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{1, 2}}).status().message(),
              HasSubstr("takes rank 2 of ranker 1"));
  EXPECT_FALSE(format->Merge({}, {}).ok());
  const DecodedList* with_null[] = {la.get(), nullptr};
  EXPECT_THAT(format->Merge(with_null, {}).status().message(), HasSubstr("null"));

  // Lists decoded by another format (even another OIP format) are refused.
  auto other = Format("ids");
  auto lo = MustDecode(*other, a);
  const DecodedList* foreign[] = {la.get(), lo.get()};
  EXPECT_THAT(format->Merge(foreign, {}).status().message(), HasSubstr("not decoded by this"));
}

TEST(OipListMerge, RejectsDifferentElementsPerItem) {
  ModelInferResponse a;
  AddOutput(&a, "ids", "INT64", {1})->mutable_contents()->add_int64_contents(1);
  Fill(AddOutput(&a, "e", "FP32", {1, 2})->mutable_contents()->mutable_fp32_contents(), {1, 2});
  ModelInferResponse b;
  AddOutput(&b, "ids", "INT64", {1})->mutable_contents()->add_int64_contents(2);
  Fill(AddOutput(&b, "e", "FP32", {1, 3})->mutable_contents()->mutable_fp32_contents(), {1, 2, 3});
  auto format = Format("ids", {"e"});
  auto la = MustDecode(*format, a);
  auto lb = MustDecode(*format, b);
  const DecodedList* lists[] = {la.get(), lb.get()};
  EXPECT_THAT(format->Merge(lists, std::vector<Pick>{{0, 0}, {1, 0}}).status().message(),
              HasSubstr("3 elements per item but ranker 0 sends 2"));
}

}  // namespace
}  // namespace modelgate::interleave

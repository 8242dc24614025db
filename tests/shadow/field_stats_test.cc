// FieldStats: noise cancellation against a reference (a random field in the legacy itself is
// noise, a field only the shadow changes is real), the min_samples gate, the field cap, the
// JSON schema's nulls, and error quantiles against exact order statistics.
#include "shadow/field_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "responses.h"
#include "shadow/response_diff.h"

namespace modelgate::shadow {
namespace {

using nlohmann::json;
using testing::AddBytes;
using testing::AddFp32;
using testing::Response;

// A response of the fake model with --nonce_output: "output0" (the model's answer) and "nonce"
// (a random number drawn per call).
Response ModelResponse(float output, float nonce) {
  Response r;
  AddFp32(&r, "output0", {1}, {output});
  AddFp32(&r, "nonce", {1}, {nonce});
  return r;
}

// Exact comparison: two nonces then agree only by an exact float collision (about 2^-24 per
// pair), never by landing within a tolerance of each other.
CompareSettings Exact() {
  CompareSettings settings;
  settings.absolute_tolerance = 0;
  settings.relative_tolerance = 0;
  return settings;
}

struct Simulation {
  FieldStats stats;
  int64_t shadow_output_differences = 0;
};

// `samples` requests; the shadow changes output0 with probability `shadow_rate`; every call's
// nonce is fresh, so the nonce differs in every pair, reference or shadow. The reference is a
// second legacy: its output0 always equals the primary's.
Simulation Simulate(int samples, double shadow_rate, bool with_reference, uint64_t seed,
                    const FieldStatsSettings& settings = {}) {
  Simulation sim{FieldStats::Create(settings).value()};
  SplitMix64 random(seed);
  for (int i = 0; i < samples; ++i) {
    const float output = static_cast<float>(random.Uniform());
    const bool shadow_differs = random.Uniform() < shadow_rate;
    sim.shadow_output_differences += shadow_differs;
    const Response primary = ModelResponse(output, static_cast<float>(random.Uniform()));
    const Response shadow = ModelResponse(shadow_differs ? output + 1.0f : output,
                                          static_cast<float>(random.Uniform()));
    const Response reference = ModelResponse(output, static_cast<float>(random.Uniform()));
    const ResponseDiff shadow_diff = DiffParsedResponses(primary, shadow, Exact());
    const ResponseDiff reference_diff = DiffParsedResponses(primary, reference, Exact());
    sim.stats.Add(shadow_diff, with_reference ? &reference_diff : nullptr);
  }
  return sim;
}

TEST(FieldStats, ReferenceCancelsAFieldThatIsRandomInTheLegacyAndKeepsARealOne) {
  constexpr int kSamples = 500;
  constexpr double kRate = 0.30;
  const Simulation sim = Simulate(kSamples, kRate, /*with_reference=*/true, /*seed=*/42);
  ASSERT_EQ(sim.stats.fields().size(), 2u);

  const FieldRecord* nonce = sim.stats.Find("nonce");
  ASSERT_NE(nonce, nullptr);
  const NoiseVerdict n = sim.stats.Verdict(*nonce);
  EXPECT_EQ(n.raw_rate, 1.0);
  EXPECT_EQ(n.noise_rate, 1.0);
  EXPECT_EQ(n.adjusted_rate, 0.0);
  EXPECT_EQ(n.status, NoiseStatus::kWithinNoise);
  EXPECT_EQ(n.real, false);

  const FieldRecord* output = sim.stats.Find("output0");
  ASSERT_NE(output, nullptr);
  const NoiseVerdict o = sim.stats.Verdict(*output);
  EXPECT_EQ(o.noise_rate, 0.0);
  EXPECT_EQ(o.status, NoiseStatus::kReal);
  EXPECT_EQ(o.real, true);
  // Exactly the simulated share, and that share within 4 binomial standard deviations of 0.30.
  const double observed = static_cast<double>(sim.shadow_output_differences) / kSamples;
  EXPECT_DOUBLE_EQ(*o.adjusted_rate, observed);
  EXPECT_DOUBLE_EQ(*o.raw_rate, observed);
  EXPECT_NEAR(*o.adjusted_rate, kRate, 4 * std::sqrt(kRate * (1 - kRate) / kSamples));

  // The whole response differs whenever the nonce does: noise too, at the response level.
  const NoiseVerdict response = sim.stats.ResponseVerdict();
  EXPECT_EQ(response.raw_rate, 1.0);
  EXPECT_EQ(response.status, NoiseStatus::kWithinNoise);
}

TEST(FieldStats, WithoutAReferenceEveryDifferingFieldIsReportedWithNullNoise) {
  const Simulation sim = Simulate(500, 0.30, /*with_reference=*/false, /*seed=*/42);
  for (const char* name : {"nonce", "output0"}) {
    const FieldRecord* field = sim.stats.Find(name);
    ASSERT_NE(field, nullptr) << name;
    const NoiseVerdict v = sim.stats.Verdict(*field);
    EXPECT_EQ(v.status, NoiseStatus::kNoReference) << name;
    EXPECT_EQ(v.real, true) << name;
    EXPECT_FALSE(v.noise_rate.has_value()) << name;
    EXPECT_EQ(v.adjusted_rate, v.raw_rate) << name;
  }
  const json j = sim.stats.ToJson();
  for (const json& field : j["fields"]) {
    EXPECT_TRUE(field["noise_difference_rate"].is_null()) << field["field"];
    EXPECT_EQ(field["noise_status"], "no_reference");
    EXPECT_EQ(field["real"], true);
    EXPECT_EQ(field["reference_compared"], 0);
  }
  EXPECT_EQ(j["fields"][0]["field"], "output0");
  EXPECT_DOUBLE_EQ(j["fields"][0]["raw_difference_rate"].get<double>(),
                   static_cast<double>(sim.shadow_output_differences) / 500);
}

TEST(FieldStats, NoiseIsUndecidedUntilMinSamplesReferenceComparisons) {
  FieldStatsSettings settings;
  settings.noise.min_samples = 20;
  // Seed 7 at rate 0.3 must produce some shadow differences within the first 19 samples for
  // the status to be about noise at all; checked below.
  Simulation sim = Simulate(19, 0.3, true, 7, settings);
  const FieldRecord* output = sim.stats.Find("output0");
  ASSERT_NE(output, nullptr);
  ASSERT_GT(output->counts().differing, 0);
  EXPECT_EQ(output->counts().reference_compared, 19);
  EXPECT_EQ(sim.stats.Verdict(*output).status, NoiseStatus::kInsufficientData);
  EXPECT_FALSE(sim.stats.Verdict(*output).real.has_value());
  const json j = sim.stats.ToJson();
  EXPECT_EQ(j["fields"][0]["noise_status"], "insufficient_data");
  EXPECT_TRUE(j["fields"][0]["real"].is_null());
  EXPECT_FALSE(j["fields"][0]["noise_difference_rate"].is_null());  // known, just not trusted

  sim = Simulate(20, 0.3, true, 7, settings);
  EXPECT_NE(sim.stats.Verdict(*sim.stats.Find("output0")).status, NoiseStatus::kInsufficientData);
}

TEST(FieldStats, TracksAtMostMaxFieldsAndCountsTheRestAsOverflow) {
  FieldStatsSettings settings;
  settings.max_fields = 3;
  FieldStats stats = FieldStats::Create(settings).value();
  for (int round = 0; round < 2; ++round) {
    Response primary;
    for (int i = 0; i < 5; ++i) AddFp32(&primary, "f" + std::to_string(i), {1}, {1});
    AddFp32(&primary, std::string(FieldStats::kMaxFieldNameBytes + 1, 'x'), {1}, {1});
    stats.Add(DiffParsedResponses(primary, primary, {}), nullptr);
  }
  ASSERT_EQ(stats.fields().size(), 3u);
  EXPECT_EQ(stats.fields()[2].name(), "f2");
  EXPECT_EQ(stats.fields()[0].counts().compared, 2);
  EXPECT_EQ(stats.Find("f3"), nullptr);
  EXPECT_EQ(stats.overflow_tensor_diffs(), 2 * 3);  // f3, f4 and the long name, twice
  EXPECT_EQ(stats.ToJson()["overflow_tensor_diffs"], 6);

  // A long name is refused even when there is room.
  FieldStats roomy;
  Response long_name;
  AddFp32(&long_name, std::string(FieldStats::kMaxFieldNameBytes + 1, 'y'), {1}, {1});
  roomy.Add(DiffParsedResponses(long_name, long_name, {}), nullptr);
  EXPECT_TRUE(roomy.fields().empty());
  EXPECT_EQ(roomy.overflow_tensor_diffs(), 1);
}

TEST(FieldStats, RejectsInvalidSettings) {
  FieldStatsSettings settings;
  settings.max_fields = 0;
  EXPECT_FALSE(FieldStats::Create(settings).ok());
  settings = {};
  settings.noise.min_samples = 0;
  EXPECT_FALSE(FieldStats::Create(settings).ok());
  settings = {};
  settings.noise.absolute_threshold = std::nan("");
  EXPECT_FALSE(FieldStats::Create(settings).ok());
}

// Walks a JSON value and fails on any number that is not finite.
void ExpectAllNumbersFinite(const json& value, const std::string& path) {
  if (value.is_number_float()) {
    EXPECT_TRUE(std::isfinite(value.get<double>())) << path;
  } else if (value.is_object()) {
    for (const auto& [key, child] : value.items()) ExpectAllNumbersFinite(child, path + "." + key);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      ExpectAllNumbersFinite(value[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

TEST(FieldStats, JsonHoldsNullsWhereNothingWasComputedAndNeverNan) {
  const json empty = FieldStats().ToJson();
  EXPECT_EQ(empty["pairs"], 0);
  EXPECT_TRUE(empty["bytes_equal_rate"].is_null());
  EXPECT_TRUE(empty["response"]["raw_difference_rate"].is_null());
  EXPECT_EQ(empty["response"]["noise_status"], "no_data");
  EXPECT_TRUE(empty["fields"].empty());

  FieldStats stats;
  Response primary;
  AddBytes(&primary, "label", {1}, {"cat"});
  AddFp32(&primary, "score", {1}, {0.0f});
  AddFp32(&primary, std::string("bad\xff", 4), {1}, {1});  // not UTF-8
  Response shadow;
  AddBytes(&shadow, "label", {1}, {"dog"});
  AddFp32(&shadow, "score", {1}, {0.5f});
  AddFp32(&shadow, std::string("bad\xff", 4), {1}, {1});
  stats.Add(DiffParsedResponses(primary, shadow, {}), nullptr);
  UnparsableSides shadow_only;
  shadow_only.shadow = true;
  stats.AddUnparsable(shadow_only);
  stats.AddReferenceUnparsable();

  const json j = stats.ToJson();
  std::string text;
  ASSERT_NO_THROW(text = j.dump());
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
  ExpectAllNumbersFinite(j, "$");  // dump() would have hidden a NaN as null

  EXPECT_EQ(j["pairs"], 2);
  EXPECT_EQ(j["compared"], 1);
  EXPECT_EQ(j["bytes_equal_rate"], 0.0);
  EXPECT_EQ(j["decode_errors"], json({{"primary", 0}, {"shadow", 1}, {"reference", 1}}));
  ASSERT_EQ(j["fields"].size(), 3u);
  EXPECT_EQ(j["fields"][2]["field"], "bad\xef\xbf\xbd");  // U+FFFD

  const json& label = j["fields"][0];
  EXPECT_EQ(label["field"], "label");
  EXPECT_EQ(label["kinds"]["value_mismatch"], 1);
  EXPECT_EQ(label["kinds"]["equal"], 0);
  EXPECT_EQ(label["kinds"].size(), 8u);
  EXPECT_TRUE(label["abs_error"]["max"].is_null());  // BYTES: no numeric error
  EXPECT_TRUE(label["abs_error"]["p99"].is_null());
  EXPECT_TRUE(label["argmax_agreement_rate"].is_null());
  EXPECT_TRUE(label["noise_difference_rate"].is_null());
  EXPECT_EQ(label["within_tolerance_rate"], 0.0);
  EXPECT_EQ(label["last_difference"]["primary"], "\"cat\"");
  EXPECT_EQ(label["last_difference"]["shadow"], "\"dog\"");
  EXPECT_EQ(label["last_difference"]["kind"], "value_mismatch");

  const json& score = j["fields"][1];
  EXPECT_EQ(score["abs_error"]["max"], 0.5);
  EXPECT_EQ(score["abs_error"]["mean"], 0.5);
  EXPECT_TRUE(score["rel_error"]["max"].is_null());  // the primary is 0: no relative error
  EXPECT_EQ(score["rel_error"]["pairs"], 0);
}

TEST(FieldStats, ErrorQuantilesMatchExactOrderStatisticsWithinTheSketchAccuracy) {
  FieldStats stats;
  SplitMix64 random(2024);
  std::vector<double> pair_maxima;
  double sum = 0;
  int64_t elements = 0;
  for (int i = 0; i < 2000; ++i) {
    TensorDiff t;
    t.name = "y";
    t.kind = TensorDiffKind::kValueMismatch;
    t.numeric = true;
    // Log-uniform over 1e-8 .. 1: error magnitudes spanning eight decades.
    t.max_abs_error = std::pow(10.0, -8 + 8 * random.Uniform());
    t.error_elements = 1 + static_cast<int64_t>(random.Below(10));
    t.sum_abs_error = t.max_abs_error * static_cast<double>(t.error_elements) / 2;
    pair_maxima.push_back(t.max_abs_error);
    sum += t.sum_abs_error;
    elements += t.error_elements;
    ResponseDiff diff;
    diff.decoded = true;
    diff.tensors.push_back(t);
    stats.Add(diff, nullptr);
  }
  std::sort(pair_maxima.begin(), pair_maxima.end());
  const ErrorSummary& errors = stats.Find("y")->abs_error();
  for (double q : {0.5, 0.99}) {
    // The sketch's definition: the sample of rank floor(q * (n - 1)).
    const double exact = pair_maxima[static_cast<size_t>(q * (pair_maxima.size() - 1))];
    const double estimate = errors.PairMaxQuantile(q).value();
    EXPECT_LE(std::fabs(estimate - exact), ErrorSummary::kRelativeAccuracy * exact)
        << "q=" << q << " exact=" << exact << " estimate=" << estimate;
  }
  EXPECT_EQ(errors.max(), pair_maxima.back());
  EXPECT_DOUBLE_EQ(errors.mean().value(), sum / static_cast<double>(elements));
  EXPECT_EQ(errors.pairs(), 2000);

  const json j = stats.ToJson()["fields"][0]["abs_error"];
  EXPECT_EQ(j["p99"].get<double>(), errors.PairMaxQuantile(0.99).value());
}

TEST(FieldStats, CountsKindsElementsArgmaxAndBytesEqualPairs) {
  CompareSettings settings;
  settings.argmax_outputs = {"probs"};
  FieldStats stats;
  Response primary;
  AddFp32(&primary, "probs", {2, 2}, {0.9f, 0.1f, 0.2f, 0.8f});
  Response flipped;
  AddFp32(&flipped, "probs", {2, 2}, {0.9f, 0.1f, 0.8f, 0.2f});
  Response close;
  AddFp32(&close, "probs", {2, 2}, {0.90001f, 0.1f, 0.2f, 0.8f});

  stats.Add(DiffInferResponses(testing::Serialize(primary), testing::Serialize(primary), settings)
                .value(),
            nullptr);
  stats.Add(DiffParsedResponses(primary, flipped, settings), nullptr);
  stats.Add(DiffParsedResponses(primary, close, settings), nullptr);

  EXPECT_EQ(stats.pairs(), 3);
  EXPECT_EQ(stats.bytes_equal(), 1);
  EXPECT_EQ(stats.response_counts().differing, 1);
  const FieldRecord& probs = stats.fields()[0];
  EXPECT_EQ(probs.kind_count(TensorDiffKind::kEqual), 1);
  EXPECT_EQ(probs.kind_count(TensorDiffKind::kValueMismatch), 1);
  EXPECT_EQ(probs.kind_count(TensorDiffKind::kWithinTolerance), 1);
  EXPECT_EQ(probs.elements(), 12);
  EXPECT_EQ(probs.elements_within_tolerance(), 10);
  EXPECT_DOUBLE_EQ(probs.within_tolerance_rate().value(), 10.0 / 12);
  EXPECT_EQ(probs.argmax_rows(), 6);
  EXPECT_DOUBLE_EQ(probs.argmax_agreement_rate().value(), 5.0 / 6);
  // The latest non-equal pair was the within-tolerance one.
  ASSERT_TRUE(probs.last_difference().has_value());
  EXPECT_EQ(probs.last_difference()->kind, TensorDiffKind::kWithinTolerance);
  EXPECT_EQ(probs.last_difference()->element->index, 0);
}

}  // namespace
}  // namespace modelgate::shadow

// Deterministic robustness: thousands of seeded random mutations of valid serialized responses,
// spread over several slices, go through ParseByteBuffer and ExtractOutput. Every outcome must be
// either values consistent with the tensor's shape or an error; a crash or an out-of-bounds read
// (under -DMODELGATE_SANITIZE=ON) fails the test.
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "sliced_buffer.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::AddOutput;
using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::Bytes;
using ::modelgate::payload::testing::LittleEndian;
using ::modelgate::payload::testing::SlicedBuffer;

constexpr uint64_t kSeed = 20240611;
constexpr int kIterations = 5000;

std::vector<std::string> ValidResponses() {
  std::vector<std::string> out;
  {
    inference::ModelInferResponse r;
    r.set_model_name("m");
    auto* c = AddOutput(&r, "probs", "FP32", {2, 2})->mutable_contents();
    for (float v : {0.1f, 0.2f, 0.3f, 0.4f}) c->add_fp32_contents(v);
    AddOutput(&r, "ids", "INT64", {2})->mutable_contents()->add_int64_contents(-1);
    r.mutable_outputs(1)->mutable_contents()->add_int64_contents(1LL << 40);
    AddOutput(&r, "flag", "BOOL", {})->mutable_contents()->add_bool_contents(true);
    out.push_back(r.SerializeAsString());
  }
  {
    inference::ModelInferResponse r;
    AddRawOutput(&r, "half", "FP16", {3}, Bytes({0x00, 0x3c, 0x00, 0xc1, 0x01, 0x00}));
    AddRawOutput(&r, "u16", "UINT16", {2, 1}, LittleEndian<uint16_t>({1, 65535}));
    AddRawOutput(&r, "f64", "FP64", {1}, LittleEndian<double>({-2.5}));
    AddRawOutput(&r, "mask", "BOOL", {4}, Bytes({1, 0, 0, 1}));
    out.push_back(r.SerializeAsString());
  }
  {
    inference::ModelInferResponse r;
    AddRawOutput(&r, "x", "INT8", {8}, Bytes({0x80, 0xff, 0, 1, 2, 3, 4, 0x7f}));
    out.push_back(r.SerializeAsString());
  }
  return out;
}

uint64_t Below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

// One to three random edits: bit flips, byte overwrites (often with varint-significant values),
// insertions, deletions, truncation and duplication of a range.
std::string Mutate(std::string bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(Below(rng, 3));
  for (int e = 0; e < edits; ++e) {
    if (bytes.empty()) bytes.push_back('\0');
    const size_t at = Below(rng, bytes.size());
    switch (Below(rng, 6)) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << Below(rng, 8)));
        break;
      case 1: {
        static constexpr unsigned char kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a};
        bytes[at] = static_cast<char>(Below(rng, 2) == 0 ? kInteresting[Below(rng, 6)]
                                                         : static_cast<unsigned char>(rng()));
        break;
      }
      case 2: {
        std::string insert(1 + Below(rng, 8), '\0');
        for (char& c : insert) c = static_cast<char>(rng());
        bytes.insert(at, insert);
        break;
      }
      case 3:
        bytes.erase(at, 1 + Below(rng, 8));
        break;
      case 4:
        bytes.resize(at);
        break;
      case 5: {
        const size_t len = 1 + Below(rng, bytes.size() - at);
        bytes.insert(Below(rng, bytes.size() + 1), bytes.substr(at, len));
        break;
      }
    }
  }
  return bytes;
}

// Up to four random cut points, sorted; equal cuts give empty slices.
std::vector<size_t> RandomCuts(size_t size, std::mt19937_64& rng) {
  std::vector<size_t> cuts(Below(rng, 5));
  for (size_t& c : cuts) c = Below(rng, size + 1);
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

// Only called on extracted tensors, whose shapes the library has already checked for overflow.
uint64_t ShapeProduct(const std::vector<int64_t>& shape) {
  uint64_t count = 1;
  for (int64_t d : shape) count *= static_cast<uint64_t>(d);
  return count;
}

TEST(PayloadRobustness, RandomMutationsYieldValuesOrErrorsNeverCrashes) {
  // Mutated strings are often invalid UTF-8, which protobuf logs on every parse.
  google::protobuf::LogSilencer quiet;
  const std::vector<std::string> valid = ValidResponses();
  std::mt19937_64 rng(kSeed);
  int parse_errors = 0, extracted = 0, extract_errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    const std::string bytes = Mutate(valid[i % valid.size()], rng);
    const SlicedBuffer sliced(bytes, RandomCuts(bytes.size(), rng));
    // Requests share the tensor layout (inputs = 5), and reading response bytes as a request
    // turns raw_output_contents (6) into requested outputs: more odd shapes for free.
    inference::ModelInferRequest request;
    if (ParseByteBuffer(sliced.buffer(), &request).ok()) {
      for (const auto& in : request.inputs()) {
        auto t = ExtractInput(request, in.name());
        if (t.ok()) {
          ASSERT_EQ(t->values.size(), ShapeProduct(t->shape)) << "iteration " << i;
        }
      }
    }
    inference::ModelInferResponse response;
    if (!ParseByteBuffer(sliced.buffer(), &response).ok()) {
      ++parse_errors;
      continue;
    }
    std::vector<std::string> names = {"", "probs", "half", "mask", "x", "absent"};
    for (const auto& o : response.outputs()) names.push_back(o.name());
    for (const std::string& name : names) {
      auto t = ExtractOutput(response, name);
      if (!t.ok()) {
        ++extract_errors;
        EXPECT_FALSE(t.status().message().empty()) << "iteration " << i;
        continue;
      }
      ++extracted;
      // Success means the values are exactly what the shape promises.
      ASSERT_EQ(t->values.size(), ShapeProduct(t->shape))
          << "iteration " << i << " output " << t->name;
    }
  }
  // The mutations must reach all three outcomes, or this test proves little.
  EXPECT_GT(parse_errors, kIterations / 20);
  EXPECT_GT(extracted, kIterations / 20);
  EXPECT_GT(extract_errors, kIterations / 20);
  std::printf("    %d parse errors, %d tensors extracted, %d extraction errors\n", parse_errors,
              extracted, extract_errors);
}

}  // namespace
}  // namespace modelgate::payload

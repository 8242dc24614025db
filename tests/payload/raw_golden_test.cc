// Golden cross-check against numpy: tests/payload/gen_raw_golden.py writes, per datatype, values
// and the bytes numpy lays out for them (little-endian, row-major) to data/raw_golden.json. Each
// case's bytes are decoded as raw_output_contents and must give exactly numpy's values.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "payload/inference_v2.h"

namespace modelgate::payload {
namespace {

using nlohmann::json;

json LoadGolden() {
  const std::string path =
      std::string(MODELGATE_SOURCE_DIR) + "/tests/payload/data/raw_golden.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing " << path << "; run tests/payload/gen_raw_golden.py";
  return in.good() ? json::parse(in) : json::object();
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The expected double for one JSON value, exactly as C++ converts numpy's value.
double Expected(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Integers stay integers in the JSON, so 2^64 - 1 and 2^63 - 1 round here as in the library.
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  return v.get<double>();
}

TEST(RawGolden, DecodesNumpyBytesToNumpyValuesForEveryDatatype) {
  const json golden = LoadGolden();
  ASSERT_TRUE(golden.contains("cases"));
  std::set<std::string> covered;
  for (const json& c : golden["cases"]) {
    const std::string datatype = c["datatype"].get<std::string>();
    covered.insert(datatype);
    inference::ModelInferResponse response;
    auto* out = response.add_outputs();
    out->set_name("golden");
    out->set_datatype(datatype);
    for (const json& d : c["shape"]) out->add_shape(d.get<int64_t>());
    response.add_raw_output_contents(FromHex(c["hex"].get<std::string>()));

    auto t = ExtractOutput(response, "golden");
    ASSERT_TRUE(t.ok()) << datatype << " " << c["shape"] << ": " << t.status();
    ASSERT_EQ(t->values.size(), c["values"].size()) << datatype;
    for (size_t i = 0; i < t->values.size(); ++i) {
      const double expected = Expected(c["values"][i]);
      const double actual = t->values[i];
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << datatype << " element " << i;
      } else {
        EXPECT_EQ(actual, expected) << datatype << " element " << i;
        EXPECT_EQ(std::signbit(actual), std::signbit(expected)) << datatype << " element " << i;
      }
    }
  }
  EXPECT_EQ(covered,
            (std::set<std::string>{"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
                                   "INT32", "INT64", "FP16", "BF16", "FP32", "FP64"}));
}

}  // namespace
}  // namespace modelgate::payload

// Test helpers for the SciPy golden data (tests/stats/data/golden_core.json, written by
// tests/stats/gen_golden.py): loading, and a tolerance check that also records the worst
// disagreement per quantity so test output shows the agreement actually achieved.
#pragma once

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace modelgate::stats::testing {

inline const nlohmann::json& GoldenCore() {
  static const nlohmann::json* golden = [] {
    const std::string path = std::string(MODELGATE_SOURCE_DIR) + "/tests/stats/data/golden_core.json";
    std::ifstream in(path);
    if (!in) {
      ADD_FAILURE() << "cannot open " << path << " (regenerate with tests/stats/gen_golden.py)";
      return new nlohmann::json(nlohmann::json::object());
    }
    return new nlohmann::json(nlohmann::json::parse(in));
  }();
  return *golden;
}

inline std::vector<double> Doubles(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

// Agreement with a reference value: |actual - expected| <= max(rel * |expected|, abs). The
// defaults are the project's bar (1e-6 relative, 1e-9 absolute for values near 0). On
// destruction, prints the largest relative error seen per quantity (absolute error when the
// expected value is 0).
class Agreement {
 public:
  explicit Agreement(std::string name, double rel = 1e-6, double abs = 1e-9)
      : name_(std::move(name)), rel_(rel), abs_(abs) {}
  ~Agreement() {
    std::cout << "[agreement] " << name_ << ":";
    for (const auto& [what, err] : worst_) std::cout << " " << what << "=" << err;
    std::cout << " (tolerance rel " << rel_ << ", abs " << abs_ << ")\n";
  }

  void Check(const std::string& what, double actual, double expected, const std::string& where) {
    const double diff = std::abs(actual - expected);
    const double err = expected != 0.0 ? diff / std::abs(expected) : diff;
    double& worst = worst_[what];
    worst = std::max(worst, err);
    EXPECT_LE(diff, std::max(rel_ * std::abs(expected), abs_))
        << where << ": " << what << " = " << actual << ", SciPy says " << expected;
  }

 private:
  std::string name_;
  double rel_;
  double abs_;
  std::map<std::string, double> worst_;
};

}  // namespace modelgate::stats::testing

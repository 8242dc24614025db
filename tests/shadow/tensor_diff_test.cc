// KindName / KindAgrees: the names JSON and metrics use, and which kinds count as agreement.
#include "shadow/tensor_diff.h"

#include "gtest/gtest.h"

namespace modelgate::shadow {
namespace {

TEST(KindName, SpellsEveryKindInSnakeCase) {
  EXPECT_EQ(KindName(TensorDiffKind::kEqual), "equal");
  EXPECT_EQ(KindName(TensorDiffKind::kWithinTolerance), "within_tolerance");
  EXPECT_EQ(KindName(TensorDiffKind::kValueMismatch), "value_mismatch");
  EXPECT_EQ(KindName(TensorDiffKind::kShapeMismatch), "shape_mismatch");
  EXPECT_EQ(KindName(TensorDiffKind::kDatatypeMismatch), "datatype_mismatch");
  EXPECT_EQ(KindName(TensorDiffKind::kMissingInShadow), "missing_in_shadow");
  EXPECT_EQ(KindName(TensorDiffKind::kExtraInShadow), "extra_in_shadow");
  EXPECT_EQ(KindName(TensorDiffKind::kUndecodable), "undecodable");
}

TEST(KindAgrees, OnlyEqualAndWithinTolerance) {
  for (int k = 0; k < kTensorDiffKindCount; ++k) {
    const auto kind = static_cast<TensorDiffKind>(k);
    EXPECT_EQ(KindAgrees(kind),
              kind == TensorDiffKind::kEqual || kind == TensorDiffKind::kWithinTolerance)
        << KindName(kind);
  }
}

}  // namespace
}  // namespace modelgate::shadow

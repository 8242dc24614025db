// Which methods are known to be unary: built-ins plus the config's.
#include "config/unary_methods.h"

#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

TEST(UnaryMethods, KnowsBuiltinsAndConfiguredMethodsButNotStreams) {
  UnaryMethods u({"/my.Svc/Predict", "/other.Svc/*"});
  EXPECT_TRUE(u.Contains("/inference.GRPCInferenceService/ModelInfer"));
  EXPECT_TRUE(u.Contains("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(u.Contains("/tensorflow.serving.PredictionService/Predict"));
  EXPECT_FALSE(u.Contains("/inference.GRPCInferenceService/ModelStreamInfer"));
  EXPECT_FALSE(u.Contains("/grpc.health.v1.Health/Watch"));
  EXPECT_TRUE(u.Contains("/my.Svc/Predict"));
  EXPECT_FALSE(u.Contains("/my.Svc/Stream"));
  EXPECT_TRUE(u.Contains("/other.Svc/Anything"));
  EXPECT_FALSE(u.Contains("/other.SvcX/Anything"));
  EXPECT_FALSE(u.Contains(""));
  EXPECT_FALSE(u.Contains("/"));
}

}  // namespace
}  // namespace modelgate::config

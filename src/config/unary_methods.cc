// The built-in list of unary methods, and matching against it and the config's.
#include "config/unary_methods.h"

#include "absl/strings/match.h"

namespace modelgate::config {

namespace {

// Unary methods of well-known model-serving APIs. Triton's ModelStreamInfer is deliberately
// absent: it is a bidi stream on the same service.
constexpr const char* kBuiltinUnary[] = {
    "/inference.GRPCInferenceService/ServerLive",
    "/inference.GRPCInferenceService/ServerReady",
    "/inference.GRPCInferenceService/ModelReady",
    "/inference.GRPCInferenceService/ServerMetadata",
    "/inference.GRPCInferenceService/ModelMetadata",
    "/inference.GRPCInferenceService/ModelInfer",
    "/inference.GRPCInferenceService/ModelConfig",
    "/inference.GRPCInferenceService/ModelStatistics",
    "/tensorflow.serving.PredictionService/Predict",
    "/tensorflow.serving.PredictionService/Classify",
    "/tensorflow.serving.PredictionService/Regress",
    "/tensorflow.serving.PredictionService/MultiInference",
    "/tensorflow.serving.PredictionService/GetModelMetadata",
    "/grpc.health.v1.Health/Check",
    // modelgate's own APIs: the sample recommender (interleaving) and click feedback.
    "/modelgate.recommend.v1.Recommender/Recommend",
    "/modelgate.feedback.v1.Feedback/RecordClicks",
};

}  // namespace

UnaryMethods::UnaryMethods(const std::vector<std::string>& extra) {
  for (const char* m : kBuiltinUnary) exact_.insert(m);
  for (const std::string& m : extra) {
    if (absl::EndsWith(m, "/*")) {
      services_.insert(m.substr(1, m.size() - 3));  // "/pkg.Svc/*" -> "pkg.Svc"
    } else {
      exact_.insert(m);
    }
  }
}

bool UnaryMethods::Contains(std::string_view path) const {
  // Debian's Abseil is built with its own absl::string_view (not an alias of std's).
  const absl::string_view method_path(path.data(), path.size());
  if (exact_.contains(method_path)) return true;
  if (services_.empty() || method_path.size() < 2) return false;
  size_t slash = method_path.find('/', 1);
  if (slash == absl::string_view::npos) return false;
  return services_.contains(method_path.substr(1, slash - 1));
}

}  // namespace modelgate::config

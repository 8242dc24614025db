// Flag registration and validation for modelgate-fake-model; see options.h.
#include "tools/fake_model/options.h"

#include "absl/strings/str_cat.h"

namespace modelgate::tools {

void RegisterFakeModelFlags(FlagSet& flags, FakeModelOptions& o, std::string& error_code_text) {
  flags.Add("host", &o.host, "Address to listen on.");
  flags.Add("port", &o.port, "Port to listen on; 0 picks a free one (printed on stdout).");
  flags.Add("name", &o.name,
            "Model name: served by health checks and metadata, reported as Echo server_name.");
  flags.Add("version", &o.version, "Model version reported in ModelInfer responses and metadata.");
  flags.Add("threads", &o.threads, "Completion queues, each with one polling thread.");
  flags.Add("shutdown_grace_ms", &o.shutdown_grace_ms,
            "On SIGTERM/SIGINT, how long in-flight calls may finish before they are cancelled.");
  flags.Add("minimal_stack", &o.minimal_stack,
            "Serve with GRPC_ARG_MINIMAL_STACK (cheaper per call; the server then no longer "
            "enforces deadlines itself, clients still do). For benchmarks.");
  flags.Add("max_concurrent_streams", &o.max_concurrent_streams,
            "SETTINGS_MAX_CONCURRENT_STREAMS advertised to every client connection (0: gRPC's "
            "default): a backend that takes only so many calls at once per connection.");
  flags.Add("latency_ms", &o.latency_ms, "Fixed extra latency added to every ModelInfer call.");
  flags.Add("latency_jitter_ms", &o.latency_jitter_ms,
            "Uniformly random extra latency 0..J ms added to every ModelInfer call.");
  flags.Add("error_rate", &o.error_rate, "Fraction (0..1) of ModelInfer calls that fail.");
  flags.Add("error_code", &error_code_text,
            "gRPC status code (number or name) of the injected ModelInfer failures.");
  flags.Add("output_shift", &o.output_shift, "Added to every output value.");
  flags.Add("output_noise", &o.output_noise,
            "Standard deviation of gaussian noise added to every output value.");
  flags.Add("compress_responses", &o.compress_responses,
            "Compress ModelInfer answers with gzip for clients that accept it.");
  flags.Add("raw_output", &o.raw_output,
            "Answer ModelInfer in raw_output_contents (little-endian) instead of typed contents.");
  flags.Add("nonce_output", &o.nonce_output,
            "Add an output \"nonce\" (shape [1], FP32) holding a fresh uniform random value in "
            "[0, 1) per call, after the other outputs. Drawn from the --seed stream: two "
            "instances differ only if their --seed does.");
  flags.Add("seed", &o.seed, "Seed for injected errors, jitter, noise and nonces.");
  flags.Add("recommend_items", &o.recommend_items,
            "Recommender: number of items in the simulated world (ids item-0 .. item-<N-1>).");
  flags.Add("recommend_world_seed", &o.recommend_world_seed,
            "Recommender: seed of the simulated world's true user-item relevances; give every "
            "ranker of one test the same value.");
  flags.Add("recommend_noise", &o.recommend_noise,
            "Recommender: the ranker's quality, the standard deviation of the gaussian noise "
            "added to the true relevance (in [0, 1]) before ranking; 0 ranks perfectly.");
  flags.Add("recommend_seed", &o.recommend_seed,
            "Recommender: seed of the ranker's noise; two rankers with the same flags rank "
            "identically, a different seed gives an equally good but different ranker.");
}

absl::Status ValidateFakeModelOptions(FakeModelOptions& o, const std::string& error_code_text) {
  auto bad = [](absl::string_view flag, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (o.port < 0 || o.port > 65535) return bad("port", "must be in 0..65535");
  if (o.threads < 1 || o.threads > 64) return bad("threads", "must be in 1..64");
  if (o.max_concurrent_streams < 0 || o.max_concurrent_streams > (int64_t{1} << 31) - 1) {
    return bad("max_concurrent_streams", "must be in 0..2147483647");
  }
  if (o.shutdown_grace_ms < 0) return bad("shutdown_grace_ms", "must be >= 0");
  if (o.latency_ms < 0) return bad("latency_ms", "must be >= 0");
  if (o.latency_jitter_ms < 0) return bad("latency_jitter_ms", "must be >= 0");
  if (!(o.error_rate >= 0 && o.error_rate <= 1)) return bad("error_rate", "must be in 0..1");
  if (!(o.output_noise >= 0)) return bad("output_noise", "must be >= 0");
  if (o.name.empty()) return bad("name", "must not be empty");
  if (o.recommend_items < 1 || o.recommend_items > 1000000) {
    return bad("recommend_items", "must be in 1..1000000");
  }
  if (!(o.recommend_noise >= 0 && o.recommend_noise <= 1e6)) {
    return bad("recommend_noise", "must be in 0..1e6");
  }
  absl::StatusOr<grpc::StatusCode> code = ParseStatusCode(error_code_text);
  if (!code.ok()) return bad("error_code", code.status().message());
  if (*code == grpc::StatusCode::OK) return bad("error_code", "an injected failure cannot be OK");
  o.error_code = *code;
  return absl::OkStatus();
}

}  // namespace modelgate::tools

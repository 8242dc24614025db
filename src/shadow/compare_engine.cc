// The comparers' registry and thread; see compare_engine.h.
#include "shadow/compare_engine.h"

#include "absl/strings/str_cat.h"

namespace modelgate::shadow {

CompareEngine::CompareEngine(std::shared_ptr<prometheus::Registry> registry, Options options)
    : registry_(std::move(registry)), options_(options) {
  if (options_.start_thread) {
    thread_.Start(options_.poll_interval, [this] { RunOnce(absl::Now()); });
  }
}

CompareEngine::~CompareEngine() { Stop(); }

std::shared_ptr<Comparer> CompareEngine::ForRoute(const ComparerSpec& spec,
                                                  const std::string& identity) {
  const std::string key = absl::StrCat(spec.Key(), "\x1e", identity);
  return *comparers_.GetOrCreate(key, spec.route,
                                 [&]() -> absl::StatusOr<std::shared_ptr<Comparer>> {
                                   return std::make_shared<Comparer>(spec, registry_);
                                 });
}

std::shared_ptr<Comparer> CompareEngine::Find(const std::string& route) const {
  return comparers_.Find(route);
}

int CompareEngine::RunOnce(absl::Time now) {
  MutexLock run(&run_mu_);
  int n = 0;
  for (const auto& c : comparers_.Live()) n += c->Drain(now);
  return n;
}

}  // namespace modelgate::shadow

// The compare engine: owns (weakly) every shadow route's Comparer and the thread that drains
// their queues. The routing snapshot owns the comparers, so a comparer lives exactly as long as
// a snapshot, an in-flight call or a pending shadow leg uses it. A reload that leaves a route's
// comparer settings and its arms' backends unchanged gets the same comparer back (statistics
// and diff samples survive); any change starts a fresh one.
//
// Thread-safety: ForRoute/Find/RouteReport/RouteDiffs from any thread; RunOnce is serialised.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "common/poll_thread.h"
#include "common/weak_registry.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "shadow/comparer.h"
#include "shadow/comparer_spec.h"

namespace modelgate::shadow {

class CompareEngine {
 public:
  struct Options {
    bool start_thread = true;  // false: the owner calls RunOnce (deterministic tests)
    absl::Duration poll_interval = absl::Milliseconds(10);
  };

  CompareEngine(std::shared_ptr<prometheus::Registry> registry, Options options);
  explicit CompareEngine(std::shared_ptr<prometheus::Registry> registry)
      : CompareEngine(std::move(registry), Options()) {}
  ~CompareEngine();
  CompareEngine(const CompareEngine&) = delete;
  CompareEngine& operator=(const CompareEngine&) = delete;

  // The comparer for `spec`; `identity` names the arms' backends (address, authority): a
  // changed backend is a new comparison.
  std::shared_ptr<Comparer> ForRoute(const ComparerSpec& spec, const std::string& identity);
  // The newest live comparer of `route`, or null.
  std::shared_ptr<Comparer> Find(const std::string& route) const;

  // Drains every live comparer's queue; returns the samples compared.
  int RunOnce(absl::Time now) ABSL_LOCKS_EXCLUDED(run_mu_);
  // Stops and joins the thread (idempotent).
  void Stop() { thread_.Stop(); }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  const Options options_;
  WeakRegistry<Comparer> comparers_;
  Mutex run_mu_;  // one RunOnce at a time
  PollThread thread_;  // last: stopped first
};

}  // namespace modelgate::shadow

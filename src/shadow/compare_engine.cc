// The comparers' registry and thread; see compare_engine.h.
#include "shadow/compare_engine.h"

#include <algorithm>

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
  MutexLock lock(&mu_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [](const Entry& e) { return e.comparer.expired(); }),
                 entries_.end());
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key != key) continue;
    std::shared_ptr<Comparer> live = it->comparer.lock();
    if (live == nullptr) continue;
    // Newest last: Find() then returns the comparer the current snapshot uses.
    Entry e = *it;
    entries_.erase(it);
    entries_.push_back(std::move(e));
    return live;
  }
  auto created = std::make_shared<Comparer>(spec, registry_);
  entries_.push_back({key, spec.route, created});
  return created;
}

std::shared_ptr<Comparer> CompareEngine::Find(const std::string& route) const {
  MutexLock lock(&mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->route != route) continue;
    if (std::shared_ptr<Comparer> live = it->comparer.lock()) return live;
  }
  return nullptr;
}

int CompareEngine::RunOnce(absl::Time now) {
  MutexLock run(&run_mu_);
  std::vector<std::shared_ptr<Comparer>> live;
  {
    MutexLock lock(&mu_);
    for (const Entry& e : entries_) {
      if (auto c = e.comparer.lock()) live.push_back(std::move(c));
    }
  }
  int n = 0;
  for (const auto& c : live) n += c->Drain(now);
  return n;
}

}  // namespace modelgate::shadow

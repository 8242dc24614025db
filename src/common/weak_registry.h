// A registry of objects that the routing snapshots own and an engine only watches: the shadow
// comparers and the interleaving routes. Entries are weak, so an object lives exactly as long as
// a snapshot (or a call in flight) uses it; a reload that asks again for the same key gets the
// live object back (its statistics survive), and any change of key starts a fresh one.
// Thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/mutex.h"

namespace modelgate {

template <typename T>
class WeakRegistry {
 public:
  // The live object registered under `key`, else the one `make` returns, registered under
  // `key` as `name`'s newest (an error from `make` registers nothing).
  absl::StatusOr<std::shared_ptr<T>> GetOrCreate(
      const std::string& key, const std::string& name,
      const std::function<absl::StatusOr<std::shared_ptr<T>>()>& make) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [](const Entry& e) { return e.object.expired(); }),
                   entries_.end());
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->key != key) continue;
      std::shared_ptr<T> live = it->object.lock();
      if (live == nullptr) continue;
      // Newest last: Find() then returns the object the current snapshot uses.
      Entry e = *it;
      entries_.erase(it);
      entries_.push_back(std::move(e));
      return live;
    }
    absl::StatusOr<std::shared_ptr<T>> made = make();
    if (made.ok()) entries_.push_back({key, name, *made});
    return made;
  }

  // The newest live object registered as `name`, or null.
  std::shared_ptr<T> Find(const std::string& name) const ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      if (it->name != name) continue;
      if (std::shared_ptr<T> live = it->object.lock()) return live;
    }
    return nullptr;
  }

  // Every live object, oldest first.
  std::vector<std::shared_ptr<T>> Live() const ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<std::shared_ptr<T>> live;
    MutexLock lock(&mu_);
    for (const Entry& e : entries_) {
      if (auto o = e.object.lock()) live.push_back(std::move(o));
    }
    return live;
  }

 private:
  struct Entry {
    std::string key;
    std::string name;
    std::weak_ptr<T> object;
  };
  mutable Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);  // creation order (newest last)
};

}  // namespace modelgate

// The process-wide table of live monitors per (registry, route), newest last.
#include "monitor/route_publisher.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"

namespace modelgate::monitor {
namespace {

struct Table {
  Mutex mu;
  std::map<std::pair<const void*, std::string>, std::vector<const void*>> live
      ABSL_GUARDED_BY(mu);
};

Table& GetTable() {
  static auto* table = new Table();
  return *table;
}

}  // namespace

void RegisterPublisher(const void* scope, const std::string& route, const void* monitor) {
  Table& t = GetTable();
  MutexLock lock(&t.mu);
  t.live[{scope, route}].push_back(monitor);
}

void UnregisterPublisher(const void* scope, const std::string& route, const void* monitor) {
  Table& t = GetTable();
  MutexLock lock(&t.mu);
  auto it = t.live.find({scope, route});
  if (it == t.live.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), monitor), v.end());
  if (v.empty()) t.live.erase(it);
}

bool IsPublisher(const void* scope, const std::string& route, const void* monitor) {
  Table& t = GetTable();
  MutexLock lock(&t.mu);
  auto it = t.live.find({scope, route});
  return it != t.live.end() && !it->second.empty() && it->second.back() == monitor;
}

}  // namespace modelgate::monitor

// Which RouteMonitor publishes a route's gauges. Across a config reload two monitors of the same
// route can be alive for a while (the new one, and the old one kept by in-flight calls); both
// would write the same series and the dashboard would flicker between old and new numbers. The
// rule: the most recently created monitor that is still alive publishes; the others withdraw
// their gauges. If the newest goes away first (e.g. a snapshot that failed to build), the
// previous one publishes again.
//
// Thread-safety: thread-safe (one process-wide mutex; called once per evaluation, not per call).
#pragma once

#include <string>

namespace modelgate::monitor {

// `scope` separates independent registries (monitors of one route in two registries do not
// compete); `monitor` identifies the monitor. Register in the constructor, Unregister in the
// destructor.
void RegisterPublisher(const void* scope, const std::string& route, const void* monitor);
void UnregisterPublisher(const void* scope, const std::string& route, const void* monitor);
bool IsPublisher(const void* scope, const std::string& route, const void* monitor);

}  // namespace modelgate::monitor

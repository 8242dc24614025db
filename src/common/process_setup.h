// Process-wide settings every modelgate binary applies first thing in main().
#pragma once

#include <cstdint>

namespace modelgate {

// Debian's Abseil is built without NDEBUG, so every absl::Mutex acquisition (gRPC core locks
// through absl::Mutex) also maintains a global lock-order graph for deadlock detection. Profiled
// under load that was ~7% of the proxy's CPU; turn it off.
void SetUpProcess();

// Raises the soft RLIMIT_NOFILE to the hard limit (a proxy holds a descriptor per client and
// upstream connection; 1024, a common soft default, is far too few) and returns the soft limit
// now in force (-1: unlimited or unknown).
int64_t RaiseDescriptorLimit();

}  // namespace modelgate

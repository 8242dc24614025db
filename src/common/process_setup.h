// Process-wide settings every modelgate binary applies first thing in main().
#pragma once

namespace modelgate {

// Debian's Abseil is built without NDEBUG, so every absl::Mutex acquisition (gRPC core locks
// through absl::Mutex) also maintains a global lock-order graph for deadlock detection. Profiled
// under load that was ~7% of the proxy's CPU; turn it off.
void SetUpProcess();

}  // namespace modelgate

// See process_setup.h.
#include "common/process_setup.h"

#include "absl/synchronization/mutex.h"

namespace modelgate {

void SetUpProcess() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace modelgate

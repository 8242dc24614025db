// Protobuf parsing straight over the chunks of an absl::Cord, the data plane's transport-neutral
// message bytes (no flattening copy). The one place where protobuf parsing enters the payload
// library, so its exceptions stop here.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "google/protobuf/message_lite.h"

namespace modelgate::payload {

// Parses `bytes` into `out` (cleared on failure). InvalidArgument when they are not a valid
// message of out's type.
absl::Status ParseCord(const absl::Cord& bytes, google::protobuf::MessageLite* out);

}  // namespace modelgate::payload

// What the proxy asks when a client calls modelgate.feedback.v1.Feedback/RecordClicks on its
// gRPC port: the interleaving routes' impressions live above the data plane, so the proxy hands
// the request's bytes over and answers with what it gets back.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"

namespace modelgate::routing {

class FeedbackHandler {
 public:
  virtual ~FeedbackHandler() = default;
  // `request`: a serialized RecordClicksRequest. Returns the serialized RecordClicksResponse, or
  // the status to answer with (INVALID_ARGUMENT, NOT_FOUND) and its message. Thread-safe.
  virtual absl::StatusOr<std::string> RecordClicks(const absl::Cord& request) = 0;
};

}  // namespace modelgate::routing

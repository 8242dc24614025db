// Entry points that post the first request slot of every method the fake model serves, one
// function per service. Each accepted call posts the slot for the next one.
#pragma once

#include "tools/fake_model/worker.h"

namespace modelgate::tools {

// inference.GRPCInferenceService: liveness, readiness, metadata and ModelInfer.
void PostInferenceCalls(Worker& worker);

// grpc.health.v1.Health: Check and Watch. SERVING for "" and for the model name; an unknown
// service is NOT_FOUND for Check and SERVICE_UNKNOWN for Watch, as the protocol asks.
void PostHealthCalls(Worker& worker);

// modelgate.testing.Echo: Unary, ServerStream, ClientStream, Bidi and Stats.
void PostEchoCalls(Worker& worker);

}  // namespace modelgate::tools

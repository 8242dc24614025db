// Gathers one mirrored call's answers — the primary's and every copy's — in whatever order the
// legs end, and offers them to the route's comparer once the last one is in. Shared by the
// client call (the primary's answer) and the shadow legs (theirs), which may outlive the call.
//
// Thread-compatible: the call and its shadow legs all run on one worker thread.
#pragma once

#include <memory>
#include <string>

#include "telemetry/shadow_sink.h"

namespace modelgate::proxy {

class ShadowJoin {
 public:
  // `copies`: how many copy answers to wait for (each ends with AddCopy or SkipCopy).
  ShadowJoin(std::shared_ptr<telemetry::ShadowSink> sink, int copies, std::string request_id,
             std::string method);

  // The primary's answer. A primary that was cancelled (the client left) is not compared.
  void SetPrimary(telemetry::LegAnswer answer);
  void AddCopy(telemetry::LegAnswer answer);
  // A copy that was never sent (over its budget).
  void SkipCopy();

 private:
  void MaybeOffer();

  std::shared_ptr<telemetry::ShadowSink> sink_;
  int pending_copies_;
  bool have_primary_ = false;
  telemetry::ShadowSample sample_;
};

}  // namespace modelgate::proxy

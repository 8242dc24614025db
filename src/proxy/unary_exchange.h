// The state machine of one unary call's plan (routing/plan.h): it starts the upstream legs,
// moves to the next fallback when an attempt ends with a fallback code and time remains, joins
// parallel legs and merges their answers, hands shadow copies to the dispatcher, and decides
// which answer the client gets. It does no I/O: the call that runs it (the data plane's server
// call, or a fake in tests) starts and cancels legs and sends the answer through ExchangeHost,
// and reports each leg's end through OnLegDone. So the same exchange runs over any transport.
//
// Thread-compatible: one exchange is driven by one thread (its worker).
#pragma once

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "routing/merger.h"
#include "routing/plan.h"

namespace modelgate::proxy {

// What the exchange needs from the call that runs it.
class ExchangeHost {
 public:
  virtual ~ExchangeHost() = default;
  // Starts a unary leg to `arm` carrying the call's request and metadata, which must end by
  // `deadline`; its end comes back through UnaryExchange::OnLegDone(leg, ...). `leg` is the
  // exchange's id for it: 0, 1, ... in the order legs are started.
  virtual void StartLeg(int leg, int arm, absl::Time deadline) = 0;
  // Cancels a leg that has not ended (it still reports its end).
  virtual void CancelLeg(int leg) = 0;
  // Hands a copy of the request to `arm` to the shadow dispatcher, which may drop it (budget).
  virtual void StartShadow(int arm) = 0;
  virtual absl::Time Now() = 0;
  // The serialized response of a leg that ended OK (merges only).
  virtual absl::Cord LegResponse(int leg) = 0;
  // Answers the client with leg `leg`'s end as received: status, metadata and message.
  virtual void RespondWithLeg(int leg) = 0;
  // Answers the client OK with a merged message; metadata comes from leg `metadata_leg`.
  virtual void RespondMerged(routing::MergeResult merged, int metadata_leg) = 0;
  // A fallback was taken after `arm` ended with `code`.
  virtual void CountFallback(int arm, int code) = 0;
  // A merge plan answered with one leg's response: `reason` is "leg_failed" (fewer than two
  // legs succeeded) or "merge_error" (the merger could not use the responses).
  virtual void CountUnmerged(const char* reason) = 0;
};

class UnaryExchange {
 public:
  // `merger` must be set when the plan merges; `deadline` is the call's (the client's, capped
  // by the route's timeout; InfiniteFuture when none). `host` must outlive the exchange.
  UnaryExchange(routing::RoutePlan plan, const routing::Merger* merger, absl::Time deadline,
                SplitMix64* rng, ExchangeHost* host);

  // Starts the first leg (or every merge leg), then the shadows.
  void Start();
  // Leg `leg` ended with status `code`.
  void OnLegDone(int leg, int code);
  // The client went away: cancel the legs still running; nobody is answered.
  void OnClientCancelled();

  // The client has been answered (or is gone) and no leg is running: the call may end. Shadow
  // legs do not count: they belong to the dispatcher and may outlive the call.
  bool finished() const { return (answered_ || cancelled_) && running_ == 0; }
  bool answered() const { return answered_; }
  int legs_started() const { return static_cast<int>(legs_.size()); }

 private:
  struct Leg {
    int arm;
    bool done = false;
    int code = -1;
  };
  int Launch(int arm);
  void OnAttemptDone(int leg, int code);
  void OnMergeLegDone();
  void Answer(int leg);

  const routing::RoutePlan plan_;
  const routing::Merger* const merger_;
  const absl::Time deadline_;
  SplitMix64* const rng_;
  ExchangeHost* const host_;
  absl::InlinedVector<Leg, 2> legs_;
  size_t next_fallback_ = 0;
  int running_ = 0;
  bool answered_ = false;
  bool cancelled_ = false;
};

}  // namespace modelgate::proxy

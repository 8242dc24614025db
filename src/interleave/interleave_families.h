// The Prometheus families interleaving exports (DESIGN.md §8 naming), declared once here.
// Labels come from the config (route, ranker names) or small fixed sets, never from traffic.
//
//   modelgate_interleave_impressions_total{route}            merged responses (impressions made)
//   modelgate_interleave_unmerged_total{route,reason}         merge plans answered by one ranker
//                                                             alone: leg_failed, merge_error
//   modelgate_interleave_outcomes_total{route,pair,outcome}   impressions with feedback, by the
//                                                             outcome of their first report:
//                                                             a ranker's name (it won) or tie
//   modelgate_interleave_delta{route,pair}                    preference of the pair's first
//                                                             ranker: (wins + ties/2)/n - 0.5
//   modelgate_interleave_pvalue{route,pair}                   always-valid p-value of delta = 0
//   modelgate_interleave_impressions_stored{route}            impressions awaiting feedback
//   modelgate_interleave_impressions_dropped_total{route,reason}  capacity (evicted), expired
//   modelgate_interleave_feedback_total{result}               feedback reports: recorded,
//                                                             repeated, not_found, expired,
//                                                             invalid_item, malformed
// A pair is "<a>:<b>" with a before b in the route's ranker order.
#pragma once

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace modelgate::interleave {

struct InterleaveFamilies {
  prometheus::Family<prometheus::Counter>* impressions = nullptr;
  prometheus::Family<prometheus::Counter>* unmerged = nullptr;
  prometheus::Family<prometheus::Counter>* outcomes = nullptr;
  prometheus::Family<prometheus::Gauge>* delta = nullptr;
  prometheus::Family<prometheus::Gauge>* pvalue = nullptr;
  prometheus::Family<prometheus::Gauge>* stored = nullptr;
  prometheus::Family<prometheus::Counter>* dropped = nullptr;
  prometheus::Family<prometheus::Counter>* feedback = nullptr;

  // Thread-safe (the registry locks); registering again returns the same families.
  static InterleaveFamilies Register(prometheus::Registry& registry);
};

}  // namespace modelgate::interleave

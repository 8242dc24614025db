// Family declarations for interleaving.
#include "interleave/interleave_families.h"

#include "telemetry/family.h"

namespace modelgate::interleave {
using telemetry::CounterFamily;
using telemetry::GaugeFamily;

InterleaveFamilies InterleaveFamilies::Register(prometheus::Registry& r) {
  InterleaveFamilies f;
  f.impressions = CounterFamily(r, "modelgate_interleave_impressions_total",
                                "Interleaved responses made (impressions), by route.");
  f.unmerged = CounterFamily(r, "modelgate_interleave_unmerged_total",
                             "Interleave calls answered with one ranker's list unmixed: "
                             "leg_failed (a ranker failed or timed out), merge_error.");
  f.outcomes = CounterFamily(r, "modelgate_interleave_outcomes_total",
                             "Impressions with click feedback, by ranker pair and the outcome of "
                             "their first report (the winner's name, or tie).");
  f.delta = GaugeFamily(r, "modelgate_interleave_delta",
                        "Preference for the pair's first ranker: (wins + ties/2) / impressions - "
                        "0.5; positive favours it.");
  f.pvalue = GaugeFamily(r, "modelgate_interleave_pvalue",
                         "Always-valid (mSPRT, user-clustered) p-value of no preference between "
                         "the pair's rankers; safe to read at any time.");
  f.stored = GaugeFamily(r, "modelgate_interleave_impressions_stored",
                         "Impressions kept for feedback (bounded by max_impressions).");
  f.dropped = CounterFamily(r, "modelgate_interleave_impressions_dropped_total",
                            "Impressions dropped before their feedback window ended "
                            "(capacity) or at its end (expired).");
  f.feedback = CounterFamily(r, "modelgate_interleave_feedback_total",
                             "Click feedback reports by result: recorded, repeated, not_found, "
                             "expired, invalid_item, malformed.");
  return f;
}

}  // namespace modelgate::interleave

// Text exposition of a registry in which some quantiles are computed elsewhere (the monitors'
// DDSketches) and published as gauges. Prometheus reserves the `quantile` label for summaries
// (promtool rejects it on a gauge), and prometheus-cpp's Summary computes its own quantiles from
// observations, so it cannot carry ours. The monitors therefore publish three gauge families —
// NAME{...,quantile="0.99"}, NAME_count{...} and NAME_sum{...} — and SerializeText folds them
// into one summary family NAME before writing the text format.
#pragma once

#include <string>
#include <vector>

#include "prometheus/metric_family.h"

namespace modelgate::telemetry {

// Folds every gauge family NAME whose series carry a `quantile` label and which has a gauge
// family NAME_count beside it (NAME_sum optional) into one summary family NAME: one series per
// label set without `quantile`, with its quantiles, count and sum. Quantile series whose label
// is not a number, or with no matching count, are dropped (a summary without a count would lie).
void FoldGaugeSummaries(std::vector<prometheus::MetricFamily>& families);

// FoldGaugeSummaries, then the Prometheus text format.
std::string SerializeText(std::vector<prometheus::MetricFamily> families);

}  // namespace modelgate::telemetry

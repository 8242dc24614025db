// Folding published quantile gauges into summary families (see summary_fold.h).
#include "telemetry/summary_fold.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "prometheus/text_serializer.h"

namespace modelgate::telemetry {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using LabelList = std::vector<ClientMetric::Label>;

LabelList Sorted(LabelList labels) {
  std::sort(labels.begin(), labels.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return labels;
}

std::map<LabelList, double> ValuesByLabels(const MetricFamily& f) {
  std::map<LabelList, double> out;
  for (const ClientMetric& m : f.metric) out[Sorted(m.label)] = m.gauge.value;
  return out;
}

MetricFamily* FindGauge(std::vector<MetricFamily>& families, const std::string& name) {
  for (MetricFamily& f : families) {
    if (f.name == name && f.type == MetricType::Gauge) return &f;
  }
  return nullptr;
}

bool HasQuantileLabel(const MetricFamily& f) {
  for (const ClientMetric& m : f.metric) {
    for (const auto& l : m.label) {
      if (l.name == "quantile") return true;
    }
  }
  return false;
}

// The summary built from one family's quantile gauges and its _count / _sum gauges.
MetricFamily Fold(const MetricFamily& quantiles, const MetricFamily& count,
                  const MetricFamily* sum) {
  const std::map<LabelList, double> counts = ValuesByLabels(count);
  const std::map<LabelList, double> sums = sum ? ValuesByLabels(*sum) : std::map<LabelList, double>{};
  std::map<LabelList, ClientMetric> series;
  for (const ClientMetric& m : quantiles.metric) {
    LabelList rest;
    double q = 0;
    bool has_q = false;
    for (const auto& l : m.label) {
      if (l.name == "quantile") {
        has_q = absl::SimpleAtod(l.value, &q);
      } else {
        rest.push_back(l);
      }
    }
    rest = Sorted(std::move(rest));
    const auto c = counts.find(rest);
    if (!has_q || c == counts.end()) continue;
    ClientMetric& s = series[rest];
    if (s.label.empty()) {
      s.label = rest;
      s.summary.sample_count = static_cast<std::uint64_t>(std::max(0.0, c->second));
      const auto su = sums.find(rest);
      s.summary.sample_sum = su == sums.end() ? 0 : su->second;
    }
    s.summary.quantile.push_back({q, m.gauge.value});
  }
  MetricFamily out;
  out.name = quantiles.name;
  out.help = quantiles.help;
  out.type = MetricType::Summary;
  for (auto& [labels, m] : series) {
    std::sort(m.summary.quantile.begin(), m.summary.quantile.end(),
              [](const auto& a, const auto& b) { return a.quantile < b.quantile; });
    out.metric.push_back(std::move(m));
  }
  return out;
}

}  // namespace

void FoldGaugeSummaries(std::vector<MetricFamily>& families) {
  std::vector<std::string> names;
  for (const MetricFamily& f : families) {
    if (f.type == MetricType::Gauge && HasQuantileLabel(f) && FindGauge(families, f.name + "_count")) {
      names.push_back(f.name);
    }
  }
  for (const std::string& name : names) {
    MetricFamily folded =
        Fold(*FindGauge(families, name), *FindGauge(families, name + "_count"),
             FindGauge(families, name + "_sum"));
    families.erase(std::remove_if(families.begin(), families.end(),
                                  [&](const MetricFamily& f) {
                                    return f.type == MetricType::Gauge &&
                                           (f.name == name || f.name == name + "_count" ||
                                            f.name == name + "_sum");
                                  }),
                   families.end());
    families.push_back(std::move(folded));
  }
}

std::string SerializeText(std::vector<MetricFamily> families) {
  FoldGaugeSummaries(families);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace modelgate::telemetry

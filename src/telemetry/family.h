// One-line registration of a Prometheus family (the builders' chains, shortened), for the
// modules that declare their families in one place (monitor, shadow, interleave). Registering a
// name again returns the same family (prometheus-cpp's registry de-duplicates by name).
#pragma once

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace modelgate::telemetry {

inline prometheus::Family<prometheus::Gauge>* GaugeFamily(prometheus::Registry& r,
                                                          const char* name, const char* help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

inline prometheus::Family<prometheus::Counter>* CounterFamily(prometheus::Registry& r,
                                                              const char* name,
                                                              const char* help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

}  // namespace modelgate::telemetry

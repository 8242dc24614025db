// GaugeBoard: rounds of Set() calls, with unwritten series released at the end of a round.
#include "monitor/gauge_board.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "telemetry/series_lease.h"

namespace modelgate::monitor {

GaugeBoard::~GaugeBoard() { Clear(); }

std::string GaugeBoard::KeyOf(const prometheus::Family<prometheus::Gauge>* family,
                              const prometheus::Labels& labels) {
  // Labels is an ordered map, so the key is canonical. '\x1f' cannot clash with the short,
  // printable label values monitors use.
  std::string key = absl::StrCat(reinterpret_cast<uintptr_t>(family));
  for (const auto& [name, value] : labels) absl::StrAppend(&key, "\x1f", name, "\x1f", value);
  return key;
}

void GaugeBoard::Begin() { ++round_; }

void GaugeBoard::Set(prometheus::Family<prometheus::Gauge>* family,
                     const prometheus::Labels& labels, double value) {
  if (family == nullptr || !std::isfinite(value)) return;
  Slot& slot = slots_[KeyOf(family, labels)];
  if (slot.gauge == nullptr) {
    slot.family = family;
    slot.gauge = telemetry::AcquireSeries(family, labels);
  }
  slot.gauge->Set(value);
  slot.round = round_;
}

void GaugeBoard::End() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.round != round_) {
      telemetry::ReleaseSeries(it->second.family, it->second.gauge);
      slots_.erase(it++);
    } else {
      ++it;
    }
  }
}

void GaugeBoard::Clear() {
  ++round_;
  End();
}

}  // namespace modelgate::monitor

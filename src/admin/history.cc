// Deltas between readings, resets, rings and the JSON of history.h.
#include "admin/history.h"

#include <cmath>
#include <limits>
#include <utility>

namespace modelgate::admin {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

nlohmann::json OrNull(float v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

// Whether two pointers name the same object (also when one of them is gone: a weak_ptr keeps
// the control block, so a new object never compares equal to an old one).
bool SameSeries(const std::weak_ptr<const void>& old, const std::shared_ptr<const void>& now) {
  return !old.owner_before(now) && !now.owner_before(old);
}

}  // namespace

double HistogramQuantile(const std::vector<double>& bounds, const std::vector<double>& cumulative,
                         double q) {
  if (cumulative.empty() || cumulative.back() <= 0) return std::nan("");
  const double rank = q * cumulative.back();
  for (size_t i = 0; i < cumulative.size(); ++i) {
    if (cumulative[i] < rank) continue;
    if (i >= bounds.size()) return bounds.empty() ? std::nan("") : bounds.back();
    const double lower = i == 0 ? 0 : bounds[i - 1];
    const double below = i == 0 ? 0 : cumulative[i - 1];
    const double in_bucket = cumulative[i] - below;
    if (in_bucket <= 0) return lower;
    return lower + (bounds[i] - lower) * (rank - below) / in_bucket;
  }
  return bounds.empty() ? std::nan("") : bounds.back();
}

History::History(Options options, std::vector<double> bounds)
    : options_(options), bounds_(std::move(bounds)) {}

void History::Append(ArmHistory& h, const Point& p) const {
  if (h.ring.size() < options_.capacity) {
    h.ring.push_back(p);
  } else {
    h.ring[h.next] = p;
    h.next = (h.next + 1) % options_.capacity;
  }
}

void History::Record(absl::Time now, const std::vector<RouteReading>& routes) {
  MutexLock lock(&mu_);
  std::map<std::string, RouteHistory> next;
  size_t tracked = 0;
  size_t untracked = 0;
  for (const RouteReading& r : routes) {
    RouteHistory& out = next[r.route];
    out.strategy = r.strategy;
    auto old_route = routes_.find(r.route);
    for (const ArmReading& a : r.arms) {
      if (tracked >= options_.max_series) {
        ++untracked;
        continue;
      }
      ++tracked;
      ArmHistory h;
      if (old_route != routes_.end()) {
        auto old_arm = old_route->second.arms.find(a.arm);
        if (old_arm != old_route->second.arms.end()) h = std::move(old_arm->second);
      }
      const bool seen = h.primed;
      if (seen && now > h.last) {
        const bool reset = !SameSeries(h.series, a.series) || a.calls < h.calls ||
                           a.errors < h.errors || a.buckets.size() != h.buckets.size();
        const double calls = reset ? a.calls : a.calls - h.calls;
        const double errors = reset ? a.errors : a.errors - h.errors;
        std::vector<double> delta = a.buckets;
        if (!reset) {
          for (size_t i = 0; i < delta.size(); ++i) {
            delta[i] = std::max(0.0, delta[i] - h.buckets[i]);
          }
        }
        const double seconds = absl::ToDoubleSeconds(now - h.last);
        Point p;
        p.t = absl::ToDoubleSeconds(now - absl::UnixEpoch());
        p.rate = static_cast<float>(calls / seconds);
        p.error_ratio = calls > 0 ? static_cast<float>(errors / calls) : kNaN;
        p.p99 = delta.empty() ? kNaN : static_cast<float>(HistogramQuantile(bounds_, delta, 0.99));
        p.weight = static_cast<float>(a.weight);
        Append(h, p);
      }
      if (!seen || now > h.last) {
        h.primed = true;
        h.series = a.series;
        h.last = now;
        h.calls = a.calls;
        h.errors = a.errors;
        h.buckets = a.buckets;
      }
      out.arms[a.arm] = std::move(h);
    }
  }
  routes_ = std::move(next);
  untracked_ = untracked;
}

nlohmann::json History::Json() const {
  MutexLock lock(&mu_);
  nlohmann::json routes = nlohmann::json::object();
  for (const auto& [name, r] : routes_) {
    nlohmann::json arms = nlohmann::json::object();
    for (const auto& [arm, h] : r.arms) {
      nlohmann::json t = nlohmann::json::array(), rate = nlohmann::json::array(),
                     err = nlohmann::json::array(), p99 = nlohmann::json::array(),
                     weight = nlohmann::json::array();
      for (size_t i = 0; i < h.ring.size(); ++i) {
        const Point& p = h.ring[(h.next + i) % h.ring.size()];
        // Milliseconds are plenty for a plot and keep the JSON short.
        t.push_back(std::round(p.t * 1000) / 1000);
        rate.push_back(p.rate);
        err.push_back(OrNull(p.error_ratio));
        p99.push_back(OrNull(p.p99));
        weight.push_back(p.weight);
      }
      arms[arm] = {{"t", t}, {"rate", rate}, {"error_ratio", err}, {"p99_seconds", p99},
                   {"weight", weight}};
    }
    routes[name] = {{"strategy", r.strategy}, {"arms", arms}};
  }
  return {{"interval_seconds", absl::ToDoubleSeconds(options_.interval)},
          {"capacity", options_.capacity},
          {"max_series", options_.max_series},
          {"untracked_series", untracked_},
          {"routes", routes}};
}

size_t History::MaxBytes() const {
  const size_t per_series =
      sizeof(ArmHistory) + options_.capacity * sizeof(Point) + (bounds_.size() + 1) * sizeof(double);
  return options_.max_series * per_series;
}

}  // namespace modelgate::admin

// World and Ranker: hashed relevances and noisy top-n rankings; see relevance.h.
#include "tools/clicksim/relevance.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/stable_hash.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::clicksim {
namespace {

// Per-item streams are derived from one per-(seed, user) hash: the item index is spread by an
// odd constant (so distinct items give distinct inputs) and mixed, and each purpose gets its own
// offset so that rel and the rankers' noise are not built from the same bits.
constexpr uint64_t kItemStride = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kAffinityStream = 0x3C6EF372FE94F82BULL;
constexpr uint64_t kNoiseStream = 0xA54FF53A5F1D36F1ULL;

uint64_t ItemBits(uint64_t key, uint64_t stream, int item) {
  return Mix64(key ^ stream ^ (static_cast<uint64_t>(item) + 1) * kItemStride);
}

// Best first; equal scores in index order, so the ranking is a total order and reproducible.
bool Better(const ScoredItem& a, const ScoredItem& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// Phi (the standard normal CDF) on a grid, to bound it from below without a special function.
class PhiTable {
 public:
  static const PhiTable& Get() {
    static const PhiTable* table = new PhiTable();  // never destroyed: used until exit
    return *table;
  }

  // A value <= Phi(z). The grid point used lies at least one step below z, so rounding in z
  // or in the quantile function can never make the bound exceed Phi(z).
  double LowerBound(double z) const {
    if (!(z > kMin + 2 * kStep)) return 0.0;  // also NaN
    const double pos = (z - kMin) / kStep;
    const size_t index = std::min(values_.size() - 1, static_cast<size_t>(pos) - 1);
    return values_[index];
  }

 private:
  static constexpr double kMin = -9.0;
  static constexpr double kMax = 9.0;
  static constexpr double kStep = 1.0 / 64;

  PhiTable() {
    const int n = static_cast<int>((kMax - kMin) / kStep) + 1;
    values_.resize(n);
    for (int i = 0; i < n; ++i) {
      values_[i] = boost::math::cdf(stats::dist::Normal(), kMin + i * kStep);
    }
  }

  std::vector<double> values_;
};

}  // namespace

double NormalFromBits(uint64_t bits) { return stats::dist::NormalQuantile(OpenUniform(bits)); }

std::string ItemId(int index) { return absl::StrCat("item-", index); }

World::World(const WorldOptions& options) : options_(options) {
  popularity_.resize(std::max(0, options.num_items));
  const std::string salt = absl::StrCat(options.seed);
  for (int i = 0; i < options.num_items; ++i) {
    const double u = OpenUniform(StableKeyHash(salt, "popularity", ItemId(i)));
    popularity_[i] = std::pow(u, options.popularity_exponent);
  }
}

uint64_t World::UserKey(std::string_view user_id) const {
  return StableKeyHash(absl::StrCat(options_.seed), "affinity", user_id);
}

void World::Relevances(std::string_view user_id, std::vector<double>& out) const {
  const uint64_t key = UserKey(user_id);
  out.resize(popularity_.size());
  for (int i = 0; i < options_.num_items; ++i) {
    const double u = OpenUniform(ItemBits(key, kAffinityStream, i));
    out[i] = popularity_[i] * std::pow(u, options_.affinity_exponent);
  }
}

double World::Relevance(std::string_view user_id, int item) const {
  const double u = OpenUniform(ItemBits(UserKey(user_id), kAffinityStream, item));
  return popularity_[item] * std::pow(u, options_.affinity_exponent);
}

Ranker::Ranker(const World& world, const RankerOptions& options)
    : world_(world),
      options_(options),
      salt_(absl::StrCat(world.options().seed, "/", options.seed)) {}

std::vector<ScoredItem> Ranker::Recommend(std::string_view user_id, int n) const {
  std::vector<double> relevances;
  world_.Relevances(user_id, relevances);
  return Rank(user_id, relevances, n);
}

std::vector<ScoredItem> Ranker::Rank(std::string_view user_id,
                                     absl::Span<const double> relevances, int n) const {
  const int num_items = static_cast<int>(relevances.size());
  const int top = std::clamp(n, 0, num_items);
  if (options_.noise == 0.0 || top == 0) return RankExhaustive(user_id, relevances, n);
  const uint64_t key = StableKeyHash(salt_, "ranker", user_id);
  const double noise = options_.noise;
  const PhiTable& phi = PhiTable::Get();
  // The best `top` so far as a heap whose front is the worst of them (comparator Better).
  std::vector<ScoredItem> best;
  best.reserve(top);
  for (int i = 0; i < num_items; ++i) {
    const uint64_t bits = ItemBits(key, kNoiseStream, i);
    if (static_cast<int>(best.size()) == top) {
      // score_i = rel_i + noise * Quantile(u_i) <= t exactly when u_i <= Phi((t - rel_i) /
      // noise); such an item cannot enter (an equal score loses on its larger index).
      const double bound = phi.LowerBound((best.front().score - relevances[i]) / noise);
      if (OpenUniform(bits) <= bound) continue;
    }
    const ScoredItem candidate{i, relevances[i] + noise * NormalFromBits(bits)};
    if (static_cast<int>(best.size()) < top) {
      best.push_back(candidate);
      std::push_heap(best.begin(), best.end(), Better);
    } else if (Better(candidate, best.front())) {
      std::pop_heap(best.begin(), best.end(), Better);
      best.back() = candidate;
      std::push_heap(best.begin(), best.end(), Better);
    }
  }
  std::sort(best.begin(), best.end(), Better);
  return best;
}

std::vector<ScoredItem> Ranker::RankExhaustive(std::string_view user_id,
                                               absl::Span<const double> relevances,
                                               int n) const {
  const int num_items = static_cast<int>(relevances.size());
  const uint64_t key = StableKeyHash(salt_, "ranker", user_id);
  std::vector<ScoredItem> scored(num_items);
  for (int i = 0; i < num_items; ++i) {
    double score = relevances[i];
    // noise == 0 is the oracle; skipping the draw keeps it exact (0 * Z is 0 anyway).
    if (options_.noise != 0.0) {
      score += options_.noise * NormalFromBits(ItemBits(key, kNoiseStream, i));
    }
    scored[i] = ScoredItem{i, score};
  }
  const int top = std::clamp(n, 0, num_items);
  if (top < num_items) {
    std::nth_element(scored.begin(), scored.begin() + top, scored.end(), Better);
    scored.resize(top);
  }
  std::sort(scored.begin(), scored.end(), Better);
  return scored;
}

}  // namespace modelgate::clicksim

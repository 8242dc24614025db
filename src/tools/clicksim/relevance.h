// The simulated world shared by modelgate-fake-model's Recommender and the offline click-model
// simulation: N items, the true relevance of every item for every user, and rankers of a given
// quality. Everything is a pure function of (seeds, user id, item index), so the fake model and
// the simulator rank identically for the same flags, on every machine and in every process.
//
// Relevance (a number in [0, 1], used by the click model as the click probability of an
// examined item before the user's propensity and the scale are applied):
//     rel(u, i) = pop(i) * aff(u, i)
//     pop(i)    = U_pop(i) ^ popularity_exponent     (how broadly liked item i is)
//     aff(u, i) = U_aff(u, i) ^ affinity_exponent   (how much user u in particular likes it)
// with U_pop, U_aff uniform in (0, 1) taken from stable hashes of (world seed, item) and (world
// seed, user, item). A large affinity exponent makes aff small for most items and close to 1
// for a few, so each user has a handful of highly relevant items among many near-irrelevant
// ones, and different users like different items.
//
// A ranker of quality `noise` scores item i for user u as rel(u, i) + noise * Z(r, u, i), with
// Z a standard normal taken from a stable hash of (world seed, ranker seed, user, item), and
// returns the items with the n highest scores, best first (ties: lower index first). noise = 0
// is the oracle; larger noise is a worse ranker. Z is fixed per (ranker, user, item), so a
// ranker always shows a user the same list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace modelgate::clicksim {

struct WorldOptions {
  int num_items = 1000;
  uint64_t seed = 1;
  double popularity_exponent = 1.0;
  double affinity_exponent = 6.0;
};

// The SplitMix64 output function: a bijective 64-bit mixer. Used to derive per-item values
// from one per-user hash without hashing a string per item.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in the open interval (0, 1) from 64 random bits (53 of them used).
inline double OpenUniform(uint64_t bits) { return ((bits >> 11) + 0.5) * 0x1.0p-53; }

// A standard normal from 64 random bits: the normal quantile of OpenUniform(bits). Monotone in
// the uniform, which is what lets Ranker skip most items without computing their normal.
double NormalFromBits(uint64_t bits);

// "item-17": the wire id of item 17.
std::string ItemId(int index);

// Immutable and thread-safe after construction.
class World {
 public:
  // Options must be valid (num_items >= 1, exponents > 0); the fake model validates its flags.
  explicit World(const WorldOptions& options);

  const WorldOptions& options() const { return options_; }
  int num_items() const { return options_.num_items; }
  double popularity(int item) const { return popularity_[item]; }

  // rel(user, i) for every item i, into `out` (resized to num_items).
  void Relevances(std::string_view user_id, std::vector<double>& out) const;
  double Relevance(std::string_view user_id, int item) const;

 private:
  uint64_t UserKey(std::string_view user_id) const;

  WorldOptions options_;
  std::vector<double> popularity_;
};

struct ScoredItem {
  int item = 0;
  double score = 0.0;
};

struct RankerOptions {
  double noise = 0.3;
  uint64_t seed = 1;
};

// Immutable and thread-safe; keeps a reference to the world.
class Ranker {
 public:
  Ranker(const World& world, const RankerOptions& options);

  const RankerOptions& options() const { return options_; }

  // The top min(n, num_items) items for the user, best first. The fake model's path.
  std::vector<ScoredItem> Recommend(std::string_view user_id, int n) const;

  // The same ranking from the user's relevances computed beforehand (World::Relevances), so a
  // simulation that ranks one user with several rankers computes rel once. The results are
  // identical to Recommend's.
  //
  // Cost: O(N) cheap steps. Scores are only computed for items that may still enter the top
  // n: an item whose uniform u lies below Phi((t - rel) / noise), t being the n-th best score so
  // far, cannot beat t (the normal is increasing in u), and a table of Phi gives that bound
  // without a special function per item. Only a few dozen normal quantiles per call remain.
  std::vector<ScoredItem> Rank(std::string_view user_id, absl::Span<const double> relevances,
                               int n) const;

  // The same ranking computed the obvious way (every score, then sort). For tests, which check
  // that the pruning in Rank changes nothing.
  std::vector<ScoredItem> RankExhaustive(std::string_view user_id,
                                         absl::Span<const double> relevances, int n) const;

 private:
  const World& world_;
  RankerOptions options_;
  std::string salt_;  // "<world seed>/<ranker seed>"
};

}  // namespace modelgate::clicksim

// Typed, error-reporting access to a YamlNode tree. Each reader checks one value, reports any
// problem to Diagnostics at the value's position under its key path, and returns nullopt (or
// false) so the caller can carry on and find the next problem.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// Reports "must be a map/a list (got ...)" unless `node` has that kind.
bool ExpectMap(const YamlNode& node, absl::string_view path, Diagnostics& diag);
bool ExpectList(const YamlNode& node, absl::string_view path, Diagnostics& diag);

// Any scalar, as written (plain `42` reads as "42"). Null, lists and maps are errors: yaml-cpp
// would turn a null into the string "null", which is never what the user meant.
std::optional<std::string> ReadString(const YamlNode& node, absl::string_view path,
                                      Diagnostics& diag);

// A plain integer literal in [min, max]. "1.5", "1e3" and quoted "5" are errors.
std::optional<int64_t> ReadInt(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                               int64_t min, int64_t max);

// A plain, finite decimal number >= min ("10", "0.5", "1e-3").
std::optional<double> ReadNumber(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                                 double min);

// A byte count: an integer, or an integer with a KiB/MiB/GiB suffix ("16MiB"), in [min, max].
std::optional<int64_t> ReadByteSize(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                                    int64_t min, int64_t max);

// Plain true or false (also True/TRUE/False/FALSE, as in YAML 1.2). YAML 1.1's yes/no/on/off
// are rejected: "on" meaning true surprises people.
std::optional<bool> ReadBool(const YamlNode& node, absl::string_view path, Diagnostics& diag);

// A string that must be one of `choices` (with a "did you mean" hint otherwise).
std::optional<std::string> ReadChoice(const YamlNode& node, absl::string_view path,
                                      const std::vector<absl::string_view>& choices,
                                      Diagnostics& diag);

// One map of the schema. Construction reports duplicate keys (yaml-cpp keeps them silently)
// and, when `known` is non-empty, unknown keys with a "did you mean" hint. Lookups return the
// first occurrence of a key.
class MapReader {
 public:
  // `map` must be a map (see ExpectMap) and must outlive the reader. An empty `known` accepts
  // any key, for user-chosen keys such as match.headers.
  MapReader(const YamlNode& map, std::string path, std::initializer_list<absl::string_view> known,
            Diagnostics& diag);
  MapReader(const YamlNode& map, std::string path,
            const std::vector<absl::string_view>& known, Diagnostics& diag);

  // The value under `key`, or nullptr when absent.
  const YamlNode* Find(absl::string_view key) const;

  // The key and value, for messages about the key itself; nullptr when absent.
  const YamlEntry* FindEntry(absl::string_view key) const;

  // Like Find, but reports "required key is missing" at the map's position when absent.
  const YamlNode* Require(absl::string_view key) const;

  // This map's path joined with `key`.
  std::string PathOf(absl::string_view key) const { return KeyPath(path_, key); }
  const std::string& path() const { return path_; }
  SourcePos pos() const { return map_.pos; }

  // The entries whose keys are strings, first occurrence of each, in document order.
  const std::vector<const YamlEntry*>& entries() const { return entries_; }

 private:
  const YamlNode& map_;
  std::string path_;
  Diagnostics& diag_;
  std::vector<const YamlEntry*> entries_;
};

// A list of distinct strings, each checked by `check` (may be null); a repeated one is reported
// ("is listed twice") and kept once.
std::vector<std::string> ReadDistinctStrings(const YamlNode& node, const std::string& path,
                                             Diagnostics& diag,
                                             absl::Status (*check)(absl::string_view));

// The number under `key` of `map`, when present, into `out` if it lies in [min, max].
void ReadNumberInRange(const MapReader& map, absl::string_view key, double min, double max,
                       Diagnostics& diag, double& out);

}  // namespace modelgate::config

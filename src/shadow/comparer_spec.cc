// ComparerSpec's identity; see comparer_spec.h.
#include "shadow/comparer_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace modelgate::shadow {

std::string ComparerSpec::Key() const {
  auto quoted = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) absl::StrAppend(&out, s.size(), ":", s, ",");
    return out;
  };
  return absl::StrCat(route.size(), ":", route, ";", quoted(arm_names), ";", primary, ";",
                      absl::StrJoin(shadows, ","), ";", noise_reference, ";",
                      static_cast<int>(payload), ";", absolute_tolerance, ";",
                      relative_tolerance, ";", quoted(argmax_outputs), ";",
                      quoted(ignore_outputs), ";", queue_size, ";", noise_absolute_threshold,
                      ";", noise_relative_threshold, ";", noise_min_samples, ";",
                      max_diff_samples, ";", diff_file.size(), ":", diff_file, ";",
                      diff_file_max_bytes, ";", max_message_bytes);
}

}  // namespace modelgate::shadow

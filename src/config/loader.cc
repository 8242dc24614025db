// Entry points of the config loader: read the file, parse, walk the schema, collect errors.
#include "config/loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/stable_hash.h"
#include "config/descriptor_set.h"
#include "config/diagnostics.h"
#include "config/schema.h"
#include "config/unary_methods.h"
#include "strategies/registry.h"
#include "config/yaml_tree.h"

namespace modelgate::config {
namespace {

// Far above any real config; stops `check-config /dev/zero` from reading forever.
constexpr size_t kMaxFileBytes = 16 << 20;

constexpr absl::string_view kExpectedTopLevel =
    "expected a map with keys listen, admin, backends, routes";

std::string ErrnoMessage(int err) { return std::generic_category().message(err); }

// The whole file, or a reason it cannot be read (e.g. "No such file or directory").
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(ErrnoMessage(errno));
  std::string data;
  char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;  // ::close may overwrite it
      ::close(fd);
      return absl::UnavailableError(ErrnoMessage(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxFileBytes) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("larger than ", kMaxFileBytes >> 20, " MiB"));
    }
  }
  ::close(fd);
  return data;
}

// Files named in the config are relative to the config's own directory, wherever the process
// was started from.
std::string RelativeToConfig(const std::string& config_path, const std::string& file) {
  if (file.empty() || file[0] == '/') return file;
  const size_t slash = config_path.rfind('/');
  return slash == std::string::npos ? file : config_path.substr(0, slash + 1) + file;
}

// Reads proxy.descriptor_sets now, so that a missing or malformed file is a config error with
// its position like any other, and adds their unary methods to proxy.unary_methods.
void AddDescriptorSetMethods(const std::string& config_path, Diagnostics& diag,
                             ProxyConfig& proxy) {
  for (size_t i = 0; i < proxy.descriptor_sets.size(); ++i) {
    std::string& file = proxy.descriptor_sets[i];
    file = RelativeToConfig(config_path, file);
    absl::StatusOr<std::vector<std::string>> methods = UnaryMethodsFromDescriptorSet(file);
    if (!methods.ok()) {
      diag.Add(proxy.descriptor_set_pos[i], IndexPath("proxy.descriptor_sets", i),
               methods.status().message());
      continue;
    }
    for (std::string& m : *methods) {
      if (std::find(proxy.unary_methods.begin(), proxy.unary_methods.end(), m) ==
          proxy.unary_methods.end()) {
        proxy.unary_methods.push_back(std::move(m));
      }
    }
  }
}

// Plans with several legs (a fallback, shadow copies, a merge) need whole messages, so they
// work on unary methods only: a route that matches one named method must name a unary one.
// (A route matching a whole service runs such plans on its unary methods; its streaming
// methods are forwarded to the primary arm alone.)
void CheckMultiLegRoutesAreUnary(const Config& config, Diagnostics& diag) {
  const UnaryMethods unary(config.proxy.unary_methods);
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const Route& r = config.routes[i];
    const strategies::StrategyDef* def = strategies::Find(r.strategy);
    const std::string setting = def != nullptr ? def->MultiLegSetting(r) : "";
    if (setting.empty() || r.match.method.empty() || r.match.service.empty()) continue;
    const std::string method = absl::StrCat("/", r.match.service, "/", r.match.method);
    if (unary.Contains(method)) continue;
    diag.Add(r.pos, KeyPath(IndexPath("routes", i), setting),
             absl::StrCat("needs whole messages, so it works on unary methods only, and ", method,
                          " is not known to be unary (declare it in proxy.unary_methods or "
                          "proxy.descriptor_sets if it is)"));
  }
}

}  // namespace

LoadResult ParseConfig(const std::string& path, const std::string& text) {
  LoadResult result;
  Diagnostics diag(path);
  YamlParse parsed = ParseYaml(text);
  if (parsed.error) {
    diag.Add(parsed.error->pos, "", absl::StrCat("invalid YAML: ", parsed.error->message));
  } else if (parsed.documents.empty() || parsed.documents[0].IsNull()) {
    diag.Add(SourcePos{1, 1}, "", absl::StrCat("the config is empty; ", kExpectedTopLevel));
  } else {
    // yaml-cpp's Load would silently use only the first document; a second one is a pasting
    // mistake. A trailing "---" with nothing after it is harmless.
    for (size_t i = 1; i < parsed.documents.size(); ++i) {
      if (parsed.documents[i].IsNull()) continue;
      diag.Add(parsed.documents[i].pos, "",
               "the file holds more than one YAML document; a config is exactly one");
      break;
    }
    BuildConfig(parsed.documents[0], strategies::Readers(), diag, result.config);
    if (diag.empty()) AddDescriptorSetMethods(path, diag, result.config.proxy);
    if (diag.empty()) CheckMultiLegRoutesAreUnary(result.config, diag);
  }
  if (!diag.empty()) {
    result.config = Config{};  // never hand out a half-validated config
    result.errors = std::move(diag).TakeSorted();
    return result;
  }
  result.config.path = path;
  // The hash identifies what is served: with descriptor sets, what they contributed counts too
  // (a rebuilt descriptor set must reload even if the YAML did not change).
  std::string hashed = text;
  if (!result.config.proxy.descriptor_sets.empty()) {
    absl::StrAppend(&hashed, "\n# unary methods: ",
                    absl::StrJoin(result.config.proxy.unary_methods, ","));
  }
  result.config.hash = absl::StrFormat("%016x", StableHash64(hashed));
  // Files named in the config are relative to the config's own directory, wherever the
  // process was started from.
  for (Route& r : result.config.routes) {
    std::string& f = r.monitor.drift.reference_file;
    if (!f.empty()) f = RelativeToConfig(path, f);
  }
  result.config.admin.token_file = RelativeToConfig(path, result.config.admin.token_file);
  result.config.state_dir = RelativeToConfig(path, result.config.state_dir);
  result.config.access_log.path = RelativeToConfig(path, result.config.access_log.path);
  return result;
}

LoadResult LoadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    LoadResult result;
    result.errors.push_back(absl::StrCat(path, ": cannot read: ", text.status().message()));
    return result;
  }
  return ParseConfig(path, *text);
}

absl::StatusOr<Config> LoadConfigOrStatus(const std::string& path) {
  LoadResult result = LoadConfigFile(path);
  if (!result.ok()) return absl::InvalidArgumentError(absl::StrJoin(result.errors, "\n"));
  return std::move(result.config);
}

}  // namespace modelgate::config

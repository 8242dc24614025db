// Top level, admin, proxy and backends sections of schema v1; routes are in route_schema.cc.
#include "config/schema.h"

#include <limits>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "config/access_log_schema.h"
#include "config/route_schema.h"
#include "config/target_syntax.h"
#include "config/upstream_schema.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

constexpr int kMaxThreads = 64;
// gRPC's message size options are ints.
constexpr int64_t kMinMessageBytes = 1024;
constexpr int64_t kMaxMessageBytes = std::numeric_limits<int32_t>::max();

// A listener address; port 0 lets the kernel choose (tests read the port back).
void ReadListen(const YamlNode& node, const std::string& path, Diagnostics& diag,
                std::string& out) {
  if (auto s = ReadString(node, path, diag)) {
    if (diag.Check(CheckHostPort(*s, /*min_port=*/0), node.pos, path)) out = *s;
  }
}

void ReadAdmin(const YamlNode& node, Diagnostics& diag, AdminConfig& out) {
  if (!ExpectMap(node, "admin", diag)) return;
  MapReader admin(node, "admin", {"listen", "token_file"}, diag);
  if (const YamlNode* n = admin.Require("listen")) {
    ReadListen(*n, admin.PathOf("listen"), diag, out.listen);
  }
  // Only the path is checked here: the file comes from a Secret that may be mounted later (or
  // never), and the admin server re-reads it whenever it changes.
  if (const YamlNode* n = admin.Find("token_file")) {
    const std::string path = admin.PathOf("token_file");
    if (auto s = ReadString(*n, path, diag)) {
      if (s->empty()) {
        diag.Add(n->pos, path,
                 "must name a file (omit the key to refuse mutating admin requests)");
      } else {
        out.token_file = *s;
      }
    }
  }
}

void ReadProxy(const YamlNode& node, Diagnostics& diag, ProxyConfig& out) {
  if (!ExpectMap(node, "proxy", diag)) return;
  MapReader proxy(node, "proxy",
                  {"threads", "max_message_bytes", "drain_seconds", "unary_methods",
                   "descriptor_sets", "max_inflight_calls", "max_client_connections",
                   "client_idle_timeout_seconds", "upstream", "data_plane",
                   "dns_refresh_seconds"},
                  diag);
  if (const YamlNode* n = proxy.Find("threads")) {
    if (auto v = ReadInt(*n, proxy.PathOf("threads"), diag, 1, kMaxThreads)) {
      out.threads = static_cast<int>(*v);
    }
  }
  if (const YamlNode* n = proxy.Find("data_plane")) {
    // One data plane remains (frame-level, src/h2); the key stays readable so that configs
    // written for the two-plane releases still load, and "grpc" says what became of it.
    if (auto s = ReadString(*n, proxy.PathOf("data_plane"), diag); s && *s != "h2") {
      diag.Add(n->pos, proxy.PathOf("data_plane"),
               absl::StrCat("\"", *s, "\" is not available: the gRPC-library data plane was "
                            "removed; \"h2\" (the default) is the only data plane"));
    }
  }
  if (const YamlNode* n = proxy.Find("max_message_bytes")) {
    if (auto v = ReadByteSize(*n, proxy.PathOf("max_message_bytes"), diag, kMinMessageBytes,
                              kMaxMessageBytes)) {
      out.max_message_bytes = *v;
    }
  }
  if (const YamlNode* n = proxy.Find("max_inflight_calls")) {
    if (auto v = ReadInt(*n, proxy.PathOf("max_inflight_calls"), diag, 1, 10'000'000)) {
      out.max_inflight_calls = *v;
    }
  }
  if (const YamlNode* n = proxy.Find("max_client_connections")) {
    if (auto v = ReadInt(*n, proxy.PathOf("max_client_connections"), diag, 0, 10'000'000)) {
      out.max_client_connections = *v;
    }
  }
  if (const YamlNode* n = proxy.Find("client_idle_timeout_seconds")) {
    if (auto v = ReadNumber(*n, proxy.PathOf("client_idle_timeout_seconds"), diag, 0)) {
      out.client_idle_timeout_seconds = *v;
    }
  }
  if (const YamlNode* n = proxy.Find("dns_refresh_seconds")) {
    if (auto v = ReadNumber(*n, proxy.PathOf("dns_refresh_seconds"), diag, 0)) {
      out.dns_refresh_seconds = *v;
    }
  }
  if (const YamlNode* n = proxy.Find("drain_seconds")) {
    if (auto v = ReadNumber(*n, proxy.PathOf("drain_seconds"), diag, 0)) out.drain_seconds = *v;
  }
  if (const YamlNode* n = proxy.Find("unary_methods")) {
    const std::string path = proxy.PathOf("unary_methods");
    if (ExpectList(*n, path, diag)) {
      for (size_t i = 0; i < n->items.size(); ++i) {
        const YamlNode& item = n->items[i];
        const std::string item_path = IndexPath(path, i);
        if (auto s = ReadString(item, item_path, diag)) {
          if (diag.Check(CheckMethodPattern(*s), item.pos, item_path)) {
            out.unary_methods.push_back(*s);
          }
        }
      }
    }
  }
  if (const YamlNode* n = proxy.Find("upstream")) {
    ReadUpstream(*n, proxy.PathOf("upstream"), "defaults", diag, out.upstream);
  }
  if (const YamlNode* n = proxy.Find("descriptor_sets")) {
    const std::string path = proxy.PathOf("descriptor_sets");
    if (ExpectList(*n, path, diag)) {
      for (size_t i = 0; i < n->items.size(); ++i) {
        const YamlNode& item = n->items[i];
        if (auto s = ReadString(item, IndexPath(path, i), diag)) {
          out.descriptor_sets.push_back(*s);
          out.descriptor_set_pos.push_back(item.pos);
        }
      }
    }
  }
}

void ReadHealthCheck(const YamlNode& node, const std::string& path, Diagnostics& diag,
                     HealthCheckConfig& out) {
  if (!ExpectMap(node, path, diag)) return;
  out.enabled = true;
  MapReader health(node, path,
                   {"service", "interval_seconds", "timeout_seconds", "unhealthy_after"}, diag);
  if (const YamlNode* n = health.Find("service")) {
    if (auto s = ReadString(*n, health.PathOf("service"), diag)) out.service = *s;
  }
  for (auto [key, value] : {std::pair<absl::string_view, double*>{"interval_seconds",
                                                                  &out.interval_seconds},
                            {"timeout_seconds", &out.timeout_seconds}}) {
    if (const YamlNode* n = health.Find(key)) {
      const std::string p = health.PathOf(key);
      if (auto v = ReadNumber(*n, p, diag, 0)) {
        if (*v < 0.01 || *v > 3600) {
          diag.Add(n->pos, p, absl::StrCat("must be between 0.01 and 3600 seconds (got ", *v, ")"));
        } else {
          *value = *v;
        }
      }
    }
  }
  if (const YamlNode* n = health.Find("unhealthy_after")) {
    if (auto v = ReadInt(*n, health.PathOf("unhealthy_after"), diag, 1, 1000)) {
      out.unhealthy_after = static_cast<int>(*v);
    }
  }
}

// Returns true when every backend has a readable name, i.e. when a reference that matches
// none of them is certainly wrong.
bool ReadBackends(const YamlNode& node, const UpstreamConfig& upstream, Diagnostics& diag,
                  std::vector<Backend>& out) {
  if (!ExpectList(node, "backends", diag)) return false;
  if (node.items.empty()) {
    diag.Add(node.pos, "backends", "must list at least one backend");
    return false;
  }
  bool all_named = true;
  absl::flat_hash_map<std::string, SourcePos> first_seen;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    const std::string path = IndexPath("backends", i);
    if (!ExpectMap(item, path, diag)) {
      all_named = false;
      continue;
    }
    MapReader backend(item, path, {"name", "address", "authority", "lb_policy", "upstream", "health"},
                      diag);
    Backend b;
    b.pos = item.pos;
    b.upstream = upstream;
    bool named = false;
    if (const YamlNode* n = backend.Require("name")) {
      const std::string name_path = backend.PathOf("name");
      if (auto s = ReadString(*n, name_path, diag);
          s && diag.Check(CheckName(*s), n->pos, name_path)) {
        const auto [it, inserted] = first_seen.emplace(*s, n->pos);
        if (inserted) {
          b.name = *s;
          named = true;
        } else {
          diag.Add(n->pos, name_path,
                   absl::StrCat("duplicate backend name ", Quote(*s), " (first at line ",
                                it->second.line, ", column ", it->second.column, ")"));
        }
      } else {
        all_named = false;
      }
    } else {
      all_named = false;
    }
    if (const YamlNode* n = backend.Require("address")) {
      const std::string address_path = backend.PathOf("address");
      if (auto s = ReadString(*n, address_path, diag)) {
        if (diag.Check(CheckBackendAddress(*s), n->pos, address_path)) b.address = *s;
      }
    }
    if (const YamlNode* n = backend.Find("authority")) {
      const std::string authority_path = backend.PathOf("authority");
      if (auto s = ReadString(*n, authority_path, diag)) {
        if (diag.Check(CheckAuthority(*s), n->pos, authority_path)) b.authority = *s;
      }
    }
    if (const YamlNode* n = backend.Find("lb_policy")) {
      ReadLbPolicy(*n, backend.PathOf("lb_policy"), diag, b.lb_policy);
    }
    if (const YamlNode* n = backend.Find("health")) {
      ReadHealthCheck(*n, backend.PathOf("health"), diag, b.health);
    }
    if (const YamlNode* n = backend.Find("upstream")) {
      ReadUpstream(*n, backend.PathOf("upstream"), "proxy.upstream", diag, b.upstream);
    }
    if (named) out.push_back(std::move(b));
  }
  return all_named;
}

// The gRPC and admin listeners cannot share a port: such a config would pass validation and
// then fail at serve. A wildcard host (0.0.0.0, ::) conflicts with any host on the same port.
void CheckListenersDistinct(const YamlNode& admin_node, const Config& config, Diagnostics& diag) {
  const std::optional<HostPort> grpc = SplitHostPort(config.listen);
  const std::optional<HostPort> admin = SplitHostPort(config.admin.listen);
  if (!grpc || !admin || grpc->port == 0 || grpc->port != admin->port) return;
  const auto wildcard = [](absl::string_view h) { return h == "0.0.0.0" || h == "::"; };
  if (grpc->host != admin->host && !wildcard(grpc->host) && !wildcard(admin->host)) return;
  SourcePos pos = admin_node.pos;
  for (const YamlEntry& e : admin_node.entries) {
    if (e.key.scalar == "listen") pos = e.value.pos;
  }
  diag.Add(pos, "admin.listen",
           absl::StrCat("conflicts with listen (", config.listen,
                        "): the gRPC and admin listeners need different ports"));
}

}  // namespace

void BuildConfig(const YamlNode& root, const StrategyReaders& readers, Diagnostics& diag,
                 Config& out) {
  if (!root.IsMap()) {
    diag.Add(root.pos, "",
             absl::StrCat("the top level must be a map with keys listen, admin, backends, "
                          "routes (got ",
                          DescribeKind(root), ")"));
    return;
  }
  MapReader top(root, "", {"listen", "admin", "proxy", "backends", "routes", "state_dir", "access_log"},
                diag);
  if (const YamlNode* n = top.Find("state_dir")) {
    if (auto s = ReadString(*n, "state_dir", diag)) {
      if (s->empty()) {
        diag.Add(n->pos, "state_dir", "must not be empty (omit the key to keep state in memory)");
      } else {
        out.state_dir = *s;
      }
    }
  }
  if (const YamlNode* n = top.Require("listen")) ReadListen(*n, "listen", diag, out.listen);
  if (const YamlNode* n = top.Require("admin")) {
    ReadAdmin(*n, diag, out.admin);
    CheckListenersDistinct(*n, out, diag);
  }
  if (const YamlNode* n = top.Find("proxy")) ReadProxy(*n, diag, out.proxy);
  if (const YamlNode* n = top.Find("access_log")) ReadAccessLog(*n, diag, out.access_log);
  bool backends_complete = false;
  if (const YamlNode* n = top.Require("backends")) {
    backends_complete = ReadBackends(*n, out.proxy.upstream, diag, out.backends);
  }
  if (const YamlNode* n = top.Require("routes")) {
    ReadRoutes(*n, backends_complete ? &out.backends : nullptr, readers, diag, out.routes);
  }
}

}  // namespace modelgate::config

// Every class of config error, each asserted as the exact "FILE:LINE:COL: key.path: message"
// the user will read. Line and column are 1-based; YAML snippets below are laid out so the
// positions can be checked by eye.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;

// Lines 1-6 of most test files: valid, so each test's own lines start at line 7.
constexpr char kHead[] =
    "listen: 127.0.0.1:8500\n"                          // 1
    "admin: {listen: 127.0.0.1:9901}\n"                 // 2
    "backends:\n"                                       // 3
    "  - {name: legacy, address: 127.0.0.1:9001}\n"     // 4
    "  - {name: candidate, address: 127.0.0.1:9002}\n"  // 5
    "routes:\n";                                        // 6

std::vector<std::string> Errors(const std::string& text) {
  return ParseConfig("c.yaml", text).errors;
}

std::vector<std::string> RouteErrors(const std::string& routes) {
  return Errors(std::string(kHead) + routes);
}

TEST(ConfigLoader, AcceptsTheSharedHead) {
  EXPECT_THAT(RouteErrors("  - {name: r, strategy: forward, forward: {backend: legacy}}\n"),
              ElementsAre());
}

TEST(ConfigLoader, RejectsSyntaxErrorAtParserPosition) {
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\nadmin: [1, 2\n"),
              ElementsAre("c.yaml:3:1: invalid YAML: end of sequence flow not found"));
  EXPECT_THAT(Errors("listen: a\n\tadmin: b\n"),
              ElementsAre("c.yaml:2:1: invalid YAML: illegal tab when looking for indentation"));
}

TEST(ConfigLoader, RejectsEmptyFile) {
  const char kMessage[] =
      "c.yaml:1:1: the config is empty; expected a map with keys listen, admin, backends, routes";
  EXPECT_THAT(Errors(""), ElementsAre(kMessage));
  EXPECT_THAT(Errors("# only a comment\n\n"), ElementsAre(kMessage));
  EXPECT_THAT(Errors("~\n"), ElementsAre(kMessage));
}

TEST(ConfigLoader, RejectsTopLevelThatIsNotAMap) {
  EXPECT_THAT(Errors("\n- listen\n- admin\n"),
              ElementsAre("c.yaml:2:1: the top level must be a map with keys listen, admin, "
                          "backends, routes (got a list)"));
  EXPECT_THAT(Errors("just text\n"),
              ElementsAre("c.yaml:1:1: the top level must be a map with keys listen, admin, "
                          "backends, routes (got \"just text\")"));
}

TEST(ConfigLoader, RejectsMoreThanOneDocument) {
  EXPECT_THAT(
      Errors(std::string(kHead) + "  - {name: r, strategy: forward, forward: {backend: legacy}}\n"
                                  "---\n"
                                  "listen: 127.0.0.1:1\n"),
      ElementsAre("c.yaml:9:1: the file holds more than one YAML document; a config is "
                  "exactly one"));
}

TEST(ConfigLoader, RejectsUnknownKeySuggestingTheClosest) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                                 // 7
                          "    strategy: ab\n"                            // 8
                          "    ab:\n"                                     // 9
                          "      arms: [{backend: legacy, weight: 1}]\n"  // 10
                          "      sticky_haeder: x-user-id\n"),            // 11
              ElementsAre("c.yaml:11:7: routes[0].ab.sticky_haeder: unknown key "
                          "\"sticky_haeder\" (did you mean \"sticky_header\"?)"));
}

TEST(ConfigLoader, RejectsUnknownKeyListingKnownOnesWhenNoneIsClose) {
  EXPECT_THAT(Errors(std::string("version: 2\n") + kHead +
                     "  - {name: r, strategy: forward, forward: {backend: legacy}}\n"),
              ElementsAre("c.yaml:1:1: version: unknown key \"version\" (expected one of: "
                          "listen, admin, proxy, backends, routes, state_dir, access_log)"));
}

TEST(ConfigLoader, RejectsDuplicateKeyWithBothPositions) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                     // 7
                          "    strategy: forward\n"           // 8
                          "    forward: {backend: legacy}\n"  // 9
                          "    name: again\n"),               // 10
              ElementsAre("c.yaml:10:5: routes[0].name: duplicate key \"name\" (first at line "
                          "7, column 5)"));
}

TEST(ConfigLoader, RejectsDuplicateHeaderKeyInFlowMap) {
  EXPECT_THAT(
      RouteErrors("  - name: r\n"                                       // 7
                  "    match: {headers: {x-tenant: a, x-tenant: b}}\n"  // 8
                  "    strategy: forward\n"
                  "    forward: {backend: legacy}\n"),
      ElementsAre("c.yaml:8:36: routes[0].match.headers.x-tenant: duplicate key \"x-tenant\" "
                  "(first at line 8, column 23)"));
}

TEST(ConfigLoader, RejectsWrongTypes) {
  EXPECT_THAT(
      Errors("listen: 127.0.0.1:8500\n"                             // 1
             "admin: [127.0.0.1:9901]\n"                            // 2
             "proxy:\n"                                             // 3
             "  threads: four\n"                                    // 4
             "  unary_methods: /a.B/C\n"                            // 5
             "backends: {name: legacy, address: 127.0.0.1:9001}\n"  // 6
             "routes:\n"                                            // 7
             "  - name: [r]\n"                                      // 8
             "    strategy: forward\n"                              // 9
             "    forward: {backend: legacy}\n"                     // 10
             "    arm_header: yes\n"                                // 11
             "    timeout_seconds: soon\n"),                        // 12
      ElementsAre("c.yaml:2:8: admin: must be a map (got a list)",
                  "c.yaml:4:12: proxy.threads: must be an integer (got \"four\")",
                  "c.yaml:5:18: proxy.unary_methods: must be a list (got \"/a.B/C\")",
                  "c.yaml:6:11: backends: must be a list (got a map)",
                  "c.yaml:8:11: routes[0].name: must be a string (got a list)",
                  "c.yaml:11:17: routes[0].arm_header: must be true or false (got \"yes\")",
                  "c.yaml:12:22: routes[0].timeout_seconds: must be a number (got \"soon\")"));
}

TEST(ConfigLoader, RejectsQuotedNumbersAndBooleansNamingTheQuotes) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                                         // 7
                          "    strategy: ab\n"                                    // 8
                          "    ab: {arms: [{backend: legacy, weight: \"5\"}]}\n"  // 9
                          "    arm_header: \"true\"\n"),                          // 10
              ElementsAre("c.yaml:9:43: routes[0].ab.arms[0].weight: must be an integer (got "
                          "\"5\"); remove the quotes",
                          "c.yaml:10:17: routes[0].arm_header: must be true or false (got "
                          "\"true\"); remove the quotes"));
}

TEST(ConfigLoader, RejectsNullWhereAStringIsRequiredAtTheKey) {
  // yaml-cpp would read both as the string "null". A null value is reported at its key,
  // because yaml-cpp places an empty one at the next token, often on a later line.
  EXPECT_THAT(RouteErrors("  - name:\n"                         // 7
                          "    strategy: null\n"                // 8
                          "    forward: {backend: legacy}\n"),  // 9
              ElementsAre("c.yaml:7:5: routes[0].name: must be a string (got null)",
                          "c.yaml:8:5: routes[0].strategy: must be a string (got null)"));
}

TEST(ConfigLoader, RejectsFractionalAndOutOfRangeIntegers) {
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"                                           // 1
                     "admin: {listen: 127.0.0.1:9901}\n"                                  // 2
                     "proxy:\n"                                                           // 3
                     "  threads: 65\n"                                                    // 4
                     "  max_message_bytes: 512\n"                                         // 5
                     "  drain_seconds: -1\n"                                              // 6
                     "  dns_refresh_seconds: -2\n"                                        // 7
                     "backends: [{name: a, address: localhost:1}]\n"                      // 8
                     "routes:\n"                                                          // 9
                     "  - name: r\n"                                                      // 10
                     "    strategy: ab\n"                                                 // 11
                     "    ab:\n"                                                          // 12
                     "      arms:\n"                                                      // 13
                     "        - {backend: a, weight: 1.5}\n"                              // 14
                     "        - {backend: a, name: b, weight: 99999999999999999999}\n"),  // 15
              ElementsAre("c.yaml:4:12: proxy.threads: must be <= 64 (got 65)",
                          "c.yaml:5:22: proxy.max_message_bytes: must be between 1024 and "
                          "2147483647 bytes (got 512)",
                          "c.yaml:6:18: proxy.drain_seconds: must be >= 0 (got -1)",
                          "c.yaml:7:24: proxy.dns_refresh_seconds: must be >= 0 (got -2)",
                          "c.yaml:14:32: routes[0].ab.arms[0].weight: must be an integer (got "
                          "\"1.5\")",
                          "c.yaml:15:41: routes[0].ab.arms[1].weight: must be <= 2147483647 "
                          "(got 99999999999999999999)"));
}

TEST(ConfigLoader, RejectsByteSizesWithUnknownUnitsOrOverTheLimit) {
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:9901}\n"
                     "proxy: {max_message_bytes: 16MB}\n"  // 3
                     "backends: [{name: a, address: localhost:1}]\n"
                     "routes: [{name: r, strategy: forward, forward: {backend: a}}]\n"),
              ElementsAre("c.yaml:3:28: proxy.max_message_bytes: must be a byte count: an "
                          "integer or an integer with KiB, MiB or GiB, e.g. 16MiB (got \"16MB\")"));
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:9901}\n"
                     "proxy: {max_message_bytes: 2GiB}\n"  // 3
                     "backends: [{name: a, address: localhost:1}]\n"
                     "routes: [{name: r, strategy: forward, forward: {backend: a}}]\n"),
              ElementsAre("c.yaml:3:28: proxy.max_message_bytes: must be between 1024 and "
                          "2147483647 bytes (got 2GiB)"));
}

TEST(ConfigLoader, DataPlaneIsH2OnlyAndSaysWhatBecameOfTheGrpcPlane) {
  const auto config = [](const std::string& plane) {
    return "listen: 127.0.0.1:8500\n"
           "admin: {listen: 127.0.0.1:9901}\n"
           "proxy: {data_plane: " + plane + "}\n"  // 3
           "backends: [{name: a, address: localhost:1}]\n"
           "routes: [{name: r, strategy: forward, forward: {backend: a}}]\n";
  };
  EXPECT_THAT(Errors(config("h2")), ElementsAre());
  EXPECT_THAT(Errors(config("grpc")),
              ElementsAre("c.yaml:3:21: proxy.data_plane: \"grpc\" is not available: the "
                          "gRPC-library data plane was removed; \"h2\" (the default) is the "
                          "only data plane"));
}

TEST(ConfigLoader, RejectsMissingRequiredKeysAtTheParentPosition) {
  EXPECT_THAT(Errors("\n"                             // 1
                     "listen: 127.0.0.1:8500\n"       // 2
                     "admin: {}\n"                    // 3
                     "backends:\n"                    // 4
                     "  - name: legacy\n"             // 5
                     "routes:\n"                      // 6
                     "  - name: r\n"                  // 7
                     "    ab:\n"                      // 8
                     "      arms: [{weight: 1}]\n"),  // 9
              ElementsAre("c.yaml:3:8: admin.listen: required key is missing",
                          "c.yaml:5:5: backends[0].address: required key is missing",
                          "c.yaml:7:5: routes[0].strategy: required key is missing",
                          "c.yaml:9:14: routes[0].ab.arms[0].backend: required key is missing"));
}

TEST(ConfigLoader, RejectsMissingTopLevelKeysAtTheFirstKey) {
  EXPECT_THAT(Errors("# comment\nproxy: {threads: 2}\n"),
              ElementsAre("c.yaml:2:1: listen: required key is missing",
                          "c.yaml:2:1: admin: required key is missing",
                          "c.yaml:2:1: backends: required key is missing",
                          "c.yaml:2:1: routes: required key is missing"));
}

TEST(ConfigLoader, RejectsReferencesToUndefinedBackends) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                               // 7
                          "    strategy: ab\n"                          // 8
                          "    ab:\n"                                   // 9
                          "      arms:\n"                               // 10
                          "        - {backend: candidat, weight: 1}\n"  // 11
                          "        - {backend: shadow, weight: 1}\n"    // 12
                          "  - name: f\n"                               // 13
                          "    strategy: forward\n"                     // 14
                          "    forward: {backend: legacyy}\n"),         // 15
              ElementsAre("c.yaml:11:21: routes[0].ab.arms[0].backend: undefined backend "
                          "\"candidat\" (did you mean \"candidate\"?)",
                          "c.yaml:12:21: routes[0].ab.arms[1].backend: undefined backend "
                          "\"shadow\" (defined: legacy, candidate)",
                          "c.yaml:15:24: routes[1].forward.backend: undefined backend "
                          "\"legacyy\" (did you mean \"legacy\"?)"));
}

TEST(ConfigLoader, DoesNotRepeatUndefinedBackendWhenABackendIsBroken) {
  // The second backend has no readable name; its references are not second-guessed.
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:9901}\n"
                     "backends:\n"
                     "  - {name: legacy, address: 127.0.0.1:9001}\n"
                     "  - {name: \"bad name\", address: 127.0.0.1:9002}\n"  // 5
                     "routes: [{name: r, strategy: forward, forward: {backend: candidate}}]\n"),
              ElementsAre("c.yaml:5:12: backends[1].name: must be non-empty and use only A-Z "
                          "a-z 0-9 _ . - (got \"bad name\")"));
}

TEST(ConfigLoader, RejectsDuplicateBackendRouteAndArmNames) {
  EXPECT_THAT(
      Errors("listen: 127.0.0.1:8500\n"                           // 1
             "admin: {listen: 127.0.0.1:9901}\n"                  // 2
             "backends:\n"                                        // 3
             "  - {name: legacy, address: 127.0.0.1:9001}\n"      // 4
             "  - {name: legacy, address: 127.0.0.1:9002}\n"      // 5
             "routes:\n"                                          // 6
             "  - name: r\n"                                      // 7
             "    strategy: ab\n"                                 // 8
             "    ab:\n"                                          // 9
             "      arms:\n"                                      // 10
             "        - {backend: legacy, weight: 1}\n"           // 11
             "        - {backend: legacy, weight: 1}\n"           // 12
             "        - {backend: legacy, weight: 1, name: x}\n"  // 13
             "        - {backend: legacy, weight: 1, name: x}\n"  // 14
             "  - name: r\n"                                      // 15
             "    strategy: forward\n"                            // 16
             "    forward: {backend: legacy}\n"),                 // 17
      ElementsAre(
          "c.yaml:5:12: backends[1].name: duplicate backend name \"legacy\" (first at line 4, "
          "column 12)",
          "c.yaml:12:11: routes[0].ab.arms[1]: duplicate arm name \"legacy\" (the name defaults "
          "to the backend; first at line 11, column 11); give arms on the same backend "
          "distinct names",
          "c.yaml:14:46: routes[0].ab.arms[3].name: duplicate arm name \"x\" (first at line 13, "
          "column 46)",
          "c.yaml:15:11: routes[1].name: duplicate route name \"r\" (first at line 7, column "
          "11)"));
}

TEST(ConfigLoader, RejectsNegativeWeights) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                                   // 7
                          "    strategy: ab\n"                              // 8
                          "    ab:\n"                                       // 9
                          "      arms:\n"                                   // 10
                          "        - {backend: legacy, weight: 10}\n"       // 11
                          "        - {backend: candidate, weight: -5}\n"),  // 12
              ElementsAre("c.yaml:12:40: routes[0].ab.arms[1].weight: must be >= 0 (got -5)"));
}

TEST(ConfigLoader, RejectsWeightsSummingToZero) {
  EXPECT_THAT(RouteErrors("  - name: r\n"                                  // 7
                          "    strategy: ab\n"                             // 8
                          "    ab:\n"                                      // 9
                          "      arms:\n"                                  // 10
                          "        - {backend: legacy, weight: 0}\n"       // 11
                          "        - {backend: candidate, weight: 0}\n"),  // 12
              ElementsAre("c.yaml:11:9: routes[0].ab.arms: weights sum to 0; at least one arm "
                          "needs a positive weight"));
}

TEST(ConfigLoader, RejectsEmptyLists) {
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:9901}\n"
                     "backends: []\n"                                   // 3
                     "routes:\n"                                        // 4
                     "  - {name: r, strategy: ab, ab: {arms: []}}\n"),  // 5
              ElementsAre("c.yaml:3:11: backends: must list at least one backend",
                          "c.yaml:5:40: routes[0].ab.arms: must have at least one arm"));
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:9901}\n"
                     "backends: [{name: a, address: localhost:1}]\n"
                     "routes: []\n"),  // 4
              ElementsAre("c.yaml:4:9: routes: must list at least one route"));
}

TEST(ConfigLoader, RejectsStrategyWithoutItsBlock) {
  EXPECT_THAT(RouteErrors("  - name: a\n"              // 7
                          "    strategy: ab\n"         // 8
                          "  - name: f\n"              // 9
                          "    strategy: forward\n"),  // 10
              ElementsAre("c.yaml:7:5: routes[0].ab: required when strategy is \"ab\"",
                          "c.yaml:9:5: routes[1].forward: required when strategy is "
                          "\"forward\""));
}

TEST(ConfigLoader, RejectsBlockOfAnotherStrategy) {
  EXPECT_THAT(RouteErrors("  - name: a\n"                                     // 7
                          "    strategy: ab\n"                                // 8
                          "    ab: {arms: [{backend: legacy, weight: 1}]}\n"  // 9
                          "    forward: {backend: legacy}\n"),                // 10
              ElementsAre("c.yaml:10:5: routes[0].forward: only allowed when strategy is "
                          "\"forward\" (this route's is \"ab\")"));
}

TEST(ConfigLoader, RejectsUnknownStrategyListingKnownOnes) {
  EXPECT_THAT(RouteErrors("  - name: a\n"                       // 7
                          "    strategy: bandit\n"              // 8
                          "    forward: {backend: legacy}\n"    // 9
                          "  - name: b\n"                       // 10
                          "    strategy: fowrard\n"             // 11
                          "    forward: {backend: legacy}\n"),  // 12
              ElementsAre("c.yaml:8:15: routes[0].strategy: unknown strategy \"bandit\" (known: "
                          "ab, canary, shadow, interleave, forward)",
                          "c.yaml:11:15: routes[1].strategy: unknown strategy \"fowrard\" "
                          "(known: ab, canary, shadow, interleave, forward); did you mean \"forward\"?"));
}

TEST(ConfigLoader, RejectsInvalidHeaderKeysAndBinaryStickyHeader) {
  EXPECT_THAT(
      RouteErrors("  - name: r\n"                                 // 7
                  "    match:\n"                                  // 8
                  "      headers:\n"                              // 9
                  "        X-Tenant: acme\n"                      // 10
                  "        \"x tenant\": acme\n"                  // 11
                  "    strategy: ab\n"                            // 12
                  "    ab:\n"                                     // 13
                  "      arms: [{backend: legacy, weight: 1}]\n"  // 14
                  "      sticky_header: x-user-bin\n"),           // 15
      ElementsAre(
          "c.yaml:10:9: routes[0].match.headers.X-Tenant: metadata key \"X-Tenant\" "
          "must be lowercase (gRPC sends keys lowercased, so it could never match); "
          "write \"x-tenant\"",
          "c.yaml:11:9: routes[0].match.headers.\"x tenant\": metadata key \"x tenant\" may "
          "use only 0-9 a-z _ . -",
          "c.yaml:15:22: routes[0].ab.sticky_header: must not end in \"-bin\": binary "
          "headers carry raw bytes, not a user id (got \"x-user-bin\")"));
}

TEST(ConfigLoader, RejectsMalformedServiceAndMethod) {
  EXPECT_THAT(
      RouteErrors("  - name: r\n"                                                      // 7
                  "    match: {service: /bench.Model, method: bench.Model/Predict}\n"  // 8
                  "    strategy: forward\n"
                  "    forward: {backend: legacy}\n"),
      ElementsAre("c.yaml:8:22: routes[0].match.service: must be a full gRPC service name like "
                  "inference.GRPCInferenceService (got \"/bench.Model\")",
                  "c.yaml:8:44: routes[0].match.method: must be the method name only, e.g. "
                  "Predict; put the service in match.service (got \"bench.Model/Predict\")"));
}

TEST(ConfigLoader, RejectsBadAddressesAndMethodPatterns) {
  EXPECT_THAT(
      Errors("listen: 127.0.0.1\n"                                       // 1
             "admin: {listen: \"127.0.0.1:70000\"}\n"                    // 2
             "proxy: {unary_methods: [/a.B/C, a.B/C, /a.B/, /a/b/c]}\n"  // 3
             "backends:\n"                                               // 4
             "  - {name: a, address: 127.0.0.1:0}\n"                     // 5
             "  - {name: b, address: \"unix:\"}\n"                       // 6
             "routes: [{name: r, strategy: forward, forward: {backend: a}}]\n"),
      ElementsAre("c.yaml:1:9: listen: must be host:port, e.g. 127.0.0.1:8500 (got \"127.0.0.1\")",
                  "c.yaml:2:17: admin.listen: port must be between 0 and 65535 (got 70000)",
                  "c.yaml:3:33: proxy.unary_methods[1]: must look like /pkg.Service/Method or "
                  "/pkg.Service/* (got \"a.B/C\")",
                  "c.yaml:3:40: proxy.unary_methods[2]: must look like /pkg.Service/Method or "
                  "/pkg.Service/* (got \"/a.B/\")",
                  "c.yaml:3:47: proxy.unary_methods[3]: must look like /pkg.Service/Method or "
                  "/pkg.Service/* (got \"/a/b/c\")",
                  "c.yaml:5:24: backends[0].address: port must be between 1 and 65535 (got 0)",
                  "c.yaml:6:24: backends[1].address: unix: address needs a path, e.g. "
                  "unix:/run/model.sock"));
}

TEST(ConfigLoader, BackendAuthorityIsOptionalAndChecked) {
  const std::string routes = "routes: [{name: r, strategy: forward, forward: {backend: a}}]\n";
  const LoadResult ok = ParseConfig(
      "c.yaml", "listen: 127.0.0.1:1\nadmin: {listen: 127.0.0.1:2}\nbackends:\n"
                "  - {name: a, address: 127.0.0.1:3, authority: \"m.example.com:443\"}\n"
                "  - {name: b, address: 127.0.0.1:4}\n" + routes);
  ASSERT_TRUE(ok.errors.empty()) << ok.errors[0];
  EXPECT_EQ(ok.config.backends[0].authority, "m.example.com:443");
  EXPECT_EQ(ok.config.backends[1].authority, "");
  EXPECT_THAT(Errors("listen: 127.0.0.1:1\n"                                   // 1
                     "admin: {listen: 127.0.0.1:2}\n"                         // 2
                     "backends:\n"                                            // 3
                     "  - {name: a, address: 127.0.0.1:3, authority: \"a b\"}\n"  // 4
                     "  - {name: b, address: 127.0.0.1:4, authority: \"\"}\n" + routes),
              ElementsAre("c.yaml:4:48: backends[0].authority: must be host or host:port, "
                          "e.g. models.example.com:443 (got \"a b\")",
                          "c.yaml:5:48: backends[1].authority: must be host or host:port, "
                          "e.g. models.example.com:443 (got \"\")"));
}

TEST(ConfigLoader, RejectsAliasInsideItsOwnAnchor) {
  // yaml-cpp's own node builder turns this into a cycle.
  EXPECT_THAT(Errors("listen: &a [*a]\n"),
              ElementsAre("c.yaml:1:13: invalid YAML: an alias cannot refer to a node that "
                          "contains it"));
}

TEST(ConfigLoader, RejectsAliasFanOutBeyondTheNodeLimit) {
  // Six levels of ten aliases each expand to a million nodes.
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 6; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", " : "") + prev;
    text += "]\n";
  }
  const std::vector<std::string> errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], ::testing::MatchesRegex(
                             "c\\.yaml:[0-9]+:[0-9]+: invalid YAML: more than 100000 nodes "
                             "after expanding aliases"));
}

TEST(ConfigLoader, ExpandsAliasesAndReportsProblemsAtTheAlias) {
  EXPECT_THAT(RouteErrors("  - name: &n r\n"                  // 7
                          "    strategy: forward\n"           // 8
                          "    forward: {backend: legacy}\n"  // 9
                          "  - name: f\n"                     // 10
                          "    strategy: forward\n"           // 11
                          "    forward: {backend: *n}\n"),    // 12
              ElementsAre("c.yaml:12:24: routes[1].forward.backend: undefined backend \"r\" "
                          "(defined: legacy, candidate)"));
}

TEST(ConfigLoader, RejectsStrayCharacterThatStallsTheParser) {
  // yaml-cpp 0.7's LoadAll never returns on these; the loader must.
  EXPECT_THAT(Errors(", listen: 127.0.0.1:8500\n"),
              ElementsAre("c.yaml:1:1: invalid YAML: unexpected \",\""));
  EXPECT_THAT(Errors("- a\n, b\n"), ElementsAre("c.yaml:2:1: invalid YAML: unexpected \",\""));
}

TEST(ConfigLoader, AcceptsATrailingEmptyDocument) {
  EXPECT_THAT(RouteErrors("  - {name: r, strategy: forward, forward: {backend: legacy}}\n"
                          "---\n"),
              ElementsAre());
}

TEST(ConfigLoader, ReportsEveryErrorTogetherInDocumentOrder) {
  // Checks run section by section (backends before routes) but the report follows the file.
  EXPECT_THAT(
      Errors("routes:\n"                                              // 1
             "  - name: r\n"                                          // 2
             "    strategy: forward\n"                                // 3
             "    forward: {backend: nope}\n"                         // 4
             "    arm_header: 1\n"                                    // 5
             "listen: 127.0.0.1:8500\n"                               // 6
             "admin: {listen: 127.0.0.1:9901, lsiten: x}\n"           // 7
             "backends:\n"                                            // 8
             "  - {name: a, address: 127.0.0.1:9001, weight: 3}\n"),  // 9
      ElementsAre("c.yaml:4:24: routes[0].forward.backend: undefined backend \"nope\" (defined: a)",
                  "c.yaml:5:17: routes[0].arm_header: must be true or false (got \"1\")",
                  "c.yaml:7:33: admin.lsiten: unknown key \"lsiten\" (did you mean \"listen\"?)",
                  "c.yaml:9:40: backends[0].weight: unknown key \"weight\" (expected one of: name, "
                  "address, authority, lb_policy, upstream, health)"));
}

}  // namespace
}  // namespace modelgate::config

namespace modelgate::config {
namespace {

TEST(ConfigLoader, RejectsHeaderKeysThatGrpcConsumes) {
  EXPECT_THAT(
      RouteErrors("  - name: r\n"                                 // 7
                  "    match:\n"                                  // 8
                  "      headers: {te: trailers, grpc-timeout: 1S}\n"  // 9
                  "    strategy: ab\n"                            // 10
                  "    ab:\n"                                     // 11
                  "      arms: [{backend: legacy, weight: 1}]\n"  // 12
                  "      sticky_header: content-type\n"),         // 13
      ElementsAre(
          "c.yaml:9:17: routes[0].match.headers.te: metadata key \"te\" is consumed by gRPC "
          "itself and never reaches routing (reserved: pseudo-headers, te, content-type, "
          "grpc-*); use a custom key",
          "c.yaml:9:31: routes[0].match.headers.grpc-timeout: metadata key \"grpc-timeout\" is "
          "consumed by gRPC itself and never reaches routing (reserved: pseudo-headers, te, "
          "content-type, grpc-*); use a custom key",
          "c.yaml:13:22: routes[0].ab.sticky_header: metadata key \"content-type\" is consumed "
          "by gRPC itself and never reaches routing (reserved: pseudo-headers, te, "
          "content-type, grpc-*); use a custom key"));
}

TEST(ConfigLoader, RejectsAdminListenerOnTheGrpcPort) {
  const std::string rest =
      "backends: [{name: legacy, address: 127.0.0.1:9001}]\n"
      "routes: [{name: r, strategy: forward, forward: {backend: legacy}}]\n";
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\n"
                     "admin: {listen: 127.0.0.1:8500}\n" + rest),
              ElementsAre("c.yaml:2:17: admin.listen: conflicts with listen (127.0.0.1:8500): "
                          "the gRPC and admin listeners need different ports"));
  // A wildcard host binds every address, so it conflicts with any host on that port.
  EXPECT_THAT(Errors("listen: 0.0.0.0:8500\n"
                     "admin:\n"
                     "  listen: 127.0.0.1:8500\n" + rest),
              ElementsAre("c.yaml:3:11: admin.listen: conflicts with listen (0.0.0.0:8500): "
                          "the gRPC and admin listeners need different ports"));
  // Different hosts on one port, different ports, and port 0 (two picked ports) are fine.
  EXPECT_THAT(Errors("listen: 127.0.0.1:8500\nadmin: {listen: 10.0.0.1:8500}\n" + rest),
              ElementsAre());
  EXPECT_THAT(Errors("listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n" + rest),
              ElementsAre());
}

}  // namespace
}  // namespace modelgate::config

// proxy.descriptor_sets: the unary methods of a compiled descriptor set join unary_methods;
// an unreadable or malformed file is a config error at its position.
#include "config/descriptor_set.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <google/protobuf/descriptor.pb.h>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modelgate/testing/echo.pb.h"

namespace modelgate::config {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// A fresh directory under gtest's temporary directory, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = ::testing::TempDir() + "mg-descriptor-XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~ScratchDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What `protoc --descriptor_set_out` writes for echo.proto.
std::string EchoDescriptorSet() {
  google::protobuf::FileDescriptorSet set;
  modelgate::testing::EchoRequest::descriptor()->file()->CopyTo(set.add_file());
  return set.SerializeAsString();
}

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(DescriptorSet, ListsExactlyTheUnaryMethods) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto methods =
      UnaryMethodsFromDescriptorSet(WriteFile(dir.path(), "echo.pb", EchoDescriptorSet()));
  ASSERT_TRUE(methods.ok()) << methods.status();
  EXPECT_THAT(*methods,
              ElementsAre("/modelgate.testing.Echo/Stats", "/modelgate.testing.Echo/Unary"));
}

TEST(DescriptorSet, ConfigAddsTheMethodsRelativeToTheConfigDirectory) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  WriteFile(dir.path(), "echo.pb", EchoDescriptorSet());
  const std::string config = WriteFile(dir.path(), "c.yaml", R"(listen: 127.0.0.1:1
admin: {listen: 127.0.0.1:2}
proxy: {unary_methods: [/modelgate.testing.Echo/Unary, /x.Y/Z], descriptor_sets: [echo.pb]}
backends: [{name: a, address: 127.0.0.1:3}]
routes: [{name: r, strategy: forward, forward: {backend: a}}]
)");
  const LoadResult r = LoadConfigFile(config);
  ASSERT_TRUE(r.ok()) << r.errors[0];
  // Listed ones first, then the descriptor set's, without repeating one.
  EXPECT_THAT(r.config.proxy.unary_methods,
              ElementsAre("/modelgate.testing.Echo/Unary", "/x.Y/Z",
                          "/modelgate.testing.Echo/Stats"));
  EXPECT_THAT(r.config.proxy.unary_methods, Not(Contains("/modelgate.testing.Echo/Bidi")));

  // A rebuilt descriptor set changes the config's hash (so a reload applies it) though the
  // YAML is the same.
  google::protobuf::FileDescriptorSet other;
  other.add_file()->set_name("empty.proto");
  WriteFile(dir.path(), "echo.pb", other.SerializeAsString());
  const LoadResult again = LoadConfigFile(config);
  ASSERT_TRUE(again.ok()) << again.errors[0];
  EXPECT_THAT(again.config.proxy.unary_methods, ElementsAre("/modelgate.testing.Echo/Unary",
                                                            "/x.Y/Z"));
  EXPECT_NE(again.config.hash, r.config.hash);
}

TEST(DescriptorSet, MissingOrMalformedFilesAreErrorsAtTheirPosition) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  WriteFile(dir.path(), "junk.pb", "this is not a protobuf \xff\xff\xff");
  const std::string config = WriteFile(dir.path(), "c.yaml", R"(listen: 127.0.0.1:1
admin: {listen: 127.0.0.1:2}
proxy:
  descriptor_sets: [missing.pb, junk.pb]
backends: [{name: a, address: 127.0.0.1:3}]
routes: [{name: r, strategy: forward, forward: {backend: a}}]
)");
  const LoadResult r = LoadConfigFile(config);
  EXPECT_THAT(r.errors,
              ElementsAre(config + ":4:21: proxy.descriptor_sets[0]: cannot read \"" +
                              dir.path() + "/missing.pb\": No such file or directory",
                          config + ":4:33: proxy.descriptor_sets[1]: \"" + dir.path() +
                              "/junk.pb\" is not a protobuf descriptor set (make one with "
                              "protoc --include_imports --descriptor_set_out=FILE)"));
}

}  // namespace
}  // namespace modelgate::config

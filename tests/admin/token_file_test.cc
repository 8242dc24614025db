// The admin token file: re-read when Kubernetes rotates the Secret (the `..data` symlink swap)
// or the file is replaced, whitespace around the token ignored, and empty, missing or oversized
// files reported as errors that clear once the file is fixed.
#include "admin/token_file.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace modelgate::admin {
namespace {

namespace fs = std::filesystem;

TEST(TokenFile, StripsSurroundingWhitespace) {
  testutil::TempDir dir;
  TokenFile file;
  const std::string path = dir.Write("token", "\t s3cret \n\n");
  EXPECT_EQ(file.Read(path).value_or("error"), "s3cret");
}

TEST(TokenFile, FollowsTheKubernetesSecretSymlinkSwap) {
  // The kubelet's layout: token -> ..data/token, ..data -> ..<timestamp>/.
  testutil::TempDir dir;
  const fs::path root(dir.path());
  fs::create_directory(root / "..2026_12_01");
  std::ofstream(root / "..2026_12_01" / "token") << "first\n";
  fs::create_directory_symlink("..2026_12_01", root / "..data");
  fs::create_symlink("..data/token", root / "token");
  const std::string path = (root / "token").string();
  TokenFile file;
  ASSERT_EQ(file.Read(path).value_or("error"), "first");
  // Rotation: a new timestamped directory, ..data_tmp renamed over ..data, the old one removed.
  fs::create_directory(root / "..2026_12_02");
  std::ofstream(root / "..2026_12_02" / "token") << "second\n";
  fs::create_directory_symlink("..2026_12_02", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");
  fs::remove_all(root / "..2026_12_01");
  EXPECT_EQ(file.Read(path).value_or("error"), "second");
  EXPECT_EQ(file.Read(path).value_or("error"), "second");
}

TEST(TokenFile, RereadsAReplacedFile) {
  testutil::TempDir dir;
  TokenFile file;
  const std::string path = dir.Write("token", "one");
  ASSERT_EQ(file.Read(path).value_or("error"), "one");
  dir.Write("token", "two");  // write + rename: another inode, like an editor
  EXPECT_EQ(file.Read(path).value_or("error"), "two");
  { std::ofstream(path, std::ios::trunc) << "three!"; }  // in place, another size
  EXPECT_EQ(file.Read(path).value_or("error"), "three!");
}

TEST(TokenFile, EmptyFileIsAnErrorUntilATokenIsWritten) {
  testutil::TempDir dir;
  TokenFile file;
  const std::string path = dir.Write("token", "\n");
  const absl::StatusOr<std::string> empty = file.Read(path);
  EXPECT_TRUE(absl::IsFailedPrecondition(empty.status())) << empty.status();
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos);
  dir.Write("token", "now-set\n");
  EXPECT_EQ(file.Read(path).value_or("error"), "now-set");
}

TEST(TokenFile, MissingFileIsUnavailableUntilItAppears) {
  testutil::TempDir dir;
  TokenFile file;
  const std::string path = dir.path() + "/token";
  const absl::StatusOr<std::string> missing = file.Read(path);
  EXPECT_TRUE(absl::IsUnavailable(missing.status())) << missing.status();
  EXPECT_NE(missing.status().message().find(path), std::string::npos);
  dir.Write("token", "appeared");
  EXPECT_EQ(file.Read(path).value_or("error"), "appeared");
  std::filesystem::remove(path);
  EXPECT_FALSE(file.Read(path).ok());  // a deleted token no longer authorizes anything
}

TEST(TokenFile, RefusesAFileFarLargerThanAToken) {
  testutil::TempDir dir;
  TokenFile file;
  const absl::StatusOr<std::string> big = file.Read(dir.Write("token", std::string(5000, 'a')));
  EXPECT_TRUE(absl::IsUnavailable(big.status())) << big.status();
  EXPECT_EQ(file.Read(dir.Write("token", std::string(4096, 'a'))).value_or("").size(), 4096u);
}

TEST(TokenFile, ANewPathIsReadEvenIfTheOldFileIsUnchanged) {
  testutil::TempDir dir;
  TokenFile file;
  const std::string a = dir.Write("a", "token-a");
  const std::string b = dir.Write("b", "token-b");
  ASSERT_EQ(file.Read(a).value_or("error"), "token-a");
  EXPECT_EQ(file.Read(b).value_or("error"), "token-b");
}

}  // namespace
}  // namespace modelgate::admin

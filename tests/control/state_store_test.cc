// Route states on disk: written whole (never half), read back equal, and corrupt or foreign
// files reported without failing the rest.
#include "control/state_store.h"

#include <fstream>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace modelgate::control {
namespace {

TEST(StateStore, SavedStatesLoadBackEqualAndReplaceTheirPredecessor) {
  testutil::TempDir dir;
  StateStore store(dir.path());
  RouteState s;
  s.definition = "ab|x";
  s.weights = {95, 5};
  s.controller = {{"step", 1}, {"state", "progressing"}};
  ASSERT_TRUE(store.Save("predict", s).ok());
  s.weights = {75, 25};
  ASSERT_TRUE(store.Save("predict", s).ok());
  const StateStore::Loaded loaded = store.LoadAll();
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.states.count("predict"), 1u);
  const RouteState& back = loaded.states.at("predict");
  EXPECT_EQ(back.definition, "ab|x");
  EXPECT_EQ(back.weights, (std::vector<int64_t>{75, 25}));
  EXPECT_EQ(back.controller["state"], "progressing");
  // No temporary file is left behind.
  std::ifstream tmp(store.PathOf("predict") + ".tmp");
  EXPECT_FALSE(tmp.good());
}

TEST(StateStore, CorruptFilesAreReportedAndTheOthersStillLoad) {
  testutil::TempDir dir;
  StateStore store(dir.path());
  RouteState good;
  good.definition = "d";
  ASSERT_TRUE(store.Save("good", good).ok());
  dir.Write("broken.json", "{\"definition\": ");
  dir.Write("wrong.json", "{\"definition\": 3}");
  dir.Write("negative.json", "{\"definition\": \"d\", \"weights\": [-1]}");
  dir.Write("notes.txt", "not a state");
  const StateStore::Loaded loaded = store.LoadAll();
  EXPECT_EQ(loaded.states.size(), 1u);
  EXPECT_EQ(loaded.states.count("good"), 1u);
  EXPECT_EQ(loaded.errors.size(), 3u);
}

TEST(StateStore, RemoveForgetsARouteAndMissingFilesAreFine) {
  testutil::TempDir dir;
  StateStore store(dir.path());
  ASSERT_TRUE(store.Save("r", RouteState{"d"}).ok());
  EXPECT_TRUE(store.Remove("r").ok());
  EXPECT_TRUE(store.Remove("r").ok());
  EXPECT_TRUE(store.LoadAll().states.empty());
}

TEST(StateStore, AnUnwritableDirectoryIsAnError) {
  StateStore store("/nonexistent/modelgate-state");
  EXPECT_FALSE(store.Save("r", RouteState{"d"}).ok());
  EXPECT_FALSE(store.LoadAll().errors.empty());
}

}  // namespace
}  // namespace modelgate::control

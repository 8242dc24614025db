// ParseCord reads a message spread over many Cord chunks exactly as one flat buffer, and rejects
// bytes that are not the message.
#include "payload/parse_cord.h"

#include <string>

#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::payload {
namespace {

inference::ModelInferResponse Response() {
  inference::ModelInferResponse r;
  r.set_model_name("m");
  r.set_id(std::string(300, 'i'));
  auto* out = r.add_outputs();
  out->set_name("output0");
  out->set_datatype("FP32");
  out->add_shape(1);
  out->add_shape(500);
  for (int i = 0; i < 500; ++i) out->mutable_contents()->add_fp32_contents(0.5f * i);
  return r;
}

TEST(ParseCord, MessageSplitIntoSmallChunksParsesLikeTheFlatBytes) {
  const std::string bytes = Response().SerializeAsString();
  for (size_t chunk : {1, 7, 64, 4096}) {
    absl::Cord cord;
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      // External chunks so the Cord keeps them apart instead of flattening small appends.
      std::string* piece = new std::string(bytes.substr(i, chunk));
      cord.Append(absl::MakeCordFromExternal(*piece, [piece](absl::string_view) { delete piece; }));
    }
    inference::ModelInferResponse parsed;
    ASSERT_TRUE(ParseCord(cord, &parsed).ok()) << "chunk " << chunk;
    EXPECT_EQ(parsed.SerializeAsString(), bytes) << "chunk " << chunk;
  }
}

TEST(ParseCord, RejectsBytesThatAreNotTheMessageAndClearsTheOutput) {
  inference::ModelInferResponse parsed = Response();
  absl::Status s = ParseCord(absl::Cord("\xff\xff\xff"), &parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.outputs_size(), 0);
}

}  // namespace
}  // namespace modelgate::payload

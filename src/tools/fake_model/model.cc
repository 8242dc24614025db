// Implementation of FakeModel; see model.h.
#include "tools/fake_model/model.h"

#include <bit>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace modelgate::tools {
namespace {

using inference::InferTensorContents;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

// Larger tensors than this are surely a malformed shape, and refusing them keeps the
// element-count arithmetic far from overflow.
constexpr int64_t kMaxElements = int64_t{1} << 31;

enum class DataType { kFp32, kFp64, kInt32, kInt64 };

bool ParseDataType(std::string_view text, DataType& type, size_t& element_size) {
  if (text == "FP32") { type = DataType::kFp32; element_size = 4; return true; }
  if (text == "FP64") { type = DataType::kFp64; element_size = 8; return true; }
  if (text == "INT32") { type = DataType::kInt32; element_size = 4; return true; }
  if (text == "INT64") { type = DataType::kInt64; element_size = 8; return true; }
  return false;
}

// Number of typed elements present for `type`.
int TypedCount(const InferTensorContents& c, DataType type) {
  switch (type) {
    case DataType::kFp32: return c.fp32_contents_size();
    case DataType::kFp64: return c.fp64_contents_size();
    case DataType::kInt32: return c.int_contents_size();
    case DataType::kInt64: return c.int64_contents_size();
  }
  return 0;
}

bool HasAnyTypedContents(const InferTensorContents& c) {
  return c.bool_contents_size() + c.int_contents_size() + c.int64_contents_size() +
             c.uint_contents_size() + c.uint64_contents_size() + c.fp32_contents_size() +
             c.fp64_contents_size() + c.bytes_contents_size() > 0;
}

// Reads element `i` of little-endian raw data as T (OIP raw contents are little-endian).
template <typename T>
T ReadLittleEndian(const char* data, int64_t i) {
  T value;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, data + i * sizeof(T), sizeof(T));
  } else {
    unsigned char bytes[sizeof(T)];
    for (size_t b = 0; b < sizeof(T); ++b) bytes[b] = data[i * sizeof(T) + sizeof(T) - 1 - b];
    std::memcpy(&value, bytes, sizeof(T));
  }
  return value;
}

void AppendLittleEndianFloat(float value, char* out) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &value, sizeof(value));
  } else {
    unsigned char bytes[sizeof(float)];
    std::memcpy(bytes, &value, sizeof(value));
    for (size_t b = 0; b < sizeof(float); ++b) out[b] = bytes[sizeof(float) - 1 - b];
  }
}

// Element `i` of input `index` as a double, from raw bytes when `raw` is non-null.
double InputValue(const InferTensorContents& c, const std::string* raw, DataType type, int64_t i) {
  if (raw != nullptr) {
    const char* d = raw->data();
    switch (type) {
      case DataType::kFp32: return ReadLittleEndian<float>(d, i);
      case DataType::kFp64: return ReadLittleEndian<double>(d, i);
      case DataType::kInt32: return ReadLittleEndian<int32_t>(d, i);
      case DataType::kInt64: return static_cast<double>(ReadLittleEndian<int64_t>(d, i));
    }
  }
  switch (type) {
    case DataType::kFp32: return c.fp32_contents(static_cast<int>(i));
    case DataType::kFp64: return c.fp64_contents(static_cast<int>(i));
    case DataType::kInt32: return c.int_contents(static_cast<int>(i));
    case DataType::kInt64: return static_cast<double>(c.int64_contents(static_cast<int>(i)));
  }
  return 0;
}

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

std::string ShapeText(const google::protobuf::RepeatedField<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

}  // namespace

grpc::Status FakeModel::Infer(const ModelInferRequest& request, ModelRandom& random,
                              ModelInferResponse& response) const {
  response.Clear();
  response.set_model_name(request.model_name());
  response.set_model_version(options_.version);
  response.set_id(request.id());

  const bool raw_input = request.raw_input_contents_size() > 0;
  if (raw_input && request.raw_input_contents_size() != request.inputs_size()) {
    return Invalid(absl::StrCat("raw_input_contents has ", request.raw_input_contents_size(),
                                " entries but the request has ", request.inputs_size(),
                                " inputs; they must pair up in order"));
  }
  const double shift = options_.output_shift;
  const double noise_sd = options_.output_noise;
  auto output_value = [&](double x) {
    double y = x + shift;
    if (noise_sd > 0) y += noise_sd * random.Gaussian();
    return static_cast<float>(y);
  };

  // Writes one output tensor of `count` FP32 values produced by `value_at(i)`.
  auto add_output = [&](int index, const google::protobuf::RepeatedField<int64_t>* shape,
                        int64_t count, auto value_at) {
    auto* out = response.add_outputs();
    out->set_name(absl::StrCat("output", index));
    out->set_datatype("FP32");
    if (shape != nullptr) {
      *out->mutable_shape() = *shape;
    } else {
      out->add_shape(1);
    }
    if (options_.raw_output) {
      std::string* raw = response.add_raw_output_contents();
      raw->resize(static_cast<size_t>(count) * sizeof(float));
      for (int64_t i = 0; i < count; ++i) {
        AppendLittleEndianFloat(output_value(value_at(i)), raw->data() + i * sizeof(float));
      }
    } else {
      auto* values = out->mutable_contents()->mutable_fp32_contents();
      values->Reserve(static_cast<int>(count));
      for (int64_t i = 0; i < count; ++i) values->AddAlreadyReserved(output_value(value_at(i)));
    }
  };

  // --nonce_output: one fresh random value per call, appended after the model's outputs and
  // drawn after their noise, so those stay what they would be without the flag. 24 random bits
  // scaled by 2^-24 are exact in FP32 and stay below 1 (a rounded double could reach 1.0f).
  auto add_nonce = [&] {
    if (!options_.nonce_output) return;
    auto* out = response.add_outputs();
    out->set_name("nonce");
    out->set_datatype("FP32");
    out->add_shape(1);
    const float nonce = static_cast<float>(random.Below(uint64_t{1} << 24)) * 0x1.0p-24f;
    if (options_.raw_output) {
      std::string* raw = response.add_raw_output_contents();
      raw->resize(sizeof(float));
      AppendLittleEndianFloat(nonce, raw->data());
    } else {
      out->mutable_contents()->add_fp32_contents(nonce);
    }
  };

  if (request.inputs_size() == 0) {
    add_output(0, nullptr, 1, [](int64_t) { return 0.5; });
    add_nonce();
    return grpc::Status::OK;
  }

  for (int t = 0; t < request.inputs_size(); ++t) {
    const auto& input = request.inputs(t);
    DataType type;
    size_t element_size = 0;
    if (!ParseDataType(input.datatype(), type, element_size)) {
      return Invalid(absl::StrCat("input '", input.name(), "': unsupported datatype \"",
                                  input.datatype(), "\" (this model takes FP32, FP64, INT32, INT64)"));
    }
    int64_t count = 1;
    for (int64_t dim : input.shape()) {
      if (dim < 0) {
        return Invalid(absl::StrCat("input '", input.name(), "': shape ", ShapeText(input.shape()),
                                    " has a negative dimension"));
      }
      if (dim != 0 && count > kMaxElements / dim) {
        return Invalid(absl::StrCat("input '", input.name(), "': shape ", ShapeText(input.shape()),
                                    " is too large"));
      }
      count *= dim;
    }
    const std::string* raw = nullptr;
    int64_t given = 0;
    if (raw_input) {
      if (input.has_contents() && HasAnyTypedContents(input.contents())) {
        return Invalid(absl::StrCat("input '", input.name(),
                                    "': has typed contents although the request uses "
                                    "raw_input_contents"));
      }
      raw = &request.raw_input_contents(t);
      if (raw->size() % element_size != 0) {
        return Invalid(absl::StrCat("input '", input.name(), "': raw_input_contents has ",
                                    raw->size(), " bytes, not a multiple of ", element_size,
                                    " for ", input.datatype()));
      }
      given = static_cast<int64_t>(raw->size() / element_size);
    } else {
      given = TypedCount(input.contents(), type);
    }
    if (given != count) {
      return Invalid(absl::StrCat("input '", input.name(), "': shape ", ShapeText(input.shape()),
                                  " holds ", count, " elements but ", given, " ", input.datatype(),
                                  " values were given"));
    }
    const InferTensorContents& contents = input.contents();
    add_output(t, &input.shape(), count,
               [&](int64_t i) { return InputValue(contents, raw, type, i); });
  }
  add_nonce();
  return grpc::Status::OK;
}

bool FakeModel::ShouldInjectError(ModelRandom& random) const {
  if (options_.error_rate <= 0) return false;
  if (options_.error_rate >= 1) return true;
  return random.Uniform() < options_.error_rate;
}

std::chrono::microseconds FakeModel::SampleLatency(ModelRandom& random) const {
  int64_t us = options_.latency_ms * 1000;
  if (options_.latency_jitter_ms > 0) {
    us += static_cast<int64_t>(random.Below(static_cast<uint64_t>(options_.latency_jitter_ms) * 1000 + 1));
  }
  return std::chrono::microseconds(us);
}

}  // namespace modelgate::tools

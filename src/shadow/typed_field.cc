// CheckTypedField walks the message's repeated fields by reflection, so that a field added to the
// protocol later is covered without a list to keep in sync.
#include "shadow/typed_field.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace modelgate::shadow {

absl::Status CheckTypedField(const inference::InferTensorContents& contents,
                             absl::string_view field, uint64_t count, absl::string_view datatype) {
  const google::protobuf::Descriptor* descriptor = contents.GetDescriptor();
  const google::protobuf::Reflection* reflection = contents.GetReflection();
  int64_t size = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = descriptor->field(i);
    if (!f->is_repeated()) continue;
    const int n = reflection->FieldSize(contents, f);
    if (f->name() == field) {
      size = n;
    } else if (n > 0) {
      return absl::InvalidArgumentError(absl::StrCat(datatype, " values belong in ", field,
                                                     ", but ", f->name(), " holds ", n, " values"));
    }
  }
  if (static_cast<uint64_t>(size) != count) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " holds ", size, " values, but the shape has ", count, " elements"));
  }
  return absl::OkStatus();
}

}  // namespace modelgate::shadow

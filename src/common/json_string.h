// JSON string literals for machine-read output (JSON log lines): quotes, backslashes and
// control characters escaped, and any byte sequence that is not valid UTF-8 replaced by U+FFFD,
// so a log line stays parseable whatever a client or backend put into a message.
#pragma once

#include <string>
#include <string_view>

namespace modelgate {

// Appends `text` to `out` as a quoted JSON string.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace modelgate

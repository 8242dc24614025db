// Routes libprotobuf's own log lines into modelgate's log. libprotobuf writes to stderr on its
// own, in its own format, once per occurrence — and some occurrences are a client's doing (a
// string field with invalid UTF-8 in a message the proxy parses, such as a health check), so a
// client could make the proxy write a line per call. Routed, they take modelgate's format (text
// or --log_format json), its level filter, and a budget of one line per protobuf source line
// every 10 s, with the number suppressed on the next line written.
#pragma once

namespace modelgate {

// Installs the handler (process-wide; call once, early in main).
void RouteProtobufLogs();

}  // namespace modelgate

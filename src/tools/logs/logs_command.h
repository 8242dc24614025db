// `modelgate logs report FILE... [--json] [--bucket SECONDS] [--alpha A]`: reads access log
// files (rotated ones too, in any order) and prints the report (report.h). Exit 0 when the
// report was printed (malformed lines are counted, not fatal), 1 when a file cannot be read,
// 2 on bad usage.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace modelgate::logs {

int RunLogsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace modelgate::logs

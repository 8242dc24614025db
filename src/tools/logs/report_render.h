// The two renderings of a logs report: text for people, JSON for machines, with the same
// content (the JSON adds nothing the text omits, and the other way round).
#pragma once

#include <ostream>

#include "nlohmann/json.hpp"
#include "tools/logs/report.h"

namespace modelgate::logs {

nlohmann::json ReportJson(const Report& report);
void PrintReport(const Report& report, std::ostream& out);

}  // namespace modelgate::logs

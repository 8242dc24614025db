// PollUntil: wait, with a bound, for a state another process or thread reaches on its own
// schedule (a counter, a scrape, a health flip) — polling, never a sleep standing in for
// synchronisation.
#pragma once

#include <chrono>
#include <functional>

namespace modelgate::testutil {

// Calls `done` every `interval` until it returns true or `timeout` has passed, and returns
// its last answer.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace modelgate::testutil

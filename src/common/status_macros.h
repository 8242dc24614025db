// Small absl::Status helpers: Abseil 20220623 (Debian 12) ships no status macros, so we keep the
// two we need here. RETURN_IF_ERROR propagates a non-OK Status; ASSIGN_OR_RETURN unwraps a
// StatusOr or propagates its error.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MG_CONCAT_INNER_(a, b) a##b
#define MG_CONCAT_(a, b) MG_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status mg_status_ = (expr);            \
    if (!mg_status_.ok()) return mg_status_;       \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(MG_CONCAT_(mg_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

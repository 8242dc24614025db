#!/usr/bin/env bash
# Installs what is missing (scripts/deps.sh), then configures and builds modelgate into build/.
# Usage: scripts/build.sh [extra cmake -D flags]; TARGETS="a b" builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
if [ -n "${TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target $TARGETS
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi

# Shared by the demos (sourced): build the binaries, a work directory removed on exit, and
# `start OUTFILE CMD...` to run a server in the background and wait for its first stdout line.
# Every process started is killed and reaped on exit, so a demo never leaves one behind.
echo "building modelgate (the first run installs packages and compiles: a few minutes)..." >&2
TARGETS="modelgate modelgate-fake-model modelgate-load ${TARGETS_EXTRA:-}" bash scripts/build.sh >/dev/null
BIN=build/bin
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {
  local out=$1; shift
  "$@" >"$out" 2>"$out.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    [ -s "$out" ] && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$out.log" >&2; echo "demo: $1 failed to start" >&2; exit 1; }
    sleep 0.1
  done
  echo "demo: $1 did not start in 10 s" >&2; exit 1
}

# The "127.0.0.1:PORT" a started server printed.
address_of() { grep -o '127.0.0.1:[0-9]*' "$1" | head -1; }

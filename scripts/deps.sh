#!/usr/bin/env bash
# Installs the Debian 12 packages modelgate needs to build, test, demo and benchmark.
# Idempotent and quiet when everything is already present. Called by every README command.
# Usage: scripts/deps.sh [--build-only]   (--build-only: what compiling the binaries needs, no
# test, benchmark or Kubernetes tools; the container image's build stage uses it)
set -euo pipefail
BUILD_ONLY=false
case "${1:-}" in
  "") ;;
  --build-only) BUILD_ONLY=true ;;
  *) echo "usage: scripts/deps.sh [--build-only]" >&2; exit 2 ;;
esac

PKGS=(
  # build
  cmake g++ make pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  prometheus-cpp-dev libyaml-cpp-dev libxxhash-dev libboost-dev libnghttp2-dev zlib1g-dev
  nlohmann-json3-dev libcpp-httplib-dev
)
$BUILD_ONLY || PKGS+=(
  libgtest-dev libgmock-dev
  # tests: reference statistics, a gRPC client that is not ours, a real Prometheus
  python3 python3-scipy python3-numpy python3-grpcio python3-grpc-tools python3-yaml
  curl prometheus
  # static analysis: clang's thread-safety analysis over src/ (tests/static needs clang++-14)
  clang-14
  # benchmark: the peers measured in the same run (nginx grpc_pass; HAProxy h2 and TCP mode)
  nginx-light haproxy
  # the status page in a real browser (driven by npm playwright-core, tests/node)
  chromium
  # the container image, built and checked without a Docker engine or registry (tests/deploy):
  # buildah (chroot isolation, so no runc) on a debootstrapped Debian 12 base
  buildah debootstrap
)
# Node.js and npm run the npm test tooling (tests/node); a machine with its own Node keeps it.
$BUILD_ONLY || command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
$BUILD_ONLY || command -v npm >/dev/null 2>&1 || PKGS+=(npm)

# kubectl renders the Kubernetes manifests in tests; CI machines have it, otherwise Debian's.
$BUILD_ONLY || command -v kubectl >/dev/null 2>&1 || PKGS+=(kubernetes-client)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's own kubectl (1.20, kustomize v2) is what a fresh Debian 12 user has: where another
# kubectl is on PATH, unpack Debian's beside it (not installed: it would replace the other), so the
# manifests are rendered with both (tests/deploy).
debian_kubectl_dir="${XDG_CACHE_HOME:-$HOME/.cache}/modelgate/kubectl-debian"
if ! $BUILD_ONLY && command -v kubectl >/dev/null 2>&1 &&
   ! dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q "install ok installed" &&
   [ ! -x "$debian_kubectl_dir/usr/bin/kubectl" ] && command -v apt-get >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download -qq kubernetes-client >/dev/null 2>&1); then
    mkdir -p "$debian_kubectl_dir" && dpkg -x "$tmp"/kubernetes-client_*.deb "$debian_kubectl_dir"
  fi
  rm -rf "$tmp"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm test tooling, exactly as locked (tests/node/package-lock.json); reinstalled when the lock
# changes. Pinned to versions that run on Debian 12's Node 18.
if ! $BUILD_ONLY; then
  node_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
  if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.modelgate-lock" 2>/dev/null; then
    echo "deps: npm ci in tests/node" >&2
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) &&
      cp "$node_dir/package-lock.json" "$node_dir/node_modules/.modelgate-lock"
  fi
fi

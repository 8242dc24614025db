#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted $ are for the shell or Go template inside the image
# Builds the container image the way CI can afford (docker/Dockerfile --target prebuilt: the
# binaries this build tree already compiled, stripped of debug info, on the Debian 12 runtime
# stage) with buildah in a throwaway vfs storage, then checks it from inside: the binaries run
# and find every shared library, check-config accepts the shipped examples and rejects a broken
# file, the user is 10001, 8500/9901 are exposed, /var/lib/modelgate is a writable volume, and no
# compiler or -dev package reached the runtime image. Exits 77 (ctest: skipped) with the reason
# where buildah cannot run at all (not installed, or no namespaces, e.g. some chroots).
# Usage: check_image.sh SOURCE_DIR MODELGATE FAKE_MODEL LOAD INTERLEAVE_USERS
set -euo pipefail
SRC=$1; shift
BINS=("$@")
[ ${#BINS[@]} -eq 4 ] || { echo "usage: check_image.sh SOURCE_DIR MODELGATE FAKE_MODEL LOAD INTERLEAVE_USERS" >&2; exit 2; }
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v buildah >/dev/null || skip "buildah is not installed (scripts/deps.sh installs it)"
[ "$(id -u)" -eq 0 ] || skip "needs root: debootstrap makes the base and buildah runs rootful here"
# buildah needs new mount/UTS/IPC/PID namespaces and makes / a private mount in them (its layer
# storage does too). A sandbox may refuse the namespaces, and a plain chroot fails the second:
# its / is no mount point ("remount /: invalid argument"); `mount --bind ROOT ROOT` before
# chrooting fixes that. unshare does the same two things, so it tells before minutes are spent.
if ! err=$(unshare --mount --uts --ipc --pid --fork true 2>&1); then
  skip "buildah cannot isolate here: new namespaces or a private / refused (${err:-unshare failed});" \
       "in a chroot, / must be a mount point (mount --bind ROOT ROOT)"
fi

WORK=$(mktemp -d /tmp/modelgate-image.XXXXXX)
B=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver=vfs)
cleanup() {
  "${B[@]}" rm --all >/dev/null 2>&1 || true
  "${B[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

t0=$SECONDS
bash "$SRC/docker/debian-base.sh" "${B[@]:1}" >/dev/null
echo "base image ready in $((SECONDS - t0)) s"
# The same probe on the real base: if running anything in a buildah container fails, say why.
probe=$("${B[@]}" from --pull=never debian:bookworm-slim)
if ! err=$("${B[@]}" run --isolation=chroot "$probe" -- true 2>&1); then
  skip "buildah cannot run a container here: $err"
fi
"${B[@]}" rm "$probe" >/dev/null

# The small build context of the CI path: bin/ and config/ only.
mkdir -p "$WORK/context/bin" "$WORK/context/config"
for b in "${BINS[@]}"; do
  strip --strip-debug -o "$WORK/context/bin/$(basename "$b")" "$b"
done
cp "$SRC"/config/*.yaml "$WORK/context/config/"

t0=$SECONDS
IMAGE=localhost/modelgate:check
if ! "${B[@]}" bud --isolation=chroot --pull=never --target prebuilt -f "$SRC/docker/Dockerfile" \
     -t "$IMAGE" "$WORK/context" >"$WORK/bud.log" 2>&1; then
  cat "$WORK/bud.log" >&2
  fail "buildah bud --target prebuilt failed"
fi
grep -q 'AS build$' "$WORK/bud.log" && fail "the prebuilt path ran the build stage (compiles again)"
echo "image built in $((SECONDS - t0)) s"

# The image's configuration.
cfg() { "${B[@]}" inspect --type image --format "$1" "$IMAGE"; }
[ "$(cfg '{{.OCIv1.Config.User}}')" = "10001:10001" ] || fail "image user is '$(cfg '{{.OCIv1.Config.User}}')', not 10001:10001"
ports=$(cfg '{{range $p, $_ := .OCIv1.Config.ExposedPorts}}{{$p}} {{end}}')
[ "$ports" = "8500/tcp 9901/tcp " ] || fail "image exposes '$ports', not 8500/tcp and 9901/tcp"
volumes=$(cfg '{{range $v, $_ := .OCIv1.Config.Volumes}}{{$v}} {{end}}')
[ "$volumes" = "/var/lib/modelgate " ] || fail "image volumes are '$volumes', not /var/lib/modelgate"
entrypoint=$(cfg '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}')
[ "$entrypoint" = "/usr/local/bin/modelgate " ] || fail "entrypoint is '$entrypoint', not /usr/local/bin/modelgate"

# Inside a container of the image, as its own user unless --user says otherwise.
c=$("${B[@]}" from --pull=never "$IMAGE")
inside() { "${B[@]}" run --isolation=chroot "$c" -- "$@"; }
[ "$(inside id -u)" = 10001 ] || fail "processes in the image run as uid $(inside id -u), not 10001"

missing=$(inside sh -c 'for b in /usr/local/bin/*; do ldd "$b" | sed "s|^|$b: |"; done' | grep 'not found' || true)
[ -z "$missing" ] || fail "shared libraries missing in the image:"$'\n'"$missing"
names=$(for b in "${BINS[@]}"; do basename "$b"; done | sort | tr '\n' ' ')
present=$(inside sh -c 'cd /usr/local/bin && for b in *; do [ -x "$b" ] && echo "$b"; done' | sort | tr '\n' ' ')
[ "$present" = "$names" ] || fail "/usr/local/bin holds '$present', not '$names'"

help=$(inside /usr/local/bin/modelgate --help) || fail "modelgate --help failed in the image"
grep -q 'modelgate check-config FILE' <<<"$help" || fail "modelgate --help printed no usage:"$'\n'"$help"

examples=$(inside sh -c 'ls /usr/share/modelgate/examples/*.yaml')
[ -n "$examples" ] || fail "no example configs in /usr/share/modelgate/examples"
# The default config path, filled the way a ConfigMap would be (root owns /etc/modelgate).
as_root() { "${B[@]}" run --isolation=chroot --user 0:0 "$c" -- "$@"; }
as_root cp /usr/share/modelgate/examples/ab.yaml /etc/modelgate/config.yaml
# shellcheck disable=SC2086
out=$(inside /usr/local/bin/modelgate check-config /etc/modelgate/config.yaml $examples 2>&1) ||
  fail "check-config rejected the shipped configs in the image:"$'\n'"$out"
as_root sh -c 'printf "listen: 127.0.0.1:8500\nroutes: [\n" > /etc/modelgate/broken.yaml'
if out=$(inside /usr/local/bin/modelgate check-config /etc/modelgate/broken.yaml 2>&1); then
  fail "check-config accepted a broken config in the image: $out"
fi
# The canary state directory must be writable by the image's user.
inside sh -c 'echo ok > /var/lib/modelgate/probe && rm /var/lib/modelgate/probe' ||
  fail "/var/lib/modelgate is not writable by uid 10001"

# Nothing for compiling in the runtime image.
dev=$(inside dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$|^(g\+\+|gcc|cpp|clang|cmake|make|binutils)(-[0-9]+)?$' || true)
[ -z "$dev" ] || fail "compiler or development packages in the runtime image: ${dev//$'\n'/ }"
tools=$(inside sh -c 'for t in c++ cc gcc g++ ld as; do command -v "$t" || true; done')
[ -z "$tools" ] || fail "build tools in the runtime image: ${tools//$'\n'/ }"
echo "image checks passed: user 10001, ports 8500/9901, volume /var/lib/modelgate, ldd clean, check-config ok, no build tools"

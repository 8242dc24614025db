#!/usr/bin/env bash
# Makes the image's base, debian:bookworm-slim, without a registry: debootstrap (minbase) a
# Debian 12 root with the settings Debian's official slim images carry, cache it as a tarball,
# and import it into buildah as docker.io/library/debian:bookworm-slim (so docker/Dockerfile
# builds with --pull=never). Needs root (debootstrap) and buildah.
# Usage: docker/debian-base.sh [BUILDAH_GLOBAL_OPTION...]   e.g. --root DIR --runroot DIR
#   --storage-driver=vfs. The tarball is cached in ${XDG_CACHE_HOME:-~/.cache}/modelgate/;
#   delete it to pick up newer Debian packages (the images' apt-get upgrade nothing themselves).
set -euo pipefail
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/modelgate"
TARBALL="$CACHE/debian-bookworm-slim.tar"
NAME=docker.io/library/debian:bookworm-slim

# The Debian mirror this machine's apt already uses (deb822 or one-line sources).
mirror() {
  local m
  m=$(grep -hm1 '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -1)
  [ -n "$m" ] || m=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "${m:-http://deb.debian.org/debian}"
}

make_tarball() {
  command -v debootstrap >/dev/null || { echo "debian-base: debootstrap is missing (scripts/deps.sh installs it)" >&2; exit 1; }
  local m root log
  m=$(mirror)
  mkdir -p "$CACHE"
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log="$CACHE/debootstrap.log"
  echo "debian-base: debootstrap bookworm from $m (once; cached in $TARBALL)" >&2
  if ! debootstrap --variant=minbase bookworm "$root" "$m" >"$log" 2>&1; then
    rm -rf "$root"
    echo "debian-base: debootstrap failed, see $log" >&2
    exit 1
  fi
  # What Debian's slim images set: apt sources for updates and security fixes too; dpkg leaves
  # out documentation, man pages and translations, and skips fsync (a layer that breaks is
  # rebuilt, never recovered); apt keeps no caches and fetches no translations.
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$m"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [ "${m%/debian}" != "$m" ]; then
      printf '\nTypes: deb\nURIs: %s-security\nSuites: bookworm-security\nComponents: main\n' "$m"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
force-unsafe-io
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
CFG
  cat >"$root/etc/apt/apt.conf.d/slim" <<'CFG'
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,locale}/* "$root"/var/lib/apt/lists/* \
         "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
  tar -C "$root" -cf "$TARBALL.tmp.$$" . && mv "$TARBALL.tmp.$$" "$TARBALL"
  rm -rf "$root"
}

[ -s "$TARBALL" ] || make_tarball
if ! buildah "$@" inspect --type image "$NAME" >/dev/null 2>&1; then
  c=$(buildah "$@" from scratch)
  buildah "$@" add "$c" "$TARBALL" / >/dev/null
  buildah "$@" config --cmd bash "$c"
  buildah "$@" commit -q --rm "$c" "$NAME" >/dev/null
fi
echo "$NAME"

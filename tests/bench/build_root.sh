#!/usr/bin/env bash
# Makes what the benchmark's real-workload rows run on (docs/benchmark.md,
# rows 10 and 11), once, cached beside the e2e rootfs test's minbase root:
#   bookworm-build       debootstrap --variant=minbase --include=build-essential
#                        bookworm, with zlib's Debian source unpacked in
#                        /usr/src/zlib (apt-get source: the .dsc and tarballs
#                        stay beside it), the tree row 10 copies and builds;
#   debs-bookworm-amd64  a few small packages that a minbase root lacks, with
#                        maintainer scripts and triggers (less, file, libmagic1,
#                        libmagic-mgc, libssl3, openssl, ca-certificates: its
#                        postinst runs update-ca-certificates and debconf), fetched
#                        by apt-get download in the build root: what row 11
#                        installs into a copy of
#   bookworm-minbase     the e2e rootfs test's root (made here the same way when
#                        missing).
# About 3 minutes and 130 MB from the Debian archive. Runs as root (debootstrap
# and chroot); one maker at a time (a lock in the cache, shared with
# tests/e2e/rootfs.sh).
#
#   bash tests/bench/build_root.sh
#
# Environment: COCOON_ROOTFS_CACHE (default /var/tmp/cocoon-rootfs),
# COCOON_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Exit status: 0 when everything is there (made now or before), 1 when
# something could not be made (no network: the log says), 2 when not root or
# without debootstrap.
set -euo pipefail
cache=${COCOON_ROOTFS_CACHE:-/var/tmp/cocoon-rootfs}
mirror=${COCOON_DEBIAN_MIRROR:-http://deb.debian.org/debian}
build=$cache/bookworm-build
minbase=$cache/bookworm-minbase
debs=$cache/debs-bookworm-amd64
PACKAGES=(less file libmagic1 libmagic-mgc libssl3 openssl ca-certificates)  # as bench.py's APT_PACKAGES

((EUID == 0)) || { echo "build_root: must run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "build_root: no debootstrap (apt-get install debootstrap)" >&2; exit 2; }
mkdir -p "$cache"
chmod 755 "$cache"
exec 9>"$cache/.lock"
flock 9

# debootstrap into a temporary directory, renamed only when complete, so an
# interrupted run leaves no half-made root behind.
make_root() {  # DEST [DEBOOTSTRAP_OPTION...]
  local dest=$1 partial
  shift
  partial=$(mktemp -d "$cache/partial.XXXXXX")
  echo "build_root: debootstrap --variant=minbase $* bookworm $dest"
  if ! debootstrap --variant=minbase "$@" bookworm "$partial" "$mirror" >"$partial.log" 2>&1; then
    echo "build_root: debootstrap failed (network?): $(tail -3 "$partial.log")" >&2
    rm -rf "$partial" "$partial.log"
    exit 1
  fi
  rm -f "$partial.log"
  chmod 755 "$partial"  # mktemp made it 0700: the guests run as nobody
  rm -rf "$dest" && mv "$partial" "$dest"
}

[[ -x $minbase/usr/bin/dpkg ]] || make_root "$minbase"
[[ -x $build/usr/bin/gcc ]] || make_root "$build" --include=build-essential

in_build() { chroot "$build" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C "$@"; }

# The packages missing from the cache (a new one added to the list, say).
missing=()
for p in "${PACKAGES[@]}"; do
  compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done

# The source's and the packages' lists, in the build root only (the minbase
# root row 11 copies stays as debootstrap left it).
if [[ ! -d $build/usr/src/zlib || ${#missing[@]} -gt 0 ]]; then
  echo "deb-src $mirror bookworm main" >"$build/etc/apt/sources.list.d/cocoon-src.list"
  in_build apt-get -q update >/dev/null || { echo "build_root: apt-get update failed (network?)" >&2; exit 1; }
fi

if [[ ! -d $build/usr/src/zlib ]]; then
  rm -rf "$build/usr/src/zlib.tmp"
  mkdir -p -m 777 "$build/usr/src/zlib.tmp"  # apt fetches as _apt
  in_build sh -c 'cd /usr/src/zlib.tmp && apt-get -q source zlib' >/dev/null ||
    { echo "build_root: apt-get source zlib failed" >&2; exit 1; }
  tree=$(find "$build/usr/src/zlib.tmp" -mindepth 1 -maxdepth 1 -type d -name 'zlib-*')
  [[ -x $tree/configure ]] || { echo "build_root: no configure in zlib's source" >&2; exit 1; }
  mv "$tree" "$build/usr/src/zlib.tmp/tree"
  mv "$build/usr/src/zlib.tmp" "$build/usr/src/zlib"
fi

if ((${#missing[@]})); then
  rm -rf "$build/var/tmp/debs"
  mkdir -p -m 777 "$build/var/tmp/debs"  # apt fetches as _apt
  in_build sh -c "cd /var/tmp/debs && apt-get -q download ${missing[*]}" >/dev/null ||
    { echo "build_root: apt-get download ${missing[*]} failed" >&2; exit 1; }
  mkdir -p "$debs"
  chmod 755 "$debs"
  chmod a+r "$build"/var/tmp/debs/*.deb
  mv "$build"/var/tmp/debs/*.deb "$debs"/
  rm -rf "$build/var/tmp/debs"
fi
echo "build_root: $build, $build/usr/src/zlib and $debs are there"

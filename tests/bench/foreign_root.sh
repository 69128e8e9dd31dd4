#!/usr/bin/env bash
# Makes the arm64 root the benchmark's -q rows run in (docs/benchmark.md):
# debootstrap's first stage only (--foreign), which unpacks the required
# packages without running any of them, plus gcc and libc6-dev (fetched by
# --include, unpacked here with dpkg-deb: the first stage leaves them in
# /var/cache/apt/archives); the rows need only unpacked programs (find,
# dash, coreutils, gcc) and their libraries. About a minute and 90 MB from
# the Debian archive. As root it runs debootstrap itself; otherwise under
# cocoon's fake root (BUILD_DIR/cocoon, default build/cocoon).
#
#   bash tests/bench/foreign_root.sh [BUILD_DIR]
#
# Environment: COCOON_ROOTFS_CACHE (default /var/tmp/cocoon-rootfs; the root
# is made in bookworm-arm64-foreign there), COCOON_DEBIAN_MIRROR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${COCOON_ROOTFS_CACHE:-/var/tmp/cocoon-rootfs}
root=$cache/bookworm-arm64-foreign
mirror=${COCOON_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [[ -x $root/usr/bin/find ]]; then
  echo "foreign_root: $root is there already"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "foreign_root: no debootstrap (apt-get install debootstrap)" >&2; exit 2; }
mkdir -p "$cache"
rm -rf "$root.tmp"
if ((EUID == 0)); then
  debootstrap --foreign --arch=arm64 --variant=minbase --include=gcc,libc6-dev bookworm "$root.tmp" "$mirror"
else
  cocoon=${1:-$here/../../build}/cocoon
  [[ -x $cocoon ]] || { echo "foreign_root: $cocoon not found: build cocoon first" >&2; exit 2; }
  "$cocoon" run -0 -- debootstrap --foreign --arch=arm64 --variant=minbase --include=gcc,libc6-dev bookworm "$root.tmp" "$mirror"
fi
# Merged /usr: /bin and /lib are symlinks that the packages' own bin/ and
# lib/ entries must not replace.
for deb in "$root.tmp"/var/cache/apt/archives/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root.tmp"
done
chmod -R a+rX "$root.tmp"
mv "$root.tmp" "$root"
echo "foreign_root: made $root"

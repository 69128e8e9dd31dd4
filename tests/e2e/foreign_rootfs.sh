# A Debian arm64 root made and entered with no root at all (issue 21):
# debootstrap --foreign as nobody under cocoon's fake root (-0, owners kept
# in --db), then its second stage under -q qemu-aarch64-static, then apt-get
# install of a small package inside. It downloads (debootstrap, apt) and
# takes minutes (6m12s in all on 2026-12-06, on a loaded 2-core machine:
# the first stage under a minute, the second about 4.5 minutes, apt one),
# so it is not in the e2e label: ctest -L foreign-rootfs runs it.
# COCOON_DEBIAN_MIRROR overrides the archive.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
MIRROR=${COCOON_DEBIAN_MIRROR:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "SKIP: no debootstrap" >&2; exit 77; }
command -v qemu-aarch64-static >/dev/null || { echo "SKIP: no qemu-aarch64-static (qemu-user-static)" >&2; exit 77; }
W=$TMP/w
mkdir -m 777 "$W"
R=$W/arm64 DB=$W/owners.db

run_limited 600 "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" -- \
  debootstrap --foreign --arch=arm64 --variant=minbase bookworm "$R" "$MIRROR"
if ((STATUS != 0)) && grep -q "Failure trying to run\|Couldn't download\|Failed getting release file" <<<"$ERR$OUT"; then
  echo "SKIP: debootstrap's first stage could not download from $MIRROR" >&2
  exit 77
fi
assert_status 0 "debootstrap --foreign --arch=arm64, as nobody under -0"

run_limited 1200 "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" -q qemu-aarch64-static -r "$R" -- \
  /debootstrap/debootstrap --second-stage
assert_status 0 "the second stage under -q qemu-aarch64-static"
assert_match "Base system installed successfully" "$OUT$ERR" "debootstrap says the base system is installed"

foreign() {  # LIMIT CMD: a shell command in the arm64 root as its fake root
  run_limited "$1" "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" \
    -q qemu-aarch64-static -r "$R" --ro-bind /etc/resolv.conf -- /bin/sh -c "$2"
}
foreign 60 'uname -m; dpkg --print-architecture; id -u; stat -c %U /etc/shadow; readlink /proc/self/exe'
assert_eq $'aarch64\narm64\n0\nroot\n/usr/bin/readlink' "$OUT" "the root's own tools see arm64, the fake root and the guest's exe"
foreign 600 'apt-get update -q >/dev/null && apt-get install -y -q hello >/dev/null && hello'
assert_eq "Hello, world!" "$OUT" "apt-get install hello, then run it"
finish

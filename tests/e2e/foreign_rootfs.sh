# Debian roots of another architecture made and entered with no root at
# all (issue 21): a bookworm arm64 root and a trixie riscv64 one, each
# made by debootstrap --foreign as nobody under cocoon's fake root (-0,
# owners kept in --db), then its second stage under -q qemu-ARCH-static,
# then apt-get install of a small package inside. debootstrap downloads
# (into a .deb cache kept in COCOON_ROOTFS_CACHE, so a second run fetches
# only the indices); apt-get uses a local repository made here, signed with
# a throwaway key, holding a package of the root's architecture (the
# foreign test program, tests/guests/foreign.c): no network beyond
# debootstrap. It takes minutes (arm64 6m12s on 2026-12-06 on a loaded
# 2-core machine: the first stage under a minute, the second about 4.5
# minutes, apt one), so it is not in the e2e label: ctest -L foreign-rootfs
# runs it. COCOON_DEBIAN_MIRROR overrides the archive;
# COCOON_FOREIGN_ROOTFS="arm64" (or "riscv64") takes one of the two.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
MIRROR=${COCOON_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${COCOON_ROOTFS_CACHE:-/var/tmp/cocoon-rootfs}
command -v debootstrap >/dev/null || { echo "SKIP: no debootstrap" >&2; exit 77; }
command -v dpkg-scanpackages >/dev/null && command -v gpg >/dev/null ||
  fail "dpkg-dev and gpg are needed (tools/install-deps.sh)"

# local_repo DIR DEBARCH PROGRAM: a signed repository in DIR/repo holding
# hello-cocoon (Architecture DEBARCH) whose /usr/bin/hello-cocoon is
# PROGRAM; the key in DIR/key.gpg, the sources line in DIR/sources.list.
local_repo() {
  local d=$1 debarch=$2 program=$3
  mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/repo" "$d/gnupg"
  cp "$program" "$d/pkg/usr/bin/hello-cocoon"
  printf 'Package: hello-cocoon\nVersion: 1.0\nArchitecture: %s\nMaintainer: t <t@t>\nDescription: t\n' \
    "$debarch" >"$d/pkg/DEBIAN/control"
  dpkg-deb --root-owner-group --build "$d/pkg" "$d/repo/hello-cocoon_1.0_$debarch.deb" >/dev/null
  (cd "$d/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null &&
    printf 'Origin: cocoon\nLabel: cocoon\nSuite: local\nCodename: local\nDate: %s\nArchitectures: %s\nSHA256:\n %s %s Packages\n' \
      "$(date -Ru)" "$debarch" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" >Release)
  chmod 700 "$d/gnupg"
  GNUPGHOME=$d/gnupg gpg --batch --quiet --passphrase '' --quick-gen-key 'cocoon test <t@t>' ed25519 sign never &&
    GNUPGHOME=$d/gnupg gpg --batch --quiet --clearsign -o "$d/repo/InRelease" "$d/repo/Release" &&
    GNUPGHOME=$d/gnupg gpg --batch --quiet --export >"$d/key.gpg" || fail "gpg could not sign the Release"
  echo 'deb file:/repo ./' >"$d/sources.list"
}

# one DEBARCH SUITE QEMUARCH
one() {
  local debarch=$1 suite=$2 qarch=$3
  local qemu=qemu-$qarch-static
  if ! command -v "$qemu" >/dev/null; then
    echo "no $qemu (qemu-user-static): $debarch not tested" >&2
    return
  fi
  if [[ ! -x $GUESTS/foreign-$qarch-static ]]; then
    echo "no $GUESTS/foreign-$qarch-static ($qarch-linux-gnu-gcc missing at build time): $debarch not tested" >&2
    return
  fi
  TESTED=$((TESTED + 1))
  local W=$TMP/$debarch debs=$CACHE/debs-$debarch-$suite
  mkdir -m 777 "$W"
  mkdir -p "$debs" && chmod 777 "$debs"
  local R=$W/root DB=$W/owners.db
  run_limited 900 "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" -- \
    debootstrap --foreign --arch="$debarch" --variant=minbase --cache-dir="$debs" "$suite" "$R" "$MIRROR"
  if ((STATUS != 0)) && grep -q "Failure trying to run\|Couldn't download\|Failed getting release file" <<<"$ERR$OUT"; then
    echo "SKIP: debootstrap's first stage ($debarch $suite) could not download from $MIRROR" >&2
    exit 77
  fi
  assert_status 0 "$debarch: debootstrap --foreign --arch=$debarch $suite, as nobody under -0"

  run_limited 1800 "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" -q "$qemu" -r "$R" -- \
    /debootstrap/debootstrap --second-stage
  assert_status 0 "$debarch: the second stage under -q $qemu"
  assert_match "Base system installed successfully" "$OUT$ERR" "$debarch: debootstrap says the base system is installed"

  local A=$W/apt
  local_repo "$A" "$debarch" "$GUESTS/foreign-$qarch-static"
  chmod -R a+rwX "$A"
  # The root's own tools, its fake root, and apt from the local repository
  # only (its sources.list replaced). -q is not given: the run has a root,
  # so the installed qemu-ARCH-static is taken from the ELF header.
  run_limited 900 "${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 --db "$DB" -r "$R" --proc /proc \
    -b "$A/repo:/repo" -b "$A/sources.list:/etc/apt/sources.list" \
    -b "$A/key.gpg:/etc/apt/trusted.gpg.d/cocoon-test.gpg" -- /bin/sh -c \
    'uname -m; dpkg --print-architecture; id -u; stat -c %U /etc/shadow; readlink /proc/self/exe
     apt-get update -q >/dev/null 2>&1; apt-get update 2>&1 | grep -c "^E:"
     apt-get install -y -q hello-cocoon 2>/dev/null | grep "^Setting up"
     hello-cocoon | sed -n "s/^hello-cocoon machine=//p"'
  assert_eq "$qarch
$debarch
0
root
/usr/bin/readlink
0
Setting up hello-cocoon (1.0) ...
$qarch" "$OUT" "$debarch: the root's tools see $debarch and the fake root; apt-get installs from the local repository; the package's program runs"
}

TESTED=0
for want in ${COCOON_FOREIGN_ROOTFS:-arm64 riscv64}; do
  case $want in
    arm64) one arm64 bookworm aarch64 ;;
    riscv64) one riscv64 trixie riscv64 ;;
    *) fail "COCOON_FOREIGN_ROOTFS: no such root '$want' (arm64, riscv64)" ;;
  esac
done
((TESTED)) || { echo "SKIP: no qemu-user-static with a foreign test program built" >&2; exit 77; }
finish

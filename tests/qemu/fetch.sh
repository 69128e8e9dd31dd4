# Fetches a Debian kernel and busybox-static for one harness target from
# Debian's package archive, without touching the host's apt set-up: each
# target gets a private apt root (APT_CONFIG pointing at its own Dir, its own
# sources.list, APT::Architectures = the target's arch) whose sources reuse
# the archive URIs of /etc/apt/sources.list.d/debian.sources. Sourced by
# run.sh; needs apt-get and dpkg-deb, nothing else.
#
# Cache layout (CACHE = ${COCOON_QEMU_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cocoon-qemu}):
#   CACHE/apt/DEBARCH-SUITE/   the private apt roots (lists kept between runs)
#   CACHE/debs/                downloaded .deb files
#   CACHE/targets/TARGET/      kernel, busybox, kernel-package (what was used)
# A target whose files are in CACHE/targets/TARGET is not fetched again
# (reruns need no network); --refresh resolves the packages anew.

# The archive URIs the host already uses: the first URIs line naming
# .../debian and the one naming .../debian-security.
archive_uri() {  # main|security
  local f=/etc/apt/sources.list.d/debian.sources want=$1 uri
  uri=$(awk -v want="$want" '/^URIs:/ {
      for (i = 2; i <= NF; i++) {
        sec = ($i ~ /-security\/?$/)
        if ((want == "security") == sec) { print $i; exit }
      } }' "$f" 2>/dev/null)
  if [[ -z $uri ]]; then
    # Older one-line format.
    uri=$(awk -v want="$want" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {
        sec = ($i ~ /-security\/?$/); if ((want == "security") == sec) { print $i; exit } } }' \
        /etc/apt/sources.list 2>/dev/null)
  fi
  if [[ -z $uri ]]; then
    [[ $want == main ]] && uri=http://deb.debian.org/debian || uri=http://deb.debian.org/debian-security
  fi
  echo "${uri%/}"
}

# apt_root DEBARCH SUITE [SECURITY]: writes CACHE/apt/DEBARCH-SUITE (with
# -main appended when SECURITY is "no") and prints the path of its apt.conf.
# The -security suite of a release is added unless SECURITY is "no".
apt_root() {
  local debarch=$1 suite=$2 security=${3:-yes} root main sec
  root=$CACHE/apt/$debarch-$suite
  [[ $security == no ]] && root+=-main
  main=$(archive_uri main)
  sec=$(archive_uri security)
  mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" \
    "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
  [[ -e $root/var/lib/dpkg/status ]] || : >"$root/var/lib/dpkg/status"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    echo "deb [signed-by=$keyring] $main $suite main"
    case $suite in
      sid|unstable|experimental|*-backports) ;;
      *) [[ $security == no ]] || echo "deb [signed-by=$keyring] $sec $suite-security main" ;;
    esac
  } >"$root/etc/apt/sources.list"
  cat >"$root/apt.conf" <<EOF
Dir "$root/";
Dir::State::status "$root/var/lib/dpkg/status";
APT::Architecture "$debarch";
APT::Architectures { "$debarch"; };
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
Acquire::Retries "3";
EOF
  echo "$root/apt.conf"
}

# fetch_target TARGET DEBARCH SUITE VERSION_RE: fills CACHE/targets/TARGET
# with `kernel` (the image qemu boots), `busybox` (static, of DEBARCH) and
# `kernel-package`. VERSION_RE is matched against the kernel package's
# upstream version (e.g. '^6\.1\.' or 'at least 6.16'). Fails, saying why, if
# the archive cannot be reached or the package is not the wanted kernel.
fetch_target() {
  local target=$1 debarch=$2 suite=$3 want=$4
  local dir=$CACHE/targets/$target
  if [[ -z ${REFRESH:-} && -s $dir/kernel && -s $dir/busybox && -s $dir/kernel-package ]]; then
    return 0
  fi
  mkdir -p "$dir" "$CACHE/debs"
  local log=$dir/apt.log security
  : >"$log"
  # The -security archive's index can list packages its pool does not
  # serve (bullseye-security's arm64 kernel and busybox answered 404 here on
  # 2026-12-06, its amd64 ones did not): then the release's own packages.
  for security in yes no; do
    download_packages "$(apt_root "$debarch" "$suite" "$security")" "$debarch" "$suite" "$want" "$log" &&
      break
    [[ $security == no ]] && return 1
    echo "  (Debian $suite-security's $debarch packages could not be downloaded; trying $suite's own)" >&2
  done
  unpack_target "$dir" "$debarch"
}

# download_packages APT_CONF DEBARCH SUITE VERSION_RE LOG: resolves the
# suite's kernel and downloads it and busybox-static into CACHE/debs; sets
# KPKG, KVER and KBIN (the package holding the image).
download_packages() {
  local conf=$1 debarch=$2 suite=$3 want=$4 log=$5
  # A partial failure (one index of a mirror in sync) is tolerated as long as
  # the packages resolve; apt's messages are shown if they do not.
  if ! APT_CONFIG=$conf apt-get -q update >>"$log" 2>&1; then
    echo "  (apt-get update for $debarch $suite reported errors; see $log)" >&2
  fi
  local meta=linux-image-$debarch
  KPKG=$(APT_CONFIG=$conf apt-cache depends "$meta" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  if [[ -z $KPKG ]]; then
    echo "cannot resolve $meta in Debian $suite ($debarch): no network, or the archive's index is unusable" >&2
    grep -E '^(E|W|Err):' "$log" | head -5 >&2
    return 1
  fi
  KVER=$(APT_CONFIG=$conf apt-cache show "$KPKG" | awk '/^Version:/ { print $2; exit }')
  if ! kernel_version_ok "$KVER" "$want"; then
    echo "Debian $suite ships $KPKG ($KVER) for $debarch, not a kernel matching '$want'" >&2
    return 1
  fi
  # From Debian 7.x (sid) the image itself is in linux-binary-ABI, a
  # dependency of linux-image-ABI.
  KBIN=$(APT_CONFIG=$conf apt-cache depends "$KPKG" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-binary-[0-9]/ { print $2; exit }')
  KBIN=${KBIN:-$KPKG}
  # apt-get download writes into the current directory.
  if ! (cd "$CACHE/debs" && APT_CONFIG=$conf apt-get -q download "$KBIN" busybox-static) >>"$log" 2>&1; then
    echo "apt-get download $KBIN busybox-static ($debarch, $suite) failed:" >&2
    grep -E '^(E|Err):' "$log" | tail -3 >&2
    return 1
  fi
}

# unpack_target DIR DEBARCH: the kernel image and busybox out of the .debs
# download_packages fetched (KPKG, KVER, KBIN).
unpack_target() {
  local dir=$1 debarch=$2 kpkg=$KPKG kver=$KVER kbin=$KBIN
  local work
  work=$(mktemp -d "$CACHE/debs/.extract.XXXXXX")
  local kdeb bdeb
  kdeb=$(ls -t "$CACHE/debs/${kbin}_"*"_$debarch.deb" | head -1)
  bdeb=$(ls -t "$CACHE/debs/busybox-static_"*"_$debarch.deb" | head -1)
  dpkg-deb -x "$kdeb" "$work/k"
  dpkg-deb -x "$bdeb" "$work/b"
  # The image is /boot/vmlinuz-* (arm64, amd64) or /boot/vmlinux-* (riscv64:
  # an Image despite the name, which qemu's -kernel accepts); from 7.x it is
  # /usr/lib/modules/ABI/vmlinuz.
  local kfile bfile
  kfile=$(ls "$work"/k/boot/vmlinu[xz]-* "$work"/k/usr/lib/modules/*/vmlinu[xz] 2>/dev/null | head -1)
  # trixie's busybox-static has the binary in /usr/bin, bookworm's in /bin.
  bfile=$(ls "$work"/b/usr/bin/busybox "$work"/b/bin/busybox 2>/dev/null | head -1)
  if [[ -z $kfile || -z $bfile ]]; then
    echo "no kernel image in $kdeb or no busybox in $bdeb" >&2
    rm -rf "$work"
    return 1
  fi
  cp "$kfile" "$dir/kernel.tmp" && mv "$dir/kernel.tmp" "$dir/kernel"
  cp "$bfile" "$dir/busybox.tmp" && mv "$dir/busybox.tmp" "$dir/busybox"
  echo "$kpkg $kver" >"$dir/kernel-package"
  basename "$bdeb" >"$dir/busybox-package"
  rm -rf "$work"
}

# kernel_version_ok VERSION WANT: WANT is a regex on the Debian version, or
# "at least X.Y".
kernel_version_ok() {
  local v=$1 want=$2
  if [[ $want == "at least "* ]]; then
    local min=${want#at least } ma mi wma wmi
    IFS=. read -r ma mi _ <<<"$v"
    IFS=. read -r wma wmi <<<"$min"
    ((ma > wma || (ma == wma && mi >= wmi)))
  else
    [[ $v =~ $want ]]
  fi
}

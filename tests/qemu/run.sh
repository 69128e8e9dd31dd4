#!/usr/bin/env bash
# The cross-architecture harness: boots real Debian kernels of aarch64,
# riscv64 and x86-64 under qemu-system with an initramfs holding busybox, a
# static cocoon, the test guests and a test runner, and checks what cocoon
# does there. See docs/cross-arch.md.
#
#   tests/qemu/run.sh [OPTIONS] [TARGET...]      (default: every target)
#
# TARGETs (arch.kernel): aarch64.5.10 aarch64.6.1 aarch64.6.12 riscv64.6.12
#   riscv64.sid x86_64.5.10 x86_64.6.1 x86_64.6.12 — 5.10 is Debian 11's
#   (bullseye) kernel: no Landlock, no WAIT_KILLABLE_RECV; riscv64.sid is
#   Debian unstable's kernel, the one Debian kernel >= 6.16
#   (PTRACE_SET_SYSCALL_INFO) for riscv64.
# OPTIONS:
#   --build-root DIR  static builds in DIR/ARCH, boot files and results in
#                     DIR/qemu (default: build/cross)
#   --cache DIR       downloads (default: ${COCOON_QEMU_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cocoon-qemu})
#   --no-build        use the static builds as they are (ctest builds them
#                     first, in the cross.build.ARCH tests)
#   --build-only ARCH build the static cocoon and guests of ARCH, nothing else
#   --refresh         resolve the Debian packages anew (default: cached ones)
#   --timeout SECS    the limit of one boot (default 1500: with the
#                     adversarial probes a 5.10 boot took 507 s on a loaded
#                     2-core machine)
#   --only NAME,...   run only these tests of the runner (NAME or
#                     MODE.NAME, e.g. noseccomp.processes.threads); the
#                     target's result is then "partial", never a pass
#   --smp N           virtual CPUs of the guest (default 1: see docs/cross-arch.md)
#   --fake-cocoon     self-check of the harness: boots with a script in
#                     cocoon's place that runs the command untraced, to see
#                     which tests catch it (result "fake", never a pass)
#   --table           then print the markdown table of every saved result
#   --table-only      print that table without running anything
# Exit status: 0 if every test of every target passed; 1 on any failure, a
# boot failure or timeout, or a download failure (no network: nothing is
# skipped silently); 2 on bad usage.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

all_targets=(aarch64.5.10 aarch64.6.1 aarch64.6.12 riscv64.6.12 riscv64.sid x86_64.5.10 x86_64.6.1 x86_64.6.12)
build_root=$repo/build/cross
CACHE=${COCOON_QEMU_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cocoon-qemu}
build=1
build_only=""
REFRESH=""
boot_timeout=1500
table=""
run=1
only=""
smp=1
fake=""
targets=()

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --build-root) build_root=$(realpath -m "$2"); shift ;;
    --cache) CACHE=$(realpath -m "$2"); shift ;;
    --no-build) build="" ;;
    --build-only) build_only=$2; shift ;;
    --refresh) REFRESH=1 ;;
    --timeout) boot_timeout=$2; shift ;;
    --only) only=$2; shift ;;
    --smp) smp=$2; shift ;;
    --fake-cocoon) fake=1 ;;
    --table) table=1 ;;
    --table-only) table=1 run="" ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) targets+=("$1") ;;
  esac
  shift
done
((${#targets[@]})) || targets=("${all_targets[@]}")
export CACHE REFRESH
results=$build_root/qemu/results
# shellcheck source=tests/qemu/fetch.sh
source "$here/fetch.sh"

# target_spec TARGET: sets ARCH DEBARCH SUITE WANT (the kernel version the
# target needs) and QEMU_ARGS / CONSOLE for the boot.
target_spec() {
  ARCH=${1%%.*}
  local kernel=${1#*.}
  case $ARCH in
    aarch64) DEBARCH=arm64 ;;
    riscv64) DEBARCH=riscv64 ;;
    x86_64) DEBARCH=amd64 ;;
    *) return 1 ;;
  esac
  case $kernel in
    5.10) SUITE=bullseye WANT='^5\.10\.' ;;
    6.1) SUITE=bookworm WANT='^6\.1\.' ;;
    6.12) SUITE=trixie WANT='^6\.12\.' ;;
    sid) SUITE=sid WANT='at least 6.16' ;;
    *) return 1 ;;
  esac
  # bullseye and bookworm have no riscv64.
  [[ $ARCH == riscv64 && $SUITE == b* ]] && return 1
  return 0
}

# qemu_command KERNEL INITRD: the boot command of $ARCH (docs/cross-arch.md,
# "Pitfalls found": -nic none, or qemu looks for a missing efi-virtio.rom;
# pauth-impdef, or -cpu max is 2-3x slower on aarch64).
qemu_command() {
  local kernel=$1 initrd=$2 append="panic=-1 quiet${only:+ cocoon.only=$only}"
  local common=(-smp "$smp" -m 1024 -nographic -no-reboot -nic none -kernel "$kernel" -initrd "$initrd")
  case $ARCH in
    aarch64)
      QEMU=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on "${common[@]}"
        -append "console=ttyAMA0 $append") ;;
    riscv64)
      QEMU=(qemu-system-riscv64 -M virt -cpu rv64 -bios default "${common[@]}"
        -append "console=ttyS0 $append") ;;
    x86_64)
      # syscall.x32=y: Debian builds x32 support but leaves it off by
      # default; on, a native x32 call works and cocoon must still refuse it.
      # KVM only where the CPU has virtualisation: the workplace VMs have a
      # /dev/kvm but no vmx/svm, and a KVM guest hangs there at boot.
      local accel=(-cpu max)
      if [[ -r /dev/kvm && -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
        accel=(-enable-kvm -cpu host)
      fi
      QEMU=(qemu-system-x86_64 "${accel[@]}" "${common[@]}"
        -append "console=ttyS0 syscall.x32=y $append") ;;
  esac
}

build_arch() {  # ARCH
  local log=$build_root/$1.build.log
  mkdir -p "$build_root"
  echo "building static cocoon and guests for $1 in $build_root/$1"
  if ! bash "$repo/tools/cross-build.sh" "$1" "$build_root/$1" >"$log" 2>&1; then
    tail -30 "$log"
    echo "FAIL: the $1 build failed (log: $log)"
    return 1
  fi
  tail -2 "$log" | head -1
  # The harness's own helper (helper.c): one file, no CMake.
  local triple=$1-linux-gnu
  "$triple-gcc" -static -O2 -Wall -o "$build_root/$1/helper" "$here/helper.c" || return 1
}

# make_initramfs TARGET: a newc cpio with busybox, cocoon, the guests, the
# helper and the runner; prints its path.
make_initramfs() {
  local target=$1 dir=$build_root/qemu/$1
  local root=$dir/root bin=$build_root/$ARCH
  for f in "$bin/cocoon" "$bin/helper" "$bin/guests/reaper" "$bin/probes/hostnet"; do
    [[ -x $f ]] || { echo "FAIL: $f is missing: build $ARCH first (tools/cross-build.sh $ARCH $bin)" >&2; return 1; }
  done
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,cocoon/bin,cocoon/guests,cocoon/probes}
  cp "$CACHE/targets/$target/busybox" "$root/bin/busybox"
  # Stripped copies: the initramfs is loaded into the guest's memory.
  "$ARCH-linux-gnu-strip" -o "$root/cocoon/bin/cocoon" "$bin/cocoon"
  [[ -n $fake ]] && fake_cocoon >"$root/cocoon/bin/cocoon"
  cp "$bin/helper" "$root/cocoon/bin/helper"
  local g
  for g in "$bin"/guests/*; do
    [[ -f $g && -x $g ]] && "$ARCH-linux-gnu-strip" -o "$root/cocoon/guests/${g##*/}" "$g"
  done
  for g in "$bin"/probes/*; do
    [[ -f $g && -x $g ]] && "$ARCH-linux-gnu-strip" -o "$root/cocoon/probes/${g##*/}" "$g"
  done
  cp "$here/runner.sh" "$here/cases.sh" "$here/adversarial.sh" "$root/cocoon/"
  cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname "qemu-$(uname -m)"
# busybox init reaps orphans (the shell as pid 1 would leave zombies).
exec /bin/busybox init
EOF
  cat >"$root/etc/inittab" <<'EOF'
::sysinit:/bin/sh /cocoon/runner.sh
::sysinit:/bin/busybox poweroff -f
EOF
  chmod 755 "$root/init" "$root/cocoon/runner.sh"
  chmod 1777 "$root/tmp"
  (cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$dir/initramfs.cpio" || return 1
  echo "$dir/initramfs.cpio"
}

# --fake-cocoon: "cocoon run [OPTIONS] -- CMD" runs CMD natively.
fake_cocoon() {
  cat <<'EOF'
#!/bin/sh
[ "$1" = run ] || exit 125
shift
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    --hostname|--log-level|--log-file) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
exec "$@"
EOF
}

# parse_console TARGET LOG SECS: prints the results, writes TARGET.result,
# returns 0 only if the runner finished and nothing failed.
parse_console() {
  local target=$1 log=$2 secs=$3
  local lines
  lines=$(tr -d '\r' <"$log" | sed -n 's/^.*COCOON-QEMU: //p')
  local start done_line
  start=$(grep -m1 '^start ' <<<"$lines")
  done_line=$(grep -m1 '^done ' <<<"$lines")
  grep -E '^(PASS|FAIL|N/A) |^  \| ' <<<"$lines" | sed 's/^/  /'
  local mode p t summary="" ok=1 total_fail=0 na
  na=$(grep -c '^N/A ' <<<"$lines")
  for mode in seccomp noseccomp common; do
    p=$(grep -c "^PASS $mode " <<<"$lines")
    t=$(grep -cE "^(PASS|FAIL) $mode " <<<"$lines")
    summary+="$mode $p/$t  "
    printf -v "count_$mode" '%s/%s' "$p" "$t"
    total_fail=$((total_fail + t - p))
  done
  local kernel
  kernel=$(sed -n 's/.* kernel=\([^ ]*\).*/\1/p' <<<"$start")
  local state=pass
  if [[ -z $start ]]; then
    state="no boot"
    echo "FAIL $target: the runner never started; console tail:"
    tail -20 "$log" | sed 's/^/  > /'
  elif [[ -z $done_line ]]; then
    state="incomplete"
    echo "FAIL $target: the runner did not finish (boot timeout or crash); console tail:"
    tail -20 "$log" | sed 's/^/  > /'
  elif [[ $done_line != "done pass=$((${count_seccomp%/*} + ${count_noseccomp%/*} + ${count_common%/*})) fail=$total_fail n/a=$na" ]]; then
    state="garbled"
    echo "FAIL $target: '$done_line' disagrees with the lines read ($summary)"
  elif ((total_fail)); then
    state="$total_fail failed"
  elif [[ -n $fake ]]; then
    state="fake"
    echo "FAIL $target: every test passed with --fake-cocoon: they cannot tell cocoon from no cocoon"
  elif [[ -n $only ]]; then
    state="partial (--only)"
    echo "FAIL $target: only some tests ran (--only $only): not a pass"
  fi
  [[ -n $fake && $state != fake ]] && state="fake: $state"
  [[ $state == pass ]] || ok=0
  # Tests this kernel cannot run (the runner's not_applicable): neither
  # passed nor failed, and said in the result.
  ((na)) && state+=" ($na n/a)"
  mkdir -p "$results"
  echo "$target|${kernel:-?}|$count_seccomp|$count_noseccomp|$count_common|$state|$secs" >"$results/$target.result"
  echo "$target: kernel ${kernel:-?}: $summary($state, ${secs} s)"
  ((ok))
}

run_target() {  # TARGET
  local target=$1
  if ! target_spec "$target"; then
    echo "FAIL: unknown target '$target' (known: ${all_targets[*]})"
    return 1
  fi
  if [[ -n $build ]]; then build_arch "$ARCH" || return 1; fi
  echo "fetching $target: Debian $SUITE $DEBARCH kernel and busybox-static (cache: $CACHE)"
  mkdir -p "$CACHE"
  local lock=$CACHE/$target.lock
  if ! (flock 9 && fetch_target "$target" "$DEBARCH" "$SUITE" "$WANT") 9>"$lock"; then
    echo "FAIL $target: could not fetch the Debian kernel or busybox (no network, or the archive has no such package)"
    mkdir -p "$results"
    echo "$target|?|0/0|0/0|0/0|download failed|0" >"$results/$target.result"
    return 1
  fi
  echo "  kernel package: $(cat "$CACHE/targets/$target/kernel-package"); $(cat "$CACHE/targets/$target/busybox-package")"
  local initrd
  initrd=$(make_initramfs "$target") || { echo "FAIL $target: no initramfs"; return 1; }
  qemu_command "$CACHE/targets/$target/kernel" "$initrd"
  command -v "${QEMU[0]}" >/dev/null || { echo "FAIL $target: ${QEMU[0]} not installed"; return 1; }
  local log=$build_root/qemu/$target.console
  echo "booting $target: ${QEMU[*]}"
  local t0=$SECONDS
  timeout -k 10 "$boot_timeout" "${QEMU[@]}" </dev/null >"$log" 2>&1
  local st=$?
  ((st == 124)) && echo "  qemu timed out after ${boot_timeout} s"
  echo "results of $target (console: $log):"
  parse_console "$target" "$log" $((SECONDS - t0))
}

print_table() {
  echo "| target | kernel | seccomp | --no-seccomp | common | result | time (s) |"
  echo "|---|---|---|---|---|---|---|"
  local t f
  for t in "${all_targets[@]}"; do
    f=$results/$t.result
    [[ -f $f ]] || continue
    IFS='|' read -r tgt kernel sec nosec common state secs <"$f"
    echo "| $tgt | $kernel | $sec | $nosec | $common | $state | $secs |"
  done
}

if [[ -n $build_only ]]; then
  build_arch "$build_only"
  exit
fi
status=0
if [[ -n $run ]]; then
  for t in "${targets[@]}"; do
    run_target "$t" || status=1
  done
fi
[[ -n $table ]] && print_table
exit $status

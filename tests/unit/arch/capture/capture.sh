#!/usr/bin/env bash
# Captures register images on a real kernel for the unit tests: builds
# regcapture.c statically for ARCH, boots KERNEL under qemu-system with an
# initramfs whose /init is regcapture, and writes what it prints to
# tests/unit/arch/captured/ARCH-RELEASE.inc (add that file to all.inc).
#
#   capture.sh ARCH KERNEL        ARCH: x86_64 | aarch64 | riscv64
#
# Needs the arch's cross gcc (gcc-ARCH-linux-gnu), qemu-system-ARCH and cpio.
# The Debian kernels the cross harness fetches (tests/qemu) serve as KERNEL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(($# == 2)) || { echo "usage: $0 x86_64|aarch64|riscv64 KERNEL" >&2; exit 2; }
arch=$1 kernel=$2
[[ -r $kernel ]] || { echo "capture.sh: cannot read kernel '$kernel'" >&2; exit 2; }
case $arch in
  x86_64) cc=gcc; qemu=(qemu-system-x86_64 -M q35 -cpu max -append "console=ttyS0 panic=-1 quiet") ;;
  aarch64) cc=aarch64-linux-gnu-gcc
    qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -append "console=ttyAMA0 panic=-1 quiet") ;;
  riscv64) cc=riscv64-linux-gnu-gcc
    qemu=(qemu-system-riscv64 -M virt -cpu rv64 -bios default -append "console=ttyS0 panic=-1 quiet") ;;
  *) echo "capture.sh: unknown arch '$arch'" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/dev"
"$cc" -O2 -static -o "$work/root/init" "$here/regcapture.c"
# The kernel gives /init the console as stdin/out/err only if /dev/console
# exists in the initramfs.
mknod -m 600 "$work/root/dev/console" c 5 1
(cd "$work/root" && find . | cpio -o -H newc --quiet) > "$work/initrd"
timeout 120 "${qemu[@]}" -smp 1 -m 512 -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$work/initrd" > "$work/console" 2>&1 || true
tr -d '\r' < "$work/console" | sed -n '/BEGIN-CAPTURE/,/END-CAPTURE/p' | grep -v -- '-CAPTURE' > "$work/out"
if ! grep -q '\.exit = ' "$work/out"; then
  echo "capture.sh: no capture on the console; it said:" >&2
  tail -20 "$work/console" >&2
  exit 1
fi
release=$(sed -n 's/.*\.kernel = "\([^"]*\)".*/\1/p' "$work/out" | head -1)
dest="$here/../captured/$arch-$release.inc"
cp "$work/out" "$dest"
echo "wrote $dest"

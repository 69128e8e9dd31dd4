#!/usr/bin/env bash
# Installs what cocoon needs to build and test on Debian 12, then configures
# and builds it in build/. Run as root (or with sudo available). Idempotent:
# apt is only asked when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  build-essential cmake python3 pkg-config
  libcli11-dev libspdlog-dev libfmt-dev libgtest-dev
  # teaching view (cocoon trace -k / --disasm)
  libunwind-dev libcapstone-dev
  # the other arches' kernel headers: the syscall table is checked against them
  linux-libc-dev-arm64-cross linux-libc-dev-riscv64-cross
  # the resolver's libFuzzer target (tests/fuzz: clang, libFuzzer, sanitizers)
  clang-16 libclang-rt-16-dev
  # end-to-end tests and the benchmark's peers
  busybox-static util-linux procps proot hyperfine debootstrap
  # identities (issue 5): a Go program (no libc) and the packaging tools
  # under test, fakeroot and pseudo to compare with
  golang-go fakeroot pseudo libcap2-bin dpkg-dev
  # apt under fake root (e2e rootfs): a local repository signed with gpg
  gpg
  # namespaces (issue 6): the real bubblewrap, to show it fails where user
  # namespaces are disabled
  bubblewrap
  # the cross-architecture harness (tests/qemu, ctest -L cross)
  g++-aarch64-linux-gnu g++-riscv64-linux-gnu
  qemu-system-arm qemu-system-misc qemu-system-x86 cpio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build=${COCOON_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"

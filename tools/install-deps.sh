#!/usr/bin/env bash
# Installs what cocoon needs on Debian 12, then configures and builds it in
# build/. Run as root (or with sudo available). Idempotent: apt is only
# asked when a package is missing.
#
#   bash tools/install-deps.sh          everything the test suite needs (tests/run.sh)
#   bash tools/install-deps.sh --run    only what building and running cocoon
#                                       needs (tools/demo.sh): no test peers,
#                                       cross compilers, qemu, clang or Go
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}
case $mode in
  test | --run) ;;
  *) echo "install-deps: unknown argument '$mode' (--run, or none for the test suite)" >&2; exit 2 ;;
esac

packages=(
  # build
  build-essential cmake python3 pkg-config
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  # teaching view (cocoon trace -k / --disasm)
  libunwind-dev libcapstone-dev
  # the other arches' kernel headers: the syscall table is checked against them
  linux-libc-dev-arm64-cross linux-libc-dev-riscv64-cross
  # the demo's built-in root (tools/busybox-root.sh)
  busybox-static
)
test_packages=(
  libgtest-dev
  # libseccomp's programs checked against cbpf (tests/unit/cbpf)
  libseccomp-dev
  # the resolver's libFuzzer target (tests/fuzz: clang, libFuzzer, sanitizers)
  clang-16 libclang-rt-16-dev
  # end-to-end tests and the benchmark's peers
  util-linux procps proot hyperfine debootstrap
  # identities: a Go program (no libc) and the packaging tools under test,
  # fakeroot and pseudo to compare with
  golang-go fakeroot pseudo libcap2-bin dpkg-dev
  # apt under fake root (e2e rootfs): a local repository signed with gpg
  gpg
  # namespaces: the real bubblewrap, to compare cocoon bwrap with
  bubblewrap
  # ptrace inside a guest: the real tools, run natively and under cocoon
  strace gdb ltrace
  # OCI bundles (e2e oci): an image built locally and unpacked rootless
  umoci
  # a non-dumpable guest under -r (e2e vfs): ssh-agent and ssh-add
  openssh-client
  # the cross-architecture harness (tests/qemu, ctest -L cross)
  g++-aarch64-linux-gnu g++-riscv64-linux-gnu
  qemu-system-arm qemu-system-misc qemu-system-x86 cpio
  # programs of another architecture under cocoon run -q (e2e foreign).
  # Not binfmt-support: the test proves cocoon, not the kernel, ran them
  qemu-user-static
)
[[ $mode == --run ]] || packages+=("${test_packages[@]}")

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
if [[ $mode == --run ]]; then
  # The tests stay as a configured build has them (tests/run.sh turns them
  # on); a new build without GoogleTest builds cocoon alone.
  tests=()
  [[ -f $build/CMakeCache.txt ]] || tests=(-DCOCOON_TESTS=OFF)
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${tests[@]}" >/dev/null
  cmake --build "$build" -j"$(nproc)" --target cocoon
else
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOCOON_TESTS=ON >/dev/null
  cmake --build "$build" -j"$(nproc)"
fi

# The README's first command (tools/demo.sh) without its set-up step: it
# builds the built-in busybox root and runs a shell in it under cocoon, as
# nobody here. Checks what the demo promises a reader: the emulated
# hostname, the guest root's listing, the read-only bind of the checkout,
# /proc/self/exe in guest terms, the minimal /dev.
source "$(dirname "$0")/lib.sh" "$@"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -m 777 "$TMP/demo"
run_limited 60 ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} env COCOON_DEMO_NO_SETUP=1 \
  COCOON_BUILD_DIR="$(dirname "$COCOON")" COCOON_DEMO_ROOT="$TMP/demo/bbroot" bash "$SRC/tools/demo.sh"
assert_status 0 "tools/demo.sh runs"
assert_match "hostname \(uname -n\): cocoon-demo" "$OUT" "the emulated hostname"
assert_match "ls /: bin dev etc home mnt proc root src tmp" "$OUT" "the busybox root's top"
assert_match "pwd: /src, README here: # cocoon" "$OUT" "the checkout at /src, the cwd"
assert_match "readlink /proc/self/exe: /bin/busybox" "$OUT" "/proc/self/exe in guest terms"
assert_match "Read-only file system" "$OUT" "the ro-bind refuses writes"
assert_match "ls /dev: core fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
  "$OUT" "the minimal /dev"
finish

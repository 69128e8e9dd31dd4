#!/bin/sh
# The test runner inside the qemu guest (busybox sh; run by busybox init from
# the initramfs that tests/qemu/run.sh builds). It ports the end-to-end cases
# of tests/e2e/*.sh that need no Debian rootfs, with the same assertions, and
# runs each with the seccomp filter and with --no-seccomp.
#
# Console protocol, parsed by run.sh (every line starts with "COCOON-QEMU: "):
#   COCOON-QEMU: start arch=A kernel=K
#   COCOON-QEMU: PASS MODE NAME (MS ms)
#   COCOON-QEMU: FAIL MODE NAME: REASON (MS ms)  (then "COCOON-QEMU:   | ..." details)
#   COCOON-QEMU: N/A MODE NAME: REASON (MS ms)   (the kernel lacks what the test needs)
#   COCOON-QEMU: done pass=N fail=M n/a=K
# MODE is seccomp, noseccomp, or common (mode-independent checks).
#
# /cocoon/bin holds cocoon and helper (tests/qemu/helper.c), /cocoon/guests the
# guests of tests/guests. Everything runs as root unless a test says
# otherwise; as in tests/e2e, the cases where root could pass for the wrong
# reason (hostname) or that stand for cocoon's real users run as uid 65534.
COCOON=/cocoon/bin/cocoon
HELPER=/cocoon/bin/helper
GUESTS=/cocoon/guests
ARCH=$(uname -m)
ITERS=${ITERS:-100}
LIMIT=${LIMIT:-60}
# A marker unique to this boot in the arguments of every long-lived process
# a test starts (sleep 600.MARK), so leftovers can be found by name.
MARK="31415$$"
SLEEP_ARG="600.$MARK"
AS_NOBODY="$HELPER asuser 65534 65534"
NPASS=0
NFAIL=0
NNA=0
# run.sh --only NAME,...: the kernel command line's cocoon.only= limits the
# run to those tests (NAME or MODE.NAME), for debugging; run.sh then
# reports the run as partial, never as a pass of the target.
ONLY=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^cocoon\.only=//p' | tr ',' ' ')
WORK=$(mktemp -d /tmp/cocoon-qemu.XXXXXX)
chmod 755 "$WORK"

say() { echo "COCOON-QEMU: $*"; }

# Milliseconds since boot (busybox date has no %N).
now_ms() {
  local up cs
  read -r up _ </proc/uptime
  cs=${up#*.}
  cs=${cs#0}  # "08" is not octal
  echo $((${up%.*} * 1000 + 10 * cs))
}

# run_test NAME FUNCTION: runs FUNCTION in a subshell with a fresh world-
# readable directory $T; the function fails the test by calling fail.
run_test() {
  local name=$1
  shift
  case " $ONLY " in
    "  ") ;;
    *" $name "* | *" $MODE.$name "*) ;;
    *) return 0 ;;
  esac
  T=$WORK/$MODE.$name
  rm -f "$T/na"
  mkdir -p "$T"
  chmod 755 "$T"
  local t0
  t0=$(now_ms)
  (
    "$@"
  ) </dev/null >"$T/log" 2>&1
  local st=$? ms=$(($(now_ms) - t0))
  if [ "$st" = 0 ] && [ -e "$T/na" ]; then
    NNA=$((NNA + 1))
    say "N/A $MODE $name: $(head -1 "$T/na") ($ms ms)"
  elif [ "$st" = 0 ]; then
    NPASS=$((NPASS + 1))
    say "PASS $MODE $name ($ms ms)"
  else
    NFAIL=$((NFAIL + 1))
    local reason="exit status $st"
    [ -s "$T/reason" ] && reason=$(head -1 "$T/reason")
    say "FAIL $MODE $name: $reason ($ms ms)"
    head -c 3000 "$T/log" | sed 's/^/COCOON-QEMU:   | /'
  fi
}

# Inside a test: record why it failed, show the last command, and stop it.
fail() {
  echo "$*" | tr '\n' ' ' >"$T/reason"
  echo "last command: ${LAST_CMD:-?}"
  echo "status: ${STATUS:-?}"
  echo "stdout: $(head -c 1000 "$T/out" 2>/dev/null)"
  echo "stderr: $(head -c 1000 "$T/err" 2>/dev/null)"
  exit 1
}

# Inside a test: what it needs is not in this kernel (a probe's route that
# is closed natively proves nothing under cocoon). Not a pass, not a fail.
not_applicable() {
  echo "$*" | tr '\n' ' ' >"$T/na"
  echo "not applicable: $*"
  exit 0
}

# run_limited SECONDS CMD...: runs CMD under reaper (a child subreaper that
# reports whatever is left behind) with a watchdog; sets OUT, ERR, STATUS
# (128+N for signal N) and fails on a timeout or on leftovers. busybox
# timeout cannot tell its own kill from a command's SIGTERM, hence the
# watchdog that leaves a file.
run_limited() {
  local limit=$1 pid wd
  shift
  LAST_CMD="$*"
  : >"$T/leftovers"
  rm -f "$T/timedout"
  "$GUESTS/reaper" -r "$T/leftovers" -- "$@" >"$T/out" 2>"$T/err" <"${STDIN_FILE:-/dev/null}" &
  pid=$!
  (
    sleep "$limit"
    : >"$T/timedout"
    kill -KILL "$pid"
  ) >/dev/null 2>&1 &
  wd=$!
  wait "$pid"
  STATUS=$?
  kill "$wd" 2>/dev/null
  wait "$wd" 2>/dev/null
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
  [ -e "$T/timedout" ] && fail "timed out after ${limit}s"
  [ -s "$T/leftovers" ] && fail "processes left behind: $(cat "$T/leftovers")"
  return 0
}

run_native() { run_limited "$LIMIT" "$@"; }

# cocoon_run [OPTIONS] -- CMD...: cocoon run in this mode, behind $PREFIX
# (e.g. $AS_NOBODY) when set.
cocoon_run() {
  # shellcheck disable=SC2086  # PREFIX and MODE_FLAGS are word lists
  run_limited "$LIMIT" $PREFIX "$COCOON" run $MODE_FLAGS "$@"
}

assert_eq() {  # EXPECTED ACTUAL WHAT
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_status() {  # EXPECTED WHAT
  [ "$STATUS" = "$1" ] || fail "$2: expected status $1, got $STATUS"
}

# A regular expression (grep -E) on the whole output, newlines included.
assert_match() {  # ERE TEXT WHAT
  printf '%s' "$2" | tr '\n' '\001' | grep -Eq "$1" || fail "$3: '$2' does not match /$1/"
}

# One line "cocoon: ...REGEX..." on stderr and nothing else there.
assert_cocoon_message() {  # ERE WHAT
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '')
  [ "$lines" = 1 ] || fail "$2: expected one line on stderr, got $lines: '$ERR'"
  printf '%s' "$ERR" | grep -Eq "^cocoon: .*$1" || fail "$2: stderr '$ERR' is not 'cocoon: ...$1...'"
}

# Runs a shell snippet natively and under cocoon (both behind $PREFIX):
# stdout and status must agree, and the status be WANT (default 0).
same_as_native() {  # SCRIPT [WANT]
  local want=${2:-0} nout nst
  # shellcheck disable=SC2086
  run_native $PREFIX sh -c "$1"
  nout=$OUT
  nst=$STATUS
  [ "$nst" = "$want" ] || fail "natively exits $nst, expected $want (test bug?)"
  cocoon_run -- sh -c "$1"
  [ "$STATUS" = "$nst" ] || fail "status $STATUS under cocoon, $nst natively"
  [ "$OUT" = "$nout" ] || fail "output differs from native: native '$nout', cocoon '$OUT'"
  [ -n "$OUT" ] || fail "no output at all (test bug?)"
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
  local deadline=$(($(now_ms) + 1000 * $1))
  shift
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

. /cocoon/cases.sh
. /cocoon/adversarial.sh

# The loopback the adversarial loopback probe's host side listens on.
ip link set lo up
say "start arch=$ARCH kernel=$(uname -r) busybox=$(busybox 2>&1 | head -1 | cut -d' ' -f2) uptime_ms=$(now_ms)"
for MODE in seccomp noseccomp; do
  MODE_FLAGS=""
  [ "$MODE" = noseccomp ] && MODE_FLAGS="--no-seccomp"
  PREFIX=""
  mode_cases
  adversarial_cases
done
MODE=common
MODE_FLAGS=""
PREFIX=""
common_cases
say "done pass=$NPASS fail=$NFAIL n/a=$NNA"

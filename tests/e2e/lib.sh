# Shared helpers of the end-to-end tests. A test script starts with
#   source "$(dirname "$0")/lib.sh" "$@"
# and is run as: bash SCRIPT COCOON MODE GUESTS
#   COCOON  the cocoon binary
#   MODE    seccomp (the default filter) or noseccomp (cocoon run --no-seccomp)
#   GUESTS  the directory of the compiled guests (tests/guests), which also
#           holds `reaper`, the harness that checks nothing is left behind.
#
# Every command runs under `timeout` (no test can hang) and under `reaper`
# (a child subreaper: whatever cocoon leaves behind, a process or a zombie,
# is reparented to it, reported, and fails the check). Each script prints one
# line per check and exits non-zero at the first failure.
set -uo pipefail

if (($# < 3)); then
  echo "usage: bash $0 COCOON seccomp|noseccomp|agent GUESTS_DIR" >&2
  exit 2
fi
COCOON=$(realpath "$1")
MODE=$2
GUESTS=$(realpath "$3")
case $MODE in
  seccomp) MODE_FLAGS=() ;;
  # The front ends without a --no-seccomp of their own (fakeroot, bwrap)
  # take it from the environment; PRoot's from PROOT_NO_SECCOMP where a
  # test sets it.
  noseccomp) MODE_FLAGS=(--no-seccomp); export COCOON_NO_SECCOMP=1 ;;
  # The filter, with the in-guest agent wherever a run can have it
  # (identity-only runs; docs/agent.md): the identity scripts again, every
  # answer the agent gives checked as the tracer's are.
  agent) MODE_FLAGS=(); export COCOON_AGENT=1 ;;
  *) echo "unknown mode '$MODE' (seccomp, noseccomp or agent)" >&2; exit 2 ;;
esac
[[ -x $COCOON ]] || { echo "FAIL: no cocoon binary at $COCOON" >&2; exit 1; }
[[ -x $GUESTS/reaper ]] || { echo "FAIL: no guests in $GUESTS" >&2; exit 1; }

TEST_NAME=$(basename "$0" .sh).$MODE
# A private directory (world-readable: unprivileged guests run some tests)
# and a marker unique to this run, put in the arguments of every long-lived
# process a test starts (sleep 600.$MARK), so leftovers can be found by name.
TMP=$(mktemp -d "/tmp/cocoon-e2e-$TEST_NAME.XXXXXX")
chmod 755 "$TMP"
MARK="31415$$$RANDOM"
SLEEP_ARG="600.$MARK"
# The default time limit of one command, in seconds.
LIMIT=${LIMIT:-40}
# setpriv prefix that runs cocoon as an unprivileged user (nobody), and the
# uid the guest then has. Run by a non-root user, the suite is unprivileged
# already: no prefix.
if [[ $(id -u) == 0 ]]; then
  AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  NOBODY_UID=65534
else
  AS_NOBODY=()
  NOBODY_UID=$(id -u)
fi
BG_PIDS=()
NCHECKS=0

cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  pkill -KILL -f "$MARK" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL $TEST_NAME: $*"
  if [[ -n ${OUT+x} ]]; then
    echo "  last command: ${LAST_CMD:-?}"
    echo "  status: ${STATUS:-?}"
    echo "  stdout: $(head -c 2000 "$TMP/out" 2>/dev/null)"
    echo "  stderr: $(head -c 2000 "$TMP/err" 2>/dev/null)"
  fi
  exit 1
}

pass() {
  NCHECKS=$((NCHECKS + 1))
  echo "ok   $TEST_NAME: $*"
}

# run_limited SECONDS CMD...: runs CMD under timeout and reaper; sets OUT,
# ERR, STATUS (the command's exit status, 128+N for signal N) and fails the
# test if it timed out or left anything behind (the reaper kills what is
# left; LEFTOVERS_OK=1 for a run of a peer tool known to leave something).
run_limited() {
  local limit=$1
  shift
  LAST_CMD="$*"
  : >"$TMP/leftovers"
  timeout -k 5 "$limit" "$GUESTS/reaper" -r "$TMP/leftovers" -- "$@" \
    >"$TMP/out" 2>"$TMP/err" <"${STDIN_FILE:-/dev/null}"
  STATUS=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
  if ((STATUS == 124)); then fail "timed out after ${limit}s"; fi
  if [[ -s $TMP/leftovers && -z ${LEFTOVERS_OK:-} ]]; then
    fail "processes left behind: $(cat "$TMP/leftovers")"
  fi
}

# busybox_root DIR APPLET...: a guest root holding the static busybox in
# DIR/bin with a link per applet named.
busybox_root() {
  local dir=$1 bb
  shift
  bb=$(command -v busybox) || fail "busybox-static is not installed"
  mkdir -p "$dir/bin" "$dir/etc"
  cp "$bb" "$dir/bin/busybox"
  for a in "$@"; do ln -s busybox "$dir/bin/$a"; done
}

# run_native CMD...: the same command without cocoon, for comparison.
run_native() { run_limited "$LIMIT" "$@"; }

# cocoon_run [COCOON RUN OPTIONS...] -- CMD...: cocoon run in this script's
# mode. Set RUN_PREFIX=("${AS_NOBODY[@]}") to run cocoon unprivileged.
cocoon_run() {
  run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" "$@"
}

# Runs a shell snippet under cocoon and natively (both behind RUN_PREFIX,
# e.g. as the same unprivileged user); fails unless stdout and status agree.
# Checks the status is STATUS (default 0) too.
same_as_native() {
  local what=$1 script=$2 want=${3:-0}
  run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "$script"
  local nout=$OUT nst=$STATUS
  [[ $nst == "$want" ]] || fail "$what: natively exits $nst, expected $want (test bug?)"
  cocoon_run -- sh -c "$script"
  [[ $STATUS == "$nst" ]] || fail "$what: status $STATUS under cocoon, $nst natively"
  [[ $OUT == "$nout" ]] || fail "$what: output differs from native:
--- native
$nout
--- cocoon
$OUT"
  [[ -n $OUT ]] || fail "$what: no output at all (test bug?)"
  pass "$what: same output and status ($nst) as native"
}

# The guest really runs under cocoon in this mode: traced (TracerPid is not
# 0), with a seccomp filter (Seccomp: 2) or without one (--no-seccomp: 0).
# So a "cocoon" that merely ran the command could not pass a script.
assert_traced() {
  local want_seccomp=2
  [[ $MODE == noseccomp ]] && want_seccomp=0
  cocoon_run -- grep -E '^(TracerPid|Seccomp):' /proc/self/status
  local tracer seccomp
  tracer=$(awk '/^TracerPid:/ {print $2}' <<<"$OUT")
  seccomp=$(awk '/^Seccomp:/ {print $2}' <<<"$OUT")
  [[ -n $tracer && $tracer != 0 ]] || fail "the guest is not traced: $OUT"
  [[ $seccomp == "$want_seccomp" ]] || fail "the guest's Seccomp mode is '$seccomp', expected $want_seccomp in mode $MODE"
  pass "the guest is traced (TracerPid $tracer), Seccomp: $seccomp"
}

assert_eq() {  # EXPECTED ACTUAL WHAT
  [[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
  pass "$3"
}

assert_status() {  # EXPECTED WHAT
  [[ $STATUS == "$1" ]] || fail "$2: expected status $1, got $STATUS"
  pass "$2 (status $1)"
}

assert_match() {  # REGEX TEXT WHAT
  [[ $2 =~ $1 ]] || fail "$3: '$2' does not match /$1/"
  pass "$3"
}

# A one-line "cocoon: ..." message on stderr, and nothing else there.
assert_cocoon_message() {  # REGEX WHAT
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '')
  [[ $lines == 1 ]] || fail "$2: expected one line on stderr, got $lines: '$ERR'"
  [[ $ERR =~ ^cocoon:\ .*$1 ]] || fail "$2: stderr '$ERR' is not 'cocoon: ...$1...'"
  pass "$2: '$ERR'"
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The end of every script: nothing carrying this run's marker may remain.
finish() {
  sleep 0.1
  local left
  left=$(pgrep -af "$MARK")
  [[ -z $left ]] || fail "processes with marker $MARK remain: $left"
  pass "no process left with marker $MARK ($NCHECKS checks)"
  exit 0
}

# One line per process of an strace -f log: its calls' names, signals and
# end, in order; the lines sorted, so that neither pids nor the order in
# which processes interleave matter. SIGCHLD (and its handler's
# rt_sigreturn) is counted, not placed: whether a child's exit comes
# before its parent's wait4 or during it is a race, natively too, which a
# traced parent, slower, loses more often.
strace_per_process() {
  awk '{
    pid = $1; rest = $0; sub(/^[0-9]+ +/, "", rest)
    if (rest ~ /^<\.\.\. /) next  # the second half of an interrupted line
    if (rest ~ /^\+\+\+/) { seq[pid] = seq[pid] " | " rest; next }
    if (rest ~ /^--- SIGCHLD/) { chld[pid]++; handler[pid] = 1; next }
    if (rest ~ /^---/) { split(rest, a, " "); seq[pid] = seq[pid] " " a[2]; next }
    if (handler[pid] && rest ~ /^rt_sigreturn\(/) { handler[pid] = 0; next }
    if (match(rest, /^[a-z_0-9]+\(/)) seq[pid] = seq[pid] " " substr(rest, 1, RLENGTH - 1)
  } END { for (p in seq) print seq[p] " | SIGCHLD x" chld[p] + 0 }' "$1" | sort
}

# strace_same_as_native WHAT WHERE [COCOON-RUN-OPTIONS...] -- COMMAND...:
# `$STRACE -f` (and the options in the array STRACE_FLAGS, if set) of
# COMMAND natively and under cocoon run with the options, both as nobody
# when the test runs as root; fails unless the status and every process's
# calls (strace_per_process) agree. Logs in $TMP/logs.
strace_same_as_native() {
  local what="$1 ($2)"
  shift 2
  local opts=()
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  mkdir -p "$TMP/logs"
  rm -f "$TMP/logs/native" "$TMP/logs/cocoon"
  local flags=(${STRACE_FLAGS[@]+"${STRACE_FLAGS[@]}"})
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$STRACE" -f ${flags[@]+"${flags[@]}"} -o "$TMP/logs/native" "$@"
  local native_status=$STATUS
  [[ -s $TMP/logs/native ]] || fail "strace -f writes no log natively ($STATUS): $ERR"
  cocoon_run ${opts[@]+"${opts[@]}"} -- "$STRACE" -f ${flags[@]+"${flags[@]}"} -o "$TMP/logs/cocoon" "$@"
  assert_status "$native_status" "strace -f $what exits with its command's status"
  local native cocoon
  native=$(strace_per_process "$TMP/logs/native")
  cocoon=$(strace_per_process "$TMP/logs/cocoon")
  [[ $native == "$cocoon" ]] || fail "strace -f $what: the processes' calls differ from native:
$(diff <(echo "$native") <(echo "$cocoon") | head -40)"
  pass "strace -f $what: each process's syscalls, signals and exit as native ($(wc -l <<<"$native") processes)"
}

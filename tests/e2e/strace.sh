# Debian's strace -f inside a guest (docs/internals/ptrace.md): it seizes
# its command (PTRACE_SEIZE, INTERRUPT, LISTEN), reads each call with
# PTRACE_GET_SYSCALL_INFO and follows forks and vforks (auto-attached
# children) to their exit events and deaths. Each process's sequence of
# syscall names, signals and exit under cocoon must be the native one (pids
# and arguments aside), and strace must exit with its command's status.
# Both as nobody, as a developer runs strace.
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v strace >/dev/null || { echo "SKIP $TEST_NAME: strace is not installed"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "SKIP $TEST_NAME: ptrace is emulated on x86-64 only"; exit 77; }
STRACE=$(command -v strace)
mkdir -m 777 "$TMP/logs"

# One line per process of an strace -f log: its calls' names, signals and
# end, in order; the lines sorted, so that neither pids nor the order in
# which processes interleave matter. SIGCHLD (and its handler's
# rt_sigreturn) is counted, not placed: whether a child's exit comes
# before its parent's wait4 or during it is a race, natively too, which a
# traced parent, slower, loses more often.
per_process() {
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

compare() {  # WHAT COMMAND... : strace -f of COMMAND natively and under cocoon
  local what=$1
  shift
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$STRACE" -f -o "$TMP/logs/native" "$@"
  local native_status=$STATUS
  [[ -s $TMP/logs/native ]] || fail "strace -f writes no log natively ($STATUS): $ERR"
  cocoon_run -- "$STRACE" -f -o "$TMP/logs/cocoon" "$@"
  assert_status "$native_status" "strace -f $what exits with its command's status under cocoon"
  local native cocoon
  native=$(per_process "$TMP/logs/native")
  cocoon=$(per_process "$TMP/logs/cocoon")
  [[ $native == "$cocoon" ]] || fail "strace -f $what: the processes' calls differ from native:
$(diff <(echo "$native") <(echo "$cocoon") | head -40)"
  pass "strace -f $what: each process's syscalls, signals and exit as native ($(wc -l <<<"$native") processes)"
}

compare "sh -c 'true; ls /'" sh -c 'true; ls / >/dev/null; exit 3'
# A fork (a subshell) besides dash's vfork, and a process killed by a signal.
compare "of a subshell and a killed child" sh -c '(exit 4); sh -c "kill -TERM \$\$"; exit 0'
assert_match '\+\+\+ killed by SIGTERM \+\+\+' "$(cat "$TMP/logs/cocoon")" "strace -f sees the child's death by a signal"

finish

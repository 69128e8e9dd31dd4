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

# strace -f natively and under cocoon, per process (strace_same_as_native,
# lib.sh).
compare() { strace_same_as_native "$1" "under cocoon" -- "${@:2}"; }

compare "sh -c 'true; ls /'" sh -c 'true; ls / >/dev/null; exit 3'
# A fork (a subshell) besides dash's vfork, and a process killed by a signal.
compare "of a subshell and a killed child" sh -c '(exit 4); sh -c "kill -TERM \$\$"; exit 0'
assert_match '\+\+\+ killed by SIGTERM \+\+\+' "$(cat "$TMP/logs/cocoon")" "strace -f sees the child's death by a signal"

# --seccomp-bpf: strace's filter on the guest asks for the traced calls'
# stops (PTRACE_O_TRACESECCOMP, docs/internals/ptrace.md); it filters only
# with -e trace= (else every call is traced, and strace says so). The
# option is emulated in both modes: with cocoon's filter the kernel's
# seccomp stops are kept, without it (--no-seccomp) cocoon runs strace's
# filter itself at each call's entry. strace uses it (no fallback
# warning), and the calls shown are native's. Under -0 with cocoon's
# filter the identity calls are notified, and USER_NOTIF outranks strace's
# TRACE: cocoon runs strace's filter itself at each entry of its tracees
# (Tracee::judge_entries) and makes those stops (before, the option was
# refused and strace fell back to PTRACE_SYSCALL, saying so); without
# cocoon's filter -0 notifies nothing, and strace's filter works.
filter_used() {
  [[ ${ERR,,} != *"seccomp filter"* ]] || fail "$1: strace did not use its filter: $ERR"
  pass "$1: strace traces with its seccomp filter"
}
STRACE_FLAGS=(--seccomp-bpf -e trace=%process,%file)
compare "--seccomp-bpf, processes and files, of sh -c 'ls /'" sh -c 'true; ls / >/dev/null; exit 3'
filter_used "--seccomp-bpf -e trace=%process,%file"
STRACE_FLAGS=(--seccomp-bpf -e trace=%process,%signal)
compare "--seccomp-bpf, processes and signals, of a subshell and a killed child" \
  sh -c '(exit 4); sh -c "kill -TERM \$\$"; exit 0'
filter_used "--seccomp-bpf -e trace=%process,%signal"
strace_same_as_native "--seccomp-bpf of sh -c 'ls /'" "--unshare-pid" --unshare-pid -- \
  sh -c 'true; ls / >/dev/null; exit 3'
filter_used "--seccomp-bpf under --unshare-pid"
# -0: the identity calls are cocoon's (getuid answers 0), strace's filter
# traces them.
STRACE_FLAGS=(--seccomp-bpf -e trace=%process,%creds,stat,newfstatat)
strace_same_as_native "--seccomp-bpf of id and stat" "-0" -0 -- \
  sh -c 'stat / >/dev/null; id -u >/dev/null; exit 2'
filter_used "--seccomp-bpf under -0"
assert_match 'newfstatat\(' "$(cat "$TMP/logs/cocoon")" "--seccomp-bpf under -0 shows the notified stat calls"
unset STRACE_FLAGS

# Ctrl-C of `strace -p` of an idle process: strace's wait is held by the
# emulation (nothing to report), and SIGINT must end it at once, as
# natively (strace detaches and exits 130). Before, it ended only when the
# process did something: here at its exit, 30 s later (so the process no
# longer sleeps when strace returns).
# shellcheck disable=SC2016
idle_attach='f=$(mktemp); sleep 30 & s=$!; strace -p $s 2>"$f" & t=$!
until grep -q attached "$f"; do sleep 0.1; done
kill -INT $t; wait $t; echo "strace: $?"
kill $s && echo "the process still sleeps"
grep -o -e "Process [0-9]* detached" -e "Process [0-9]* attached" "$f" | sed "s/[0-9][0-9]*/PID/"; rm -f "$f"'
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} sh -c "$idle_attach"
assert_eq "strace: 130
the process still sleeps
Process PID attached
Process PID detached" "$OUT" "natively Ctrl-C of strace -p of a sleeping process detaches and exits 130"
for mode_opts in "" "-0"; do
  read -r -a OPTS <<<"$mode_opts"
  cocoon_run ${OPTS[@]+"${OPTS[@]}"} -- sh -c "$idle_attach"
  assert_status 0 "strace -p and Ctrl-C ${mode_opts:-(plain)}"
  assert_eq "strace: 130
the process still sleeps
Process PID attached
Process PID detached" "$OUT" "${mode_opts:-plain run}: Ctrl-C of strace -p of a sleeping process ends it at once, as natively"
done

finish

# TracerPid in /proc/PID/status (docs/internals/ptrace.md, "TracerPid"):
# every guest task's real tracer is cocoon, which a guest must not see. A
# guest reading its own status shows 0 when nothing inside traces it, and
# its emulated tracer (strace -f inside) in its own PID namespace's numbers
# when something does, as natively. As nobody, in the runs whose view
# rewrites /proc/PID/status (a plain run does not trace opens: the limit
# the page gives).
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v strace >/dev/null || { echo "SKIP $TEST_NAME: strace is not installed"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "SKIP $TEST_NAME: ptrace is emulated on x86-64 only"; exit 77; }
SCOPE=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
((SCOPE < 3)) || { echo "SKIP $TEST_NAME: Yama's ptrace_scope is 3 (no ptrace at all)"; exit 77; }
STRACE=$(command -v strace)

# untraced: the line as it is (0 natively). traced: a shell run by strace -f
# reads the TracerPid of a command substitution's process (traced too), which
# must be strace's pid: the shell's parent.
UNTRACED='grep "^TracerPid:" /proc/self/status'
TRACED='t=$(awk "/^TracerPid:/ {print \$2}" /proc/self/status)
if [ "$t" = "$PPID" ]; then echo "traced by strace, its parent"; else echo "TracerPid $t, strace is $PPID"; fi'

for opts in "--hostname box" "--unshare-pid"; do
  read -r -a OPTS <<<"$opts"
  run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "$UNTRACED"
  native=$OUT
  assert_eq "TracerPid:	0" "$native" "natively an untraced process's TracerPid is 0 (test's premise)"
  cocoon_run "${OPTS[@]}" -- sh -c "$UNTRACED"
  assert_eq "$native" "$OUT" "$opts: an untraced guest reads TracerPid 0, as natively (not cocoon's pid)"

  run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$STRACE" -f -o /dev/null sh -c "$TRACED"
  native=$OUT
  assert_eq "traced by strace, its parent" "$native" "natively strace -f's tracee reads strace's pid (test's premise)"
  cocoon_run "${OPTS[@]}" -- "$STRACE" -f -o /dev/null sh -c "$TRACED"
  assert_eq "$native" "$OUT" "$opts: under strace -f inside, a guest reads strace's pid as TracerPid"
  assert_status 0 "$opts: strace -f exits 0"
done

finish

# A guest's own ptrace, emulated (docs/architecture.md, "ptrace inside a
# guest"): a small debugger guest (tests/guests/ptracer.c) traces its child
# with PTRACE_TRACEME and PTRACE_SYSCALL, reads and changes its registers
# and memory, delivers and suppresses its signals, and waits for it. What it
# prints under cocoon must be what it prints natively. Run unprivileged, as
# a debugger is: both as nobody.
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
[[ -x $GUESTS/ptracer ]] || { echo "SKIP $TEST_NAME: no ptracer guest (x86-64 only)"; exit 77; }

run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/ptracer"
[[ $STATUS == 0 ]] || fail "the ptracer guest fails natively ($STATUS): $ERR"
native=$OUT
# The run is a test of the test: natively it sees what it should.
assert_match "stage1: getppid -> 4242" "$native" "natively SETREGS changes a result"
assert_match "Hello from the tracee" "$native" "natively POKEDATA changes the tracee's buffer"

cocoon_run -- "$GUESTS/ptracer"
assert_status 0 "the ptracer guest under cocoon"
[[ $OUT == "$native" ]] || fail "the tracer's view differs from native:
--- native
$native
--- cocoon
$OUT"
pass "TRACEME, exec's SIGTRAP, PEEKUSER/GETREGS/GETREGSET, SETOPTIONS, WNOHANG, PTRACE_SYSCALL stops, PEEK/POKEDATA, SETREGS, signal-delivery stops (delivered, suppressed), the exec event and GETEVENTMSG, the exit: same as native"

# The stage2 calls the tracer counted are the tracee's own: a syscall list,
# not an empty one.
assert_match "stage2 entry: [0-9]+" "$OUT" "syscall-entry stops name the tracee's calls"

# A tracer as strace -f is one (tests/guests/seizer.c): PTRACE_SEIZE of a
# child that stopped itself, INTERRUPT, SIGCONT, LISTEN at its group-stop,
# PTRACE_GET_SYSCALL_INFO at each syscall stop, the fork event and the
# grandchild auto-attached (PTRACE_EVENT_STOP), both exit events and
# deaths, and the attach rules' refusals.
[[ -x $GUESTS/seizer ]] || fail "no seizer guest beside ptracer"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/seizer"
[[ $STATUS == 0 ]] || fail "the seizer guest fails natively ($STATUS): $ERR"
seize_native=$OUT
assert_match "fork event" "$seize_native" "natively the seizer sees its child's fork"
cocoon_run -- "$GUESTS/seizer"
assert_status 0 "the seizer guest under cocoon"
assert_eq "$seize_native" "$OUT" "SEIZE, INTERRUPT, LISTEN, GET_SYSCALL_INFO, fork and exit events, auto-attach, deaths: same as native"

# Attaching across user namespaces (tests/guests/userns_attach.c): a guest
# inside a user namespace of its own holds every capability there, none
# over the rest of the run; the namespace's owner outside it may attach to
# its tasks. The capability module's rule, read by the emulated attach as
# by the kernel (the old one counted CapEff in any namespace: "ok" for the
# first line). Where the kernel refuses the user a namespace, nothing to
# compare: said, not passed.
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/userns_attach"
if [[ $STATUS == 77 ]]; then
  echo "note: no user namespaces for nobody on this kernel ($OUT): attach across namespaces not compared" >&2
else
  [[ $STATUS == 0 ]] || fail "userns_attach fails natively ($STATUS): $OUT $ERR"
  userns_native=$OUT
  assert_match "a task outside it: EPERM" "$userns_native" "natively, a task of a namespace of its own attaches to nothing outside it"
  cocoon_run -- "$GUESTS/userns_attach"
  assert_status 0 "userns_attach under cocoon"
  assert_eq "$userns_native" "$OUT" "PTRACE_SEIZE across user namespaces: as natively"
fi

# Tasks the kernel itself made not dumpable (tests/guests/attach_real.c):
# a task that dropped root without an exec is out of a sibling's reach (as
# root, where the drop is real; the old check read the owner of /proc/PID,
# which keeps the euid, and let it through), and one run from an
# execute-only copy (as nobody: cocoon cannot read its /proc/PID/ns) still
# seizes its own child.
run_native "$GUESTS/attach_real" drop
assert_eq "nobody seizes a task that dropped root without an exec: EPERM" "$OUT" "natively, a dropped root task is out of reach"
RUN_PREFIX=()
cocoon_run -- "$GUESTS/attach_real" drop
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
assert_eq "nobody seizes a task that dropped root without an exec: EPERM" "$OUT" "a task that dropped root without an exec: out of reach as natively"
mkdir -m 755 "$TMP/xonly"
cp "$GUESTS/attach_real" "$TMP/xonly/attach_real" && chmod 0711 "$TMP/xonly/attach_real"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$TMP/xonly/attach_real" child
assert_eq "a task not dumpable seizes its own child: ok" "$OUT" "natively, an execute-only program seizes its child"
cocoon_run -- "$TMP/xonly/attach_real" child
assert_eq "a task not dumpable seizes its own child: ok" "$OUT" "an execute-only program (not dumpable) seizes its child as natively"

# The tracer the qemu cases run on every arch (tests/guests/archtracer.c):
# TRACEME, single-steps up to and over a syscall (TRAP_TRACE each, then
# TRAP_BRKPT on x86), syscall stops through GET_SYSCALL_INFO, NT_PRSTATUS
# through GETREGSET.
[[ -x $GUESTS/archtracer ]] || fail "no archtracer guest"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/archtracer"
[[ $STATUS == 0 ]] || fail "the archtracer guest fails natively ($STATUS): $ERR"
arch_native=$OUT
assert_match "then a step stopped by .*ip as GET_SYSCALL_INFO's, sp as GET_SYSCALL_INFO's" "$arch_native" \
  "natively a step goes over a syscall and NT_PRSTATUS holds the stop's ip and sp"
cocoon_run -- "$GUESTS/archtracer"
assert_status 0 "the archtracer guest under cocoon"
assert_eq "$arch_native" "$OUT" "archtracer: steps, syscall stops, NT_PRSTATUS: same as native"

# PTRACE_INTERRUPT of a task fresh from its fork (tests/guests/forkintr.c),
# before cocoon saw its first stop: the kernel makes one trap of that first
# stop and the interrupt, which the tracer waits for. "seize": a child
# seized and interrupted at once (as cocoon's own ptrace probe did, which
# hung a cocoon run inside cocoon run); "fork": an auto-attached grandchild
# interrupted right after its parent's fork event (INTERRUPT was ESRCH
# there). 30 rounds each: the race is between the new task's first trap
# and the tracer's request; a lost trap hangs the guest until the limit.
[[ -x $GUESTS/forkintr ]] || fail "no forkintr guest beside ptracer"
for case in seize fork; do
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/forkintr" $case 30
  [[ $STATUS == 0 ]] || fail "the forkintr guest ($case) fails natively ($STATUS): $OUT $ERR"
  intr_native=$OUT
  assert_match "(30 of 30 new children stopped|-> 0 30 times, it stopped 30 times)" "$intr_native" \
    "natively every interrupted new task stops ($case)"
  for opts in "" "--unshare-pid"; do
    read -r -a OPTS <<<"$opts"
    cocoon_run ${OPTS[@]+"${OPTS[@]}"} -- "$GUESTS/forkintr" $case 30
    assert_status 0 "the forkintr guest ($case) ${opts:-(plain)}"
    assert_eq "$intr_native" "$OUT" "${opts:-plain run}: PTRACE_INTERRUPT of a new task ($case) stops it as natively"
  done
done

# A tracer's blocking wait that the emulation holds (nothing to report:
# the seized task sleeps) ends as the kernel ends it when a signal comes
# (tests/guests/waitintr.c): EINTR after a handler without SA_RESTART,
# restarted with one, not ended while the signal is blocked or ignored;
# for a child and for a sibling (strace -p's case: the kernel's own wait
# finds no child there), by wait4 and by waitid. Before, the wait ended
# only at the tracee's exit.
[[ -x $GUESTS/waitintr ]] || fail "no waitintr guest"
# waitintr_run CMD...: status 75 says the signal came before the wait
# began (a loaded machine: the run proves nothing), so it runs again, at
# most three times.
waitintr_run() {
  local try
  for try in 1 2 3; do
    "$@"
    [[ $STATUS == 75 ]] || return 0
    echo "     (waitintr: the signal came before the wait began; again)"
  done
}
for case in "child eintr wait4" "child eintr waitid" "other eintr wait4" "other eintr waitid" \
            "child restart wait4" "other restart waitid" "child blocked wait4" "other ignored wait4"; do
  read -r -a ARGS <<<"$case"
  waitintr_run run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/waitintr" "${ARGS[@]}"
  [[ $STATUS == 0 ]] || fail "the waitintr guest ($case) fails natively ($STATUS): $OUT $ERR"
  wait_native=$OUT
  case $case in
    *eintr*) assert_match "wait 1: wait[a-z0-9]* -1 Interrupted system call, handler ran 1" "$wait_native" \
               "natively the signal ends the wait ($case)" ;;
    *) assert_match "wait 1: wait[a-z0-9]* (the tracee \(1\): exited 7|0 \(code 1 status 7)" "$wait_native" \
         "natively the wait ends with the tracee's exit ($case)" ;;
  esac
  for opts in "" "--unshare-pid" "-0"; do
    # The restart once more where a pid is translated, and under -0.
    [[ -n $opts && $case != *eintr* && $case != "child restart wait4" ]] && continue
    read -r -a OPTS <<<"$opts"
    waitintr_run cocoon_run ${OPTS[@]+"${OPTS[@]}"} -- "$GUESTS/waitintr" "${ARGS[@]}"
    assert_status 0 "the waitintr guest ($case) ${opts:-(plain)}"
    assert_eq "$wait_native" "$OUT" "${opts:-plain run}: a held wait and a signal ($case) as natively"
  done
done

# In a PID namespace (--unshare-pid) every pid the tracers learn is the
# namespace's: wait4's and waitid's, the seizer's fork event's new pid
# (by which it tells its grandchild's stops from its child's) and the exec
# event's; their pid arguments are translated back, and the guest's own
# register still holds its number after the call.
cocoon_run --unshare-pid -- "$GUESTS/seizer"
assert_status 0 "the seizer guest in a PID namespace"
assert_eq "$seize_native" "$OUT" "in a PID namespace: the seizer's view is the same as native"
cocoon_run --unshare-pid -- "$GUESTS/ptracer"
assert_status 0 "the ptracer guest in a PID namespace"
assert_eq "$native" "$OUT" "in a PID namespace: the ptracer's view (exec event's GETEVENTMSG included, a raw ptrace's pid register kept after cocoon answered it) is the same as native"
cocoon_run --unshare-pid -- "$GUESTS/ptracer" waitid
assert_status 0 "the ptracer guest with waitid in a PID namespace"
assert_eq "$native" "$OUT" "in a PID namespace: waitid's si_pid is the tracee's number (same as native wait4)"

# PTRACE_KILL of the tracer's own dead child before its wait reaped it
# answers 0, as natively (the zombie is still its tracee: gdb kills so);
# PTRACE_CONT of it, and PTRACE_KILL once reaped, are ESRCH.
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/ptracer" zombie
zombie_native=$OUT
assert_match "PTRACE_KILL of the dead child -> 0" "$zombie_native" "natively PTRACE_KILL of a dead, unreaped tracee is 0"
cocoon_run -- "$GUESTS/ptracer" zombie
assert_status 0 "the ptracer guest killing its tracee"
assert_eq "$zombie_native" "$OUT" "PTRACE_KILL of the dead, unreaped tracee: 0, then ESRCH once reaped (same as native)"
cocoon_run --unshare-pid -- "$GUESTS/ptracer" zombie
assert_eq "$zombie_native" "$OUT" "the same in a PID namespace"

# The child asks PTRACE_TRACEME while its parent is already blocked in the
# kernel's waitpid: the wait must still see the stops.
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/ptracer" late
late_native=$OUT
cocoon_run -- "$GUESTS/ptracer" late
assert_status 0 "the ptracer guest, TRACEME after the parent's wait began"
assert_eq "$late_native" "$OUT" "a wait begun before PTRACE_TRACEME sees the tracee's stops (same as native)"

# In a guest root, where cocoon rewrites the tracee's paths: the tracer
# still reads the path the tracee gave, at the syscall-entry stop and at
# the exit stop (openat entry/exit: path /nonexistent/ptrace-probe).
mkdir -p "$TMP/root"
cp "$GUESTS/ptracer" "$TMP/root/"
chmod -R 755 "$TMP/root"
cocoon_run -r "$TMP/root" --proc /proc -- /ptracer
assert_status 0 "the ptracer guest in a guest root"
assert_eq "$native" "$OUT" "in a guest root the tracer sees the guest's own paths and the same stops as native"

# The same tracer waiting with waitid(2): CLD_TRAPPED and the stop's signal.
cocoon_run -- "$GUESTS/ptracer" waitid
assert_status 0 "the ptracer guest with waitid"
assert_eq "$native" "$OUT" "waitid reports the same stops as wait4 (same as native wait4)"

# The tracer leaves under PTRACE_O_EXITKILL: its tracee dies with it (the
# reaper fails the test if it were left behind).
# (Natively without the reaper: the killed tracee's zombie goes to it.)
exitkill_native=$(timeout 20 ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/ptracer" exitkill)
cocoon_run -- "$GUESTS/ptracer" exitkill
assert_status 0 "the ptracer guest leaving under EXITKILL"
assert_eq "$exitkill_native" "$OUT" "EXITKILL: the tracee is killed when its tracer exits (same as native)"

# Outside the run, or cocoon itself, nothing is reachable through ptrace:
# the same errors as a non-tracee natively (ESRCH), and EPERM for an
# attach to a task outside the run (pid 1, not nobody's).
cocoon_run -- "$GUESTS/ptracer"
assert_match "PTRACE_CONT on a non-tracee -> -1 No such process" "$OUT" "ptrace of cocoon (the guest's parent) is ESRCH"
assert_match "PTRACE_ATTACH to pid 1 -> -1 Operation not permitted" "$OUT" "PTRACE_ATTACH to a task outside the run is EPERM"

# A guest that never traces runs its waits as it did.
cocoon_run -- sh -c 'sleep 0.1 & wait $!; echo waited $?; (exit 5); echo $?'
assert_eq $'waited 0\n5' "$OUT" "a plain wait is unchanged"

# A tracer of its child's own seccomp filter (tests/guests/secfilter.c), as
# strace --seccomp-bpf is one: PTRACE_O_TRACESECCOMP, PTRACE_EVENT_SECCOMP
# stops with the filter's data as GETEVENTMSG and GET_SYSCALL_INFO's
# ret_data, only for the calls its filter traces, a call followed to its
# exit stop and one skipped at the seccomp stop (number -1). Under
# --unshare-pid cocoon's own filter traces getppid too (both filters say
# TRACE: the guest's data wins, and cocoon still translates the result
# after the guest's tracer let the call go). Under -0 cocoon's filter sends
# getuid and newfstatat to its listener, and USER_NOTIF outranks the
# child's TRACE: cocoon runs the child's filter itself at each entry of a
# task whose tracer asked for TRACESECCOMP (Tracee::judge_entries), and
# makes those two stops (a skip and an exit stop among them). Without
# cocoon's filter cocoon runs the child's filter itself at each entry.
[[ -x $GUESTS/secfilter ]] || fail "no secfilter guest beside ptracer"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/secfilter"
[[ $STATUS == 0 ]] || fail "the secfilter guest fails natively ($STATUS): $ERR"
sec_native=$OUT
assert_match "seccomp stop of gettid: message 0x7, info op 3, ret_data 0x7" "$sec_native" \
  "natively the tracer sees its filter's data (test's premise)"
assert_match "child: gettid -> 4242" "$sec_native" "natively a call skipped at its seccomp stop returns the tracer's result"
assert_match "child: getuid -> 4343" "$sec_native" "natively getuid skipped at its seccomp stop"
for opts in "" "--unshare-pid" "-0" "-0 --unshare-pid"; do
  read -r -a OPTS <<<"$opts"
  cocoon_run ${OPTS[@]+"${OPTS[@]}"} -- "$GUESTS/secfilter"
  assert_status 0 "the secfilter guest ${opts:-(plain)}"
  assert_eq "$sec_native" "$OUT" "${opts:-plain run}: TRACESECCOMP, the seccomp stops and their data, an exit stop after one, a skip: same as native"
done

# The edges of the stops cocoon makes at judged entries under -0 (found by
# review; each failed before its fix): a skip followed by PTRACE_DETACH or
# by SETOPTIONS(0) keeps its result and leaves the next call alone; a
# running task seized with TRACESECCOMP gets its seccomp stops.
[[ -x $GUESTS/secjudge ]] || fail "no secjudge guest beside ptracer"
for what in detach unset seize; do
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/secjudge" "$what"
  [[ $STATUS == 0 ]] || fail "secjudge $what fails natively ($STATUS): $ERR"
  judge_native=$OUT
  for opts in "" "-0"; do
    cocoon_run $opts -- "$GUESTS/secjudge" "$what"
    assert_status 0 "secjudge $what ${opts:-(plain)}"
    assert_eq "$judge_native" "$OUT" "secjudge $what ${opts:-(plain)}: as native"
  done
done

# cocoon run inside cocoon run: the inner cocoon is the guest's tracer, in
# both of its modes. With the outer filter it seizes its command with
# PTRACE_O_TRACESECCOMP and its filter's stops (its RET_TRACE's data differs
# from the outer one's: own_trace_data()) are its own; without the outer
# filter the outer cocoon runs the inner one's filter itself
# (docs/internals/ptrace.md, "A guest's own seccomp filters"). Under an
# outer -0 (its identity calls notified) the outer cocoon judges the inner
# one's tasks' entries itself (Tracee::judge_entries): the inner one keeps
# its filter (before, the option was refused and it fell back to
# --no-seccomp). Either way its handlers answer its guest: its --hostname,
# its bind mount. Five rounds each (a nested run once hung 1 in 6 under
# load).
mkdir -m 755 "$TMP/nested" && echo "the inner bind" >"$TMP/nested/f" && chmod 644 "$TMP/nested/f"
# What the inner cocoon's probe finds: its doctor names the option only
# when the tracer above refuses it (an outer cocoon that cannot make a
# guest filter's stops: --no-seccomp, unless it evaluates guest filters).
for outer in "" "-0"; do
  cocoon_run $outer -- "$COCOON" doctor
  [[ $OUT != *"PTRACE_O_TRACESECCOMP"*refused* ]] ||
    fail "the outer cocoon ${outer:-(plain)} refuses PTRACE_O_TRACESECCOMP: $OUT"
done
for inner in "" "--no-seccomp"; do
  read -r -a INNER <<<"$inner"
  for round in 1 2 3 4 5; do
    cocoon_run -- "$COCOON" run ${INNER[@]+"${INNER[@]}"} --hostname inner -b "$TMP/nested:/mnt" \
      -- sh -c 'uname -n; cat /mnt/f'
    assert_status 0 "cocoon run ${inner:-(filtered)} inside cocoon run (round $round)"
    assert_eq $'inner\nthe inner bind' "$OUT" \
      "cocoon run ${inner:-(filtered)} inside cocoon run: the inner one's hostname and bind mount"
    [[ $ERR != *"without the seccomp filter"* ]] || fail "the inner cocoon dropped its filter needlessly: $ERR"
  done
done
# `cocoon trace` inside `cocoon run` (issue 17): the teaching view of the
# inner one shows its own emulation.
cocoon_run -- "$COCOON" trace --hostname inner -- uname -n
assert_status 0 "cocoon trace inside cocoon run"
assert_match '(^|\n)inner(\n|$)' "$OUT" "cocoon trace inside cocoon run: the command's output"
assert_match 'uname\(.*nodename="inner".*\[emulated: nodename "inner"' "$OUT$ERR" \
  "cocoon trace inside cocoon run: the decoded uname and what the inner cocoon did"
for round in 1 2 3; do
  cocoon_run -0 -- "$COCOON" run --hostname inner -b "$TMP/nested:/mnt" -- sh -c 'uname -n; id -u; cat /mnt/f'
  assert_status 0 "cocoon run inside cocoon run -0 (round $round)"
  assert_eq $'inner\n0\nthe inner bind' "$OUT" \
    "cocoon run inside cocoon run -0: the inner one's hostname and bind mount, the outer's fake root"
  [[ $ERR != *"without the seccomp filter"* ]] || fail "the inner cocoon under -0 dropped its filter: $ERR"
done

finish

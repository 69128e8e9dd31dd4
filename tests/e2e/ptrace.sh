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

# Outside the run, or cocoon itself, nothing is reachable through ptrace:
# the same errors as a non-tracee natively (ESRCH), and EPERM for requests
# the emulation does not implement (PTRACE_ATTACH).
cocoon_run -- "$GUESTS/ptracer"
assert_match "PTRACE_CONT on a non-tracee -> -1 No such process" "$OUT" "ptrace of cocoon (the guest's parent) is ESRCH"
assert_match "PTRACE_ATTACH to pid 1 -> -1 Operation not permitted" "$OUT" "PTRACE_ATTACH stays refused"

# A guest that never traces runs its waits as it did.
cocoon_run -- sh -c 'sleep 0.1 & wait $!; echo waited $?; (exit 5); echo $?'
assert_eq $'waited 0\n5' "$OUT" "a plain wait is unchanged"

finish

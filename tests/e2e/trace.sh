# The teaching view (issue 7): `cocoon trace`. A golden output for the
# lesson guest (pids, addresses and host-specific strings masked), the JSON
# stream parsed, -k showing main, --disasm showing the syscall instruction,
# the trace never in the guest's stdout, -e trace=%file, -c, --all, and -p
# attaching to a running process. The guest runs as nobody under -0, so a
# uid of 0 is cocoon's doing.
source "$(dirname "$0")/lib.sh" "$@"
GOLDEN=$(dirname "$0")/golden
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
LESSON=$GUESTS/lesson
W=$TMP/w
mkdir -m 755 "$W"
echo "hello lesson" >"$W/in.txt"
# Where nobody writes the traces.
O=$TMP/o
mkdir -m 777 "$O"
VIEW=(-0 --hostname box -b "$W:/data")
trace_run() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" trace "${MODE_FLAGS[@]}" "$@"; }
# What differs from machine to machine and run to run (an fd number too:
# ctest leaves a descriptor of its own open in the guest).
mask() {
  sed -e "s|\[pid [0-9]*\]|[pid PID]|g" -e "s|$W|\$W|g" -e "s|$LESSON|LESSON|g" \
    -e "s|release=\"[^\"]*\"|release=\"RELEASE\"|" -e "s|(real \"[^\"]*\")|(real \"HOST\")|" \
    -e "s|0x[0-9a-f]*|ADDR|g" -e "s|/\* [0-9]* vars \*/|/* N vars */|" \
    -e "s|^\(.*readlink(.*\)) = [0-9]*|\1) = LEN|" -e "s|^\(.*openat(.*\)) = [0-9]*|\1) = FD|"
}
WANT_OUT=$'uid 0\nnode box\nfile hello lesson'

# A learner's first trace configures nothing: every call is shown, after a
# line saying why (with nothing configured nothing would be intercepted).
trace_run -- /bin/true
assert_status 0 "cocoon trace -- /bin/true"
assert_match "^cocoon trace: no option changes this command's view" "$ERR" "a line says why every call is shown"
assert_match "execve\(\"/bin/true\".*brk\(" "$(tr '\n' ' ' <<<"$ERR")" "every call is shown, as --all"
# As strace, the first call shown is the command's execve: the launcher's
# own calls after cocoon's seize (its prctl) are cocoon's, not the guest's.
assert_match '^\[pid [0-9]+\] execve\("/bin/true"' "$(sed -n 2p <<<"$ERR")" "the first call shown is the execve"
trace_run --hostname h -- /bin/true
[[ $ERR != *"no option changes"* && $ERR != *"brk("* ]] || fail "with an option, only the intercepted calls: $ERR"
pass "with an option, only the intercepted calls and no such line"

# The golden line-by-line view, into a file: the guest's stdout is its own.
trace_run "${VIEW[@]}" -o "$O/trace.txt" -- "$LESSON" /data/in.txt
assert_status 0 "cocoon trace -o FILE runs the lesson guest"
assert_eq "$WANT_OUT" "$OUT" "the guest's stdout holds only its own output"
assert_eq "" "$ERR" "nothing on stderr with -o"
# The goldens are x86-64's: another arch's static glibc makes other calls
# (readlinkat, not readlink), with other numbers.
if [[ $(uname -m) == x86_64 ]]; then
  diff -u "$GOLDEN/lesson.txt" <(mask <"$O/trace.txt") >"$TMP/diff" ||
    fail "the trace differs from $GOLDEN/lesson.txt: $(cat "$TMP/diff")"
  pass "the trace matches golden/lesson.txt (faked getuid, emulated uname, rewritten path)"
fi

# Without -o the view goes to stderr, never stdout.
trace_run "${VIEW[@]}" -- "$LESSON" /data/in.txt
assert_eq "$WANT_OUT" "$OUT" "without -o, stdout is still only the guest's"
assert_match "getuid\(\) = 0 \(real $NOBODY_UID\)" "$ERR" "the trace is on stderr"

# JSON: every line parses; the fields say what cocoon did; and, masked, the
# stream is the golden one (field names are an interface: docs/trace-json.md).
trace_run "${VIEW[@]}" --json -o "$O/trace.json" -- "$LESSON" /data/in.txt
mask_json() {
  mask | sed -e 's/"\(pid\|tid\)":[0-9]*/"\1":PID/g' -e 's/"tracer_us":[0-9.]*/"tracer_us":T/' \
    -e 's/release=\\"[^\\]*\\"/release=\\"RELEASE\\"/' -e 's/(real \\"[^\\]*\\")/(real \\"HOST\\")/' \
    -e 's/\("name":"openat".*"result":\)[0-9]*/\1FD/' -e 's/\("name":"readlink".*"result":\)[0-9]*/\1LEN/'
}
if [[ $(uname -m) == x86_64 ]]; then
  diff -u "$GOLDEN/lesson.json" <(mask_json <"$O/trace.json") >"$TMP/diff" ||
    fail "the JSON differs from $GOLDEN/lesson.json: $(cat "$TMP/diff")"
  pass "the JSON stream matches golden/lesson.json"
fi
python3 - "$O/trace.json" "$NOBODY_UID" "$W" >"$TMP/json.out" 2>&1 <<'PY' || fail "JSON: $(cat "$TMP/json.out")"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
calls = {e["name"]: e for e in events if e["type"] == "syscall"}
g = calls["getuid"]
assert g["result"] == 0 and g["error"] is None and g["action"] == "faked", g
assert g["notes"] == [{"kind": "faked", "text": "real " + sys.argv[2]}], g["notes"]
o = calls["openat"]
assert o["action"] == "rewritten" and o["args"][1] == '"/data/in.txt"', o
assert o["notes"][0]["text"] == '"/data/in.txt" -> "%s/in.txt"' % sys.argv[3], o["notes"]
assert all(isinstance(x, str) and x.startswith("0x") for x in o["raw_args"]), o
u = calls["uname"]
assert u["action"] == "emulated" and 'nodename="box"' in u["args"][0], u
assert events[-1]["type"] == "exit" and events[-1]["status"] == 0, events[-1]
print(len(events))
PY
pass "--json: $(cat "$TMP/json.out") objects parsed, getuid faked, openat rewritten, exit 0"

# -k: the guest's stack at getuid, through main.
trace_run "${VIEW[@]}" -k -e trace=getuid -o "$O/stack.txt" -- "$LESSON" /data/in.txt
assert_match $'getuid\\(\\) = 0[^\n]*\n > 0x[0-9a-f]+ getuid\\+' "$(cat "$O/stack.txt")" "-k: the stack starts in getuid"
assert_match " main\\+0x[0-9a-f]+ \\($LESSON\\)" "$(cat "$O/stack.txt")" "-k: main is in the stack"

# --disasm: the instruction that entered the kernel, marked.
case $(uname -m) in
  x86_64) insn="syscall" ;;
  aarch64) insn="svc[[:space:]]+#0" ;;
  *) insn="ecall|raw bytes" ;;
esac
trace_run "${VIEW[@]}" --disasm -e trace=getuid -o "$O/code.txt" -- "$LESSON" /data/in.txt
assert_match "=> 0x[0-9a-f]+:  [0-9a-f ]+($insn)" "$(cat "$O/code.txt")" "--disasm marks the $insn instruction"

# -e trace=%file: path calls only.
trace_run "${VIEW[@]}" -e trace=%file -o "$O/file.txt" -- "$LESSON" /data/in.txt
names=$(grep -o '^\[pid [0-9]*\] [a-z0-9_]*(' "$O/file.txt" | sed 's/.* //; s/($//' | sort -u | tr '\n' ' ')
assert_eq "execve newfstatat openat readlink " "$names" "-e trace=%file shows only path syscalls"

# -c: the table, and the stops seccomp saves (counted only when every call
# reached cocoon: --no-seccomp or --all).
trace_run "${VIEW[@]}" -c -o "$O/sum.txt" -- "$LESSON" /data/in.txt
assert_match "  *1  *0  *[0-9]+  *[0-9.]+  getuid" "$(cat "$O/sum.txt")" "-c: getuid, 1 call, 0 errors"
if [[ $MODE == seccomp ]]; then
  assert_match "stops saved by seccomp: not counted" "$(cat "$O/sum.txt")" "-c with the filter: saved stops not guessed"
  trace_run "${VIEW[@]}" -c --all -o "$O/sum.txt" -- "$LESSON" /data/in.txt
fi
saved=$(sed -n 's/^stops saved by seccomp: \([0-9]*\) .*/\1/p' "$O/sum.txt")
[[ -n $saved && $saved -gt 0 ]] || fail "-c: no count of saved stops: $(cat "$O/sum.txt")"
pass "-c counts $saved stops saved by seccomp"

# -c also counts what a plain run answers from seccomp notifications
# (x86-64, with the filter: docs/architecture.md), unless the run would
# not use them (--no-seccomp-notify): then those calls count as stops.
if [[ $MODE == seccomp && $(uname -m) == x86_64 ]]; then
  trace_run "${VIEW[@]}" -c -o "$O/sum.txt" -- "$LESSON" /data/in.txt
  notified=$(sed -n 's/^calls a plain run answers without a stop (seccomp notifications): \([0-9]*\)$/\1/p' "$O/sum.txt")
  stops=$(sed -n 's/^stops a plain cocoon run takes: \([0-9]*\)$/\1/p' "$O/sum.txt")
  [[ -n $notified && $notified -gt 0 ]] || fail "-c: no count of notified calls: $(cat "$O/sum.txt")"
  trace_run "${VIEW[@]}" --no-seccomp-notify -c -o "$O/sum2.txt" -- "$LESSON" /data/in.txt
  ! grep -q "without a stop" "$O/sum2.txt" || fail "-c --no-seccomp-notify still counts notifications: $(cat "$O/sum2.txt")"
  stops2=$(sed -n 's/^stops a plain cocoon run takes: \([0-9]*\)$/\1/p' "$O/sum2.txt")
  ((stops2 >= stops + notified)) || fail "-c --no-seccomp-notify: $stops2 stops, expected at least $stops + $notified"
  pass "-c: $notified calls answered without a stop; with --no-seccomp-notify they are stops ($stops -> $stops2)"
fi

# --all: calls no handler intercepts (exit_group, which never returns).
trace_run --all -- "$LESSON" /etc/hostname
assert_match "exit_group\\(0\\) = \\?" "$ERR" "--all shows exit_group, which cocoon does not intercept"
assert_match "mmap|brk" "$ERR" "--all shows memory calls"

# JSON with -k and --disasm: the stack and code as fields.
trace_run "${VIEW[@]}" --json -k --disasm -e getuid -o "$O/kd.json" -- "$LESSON" /data/in.txt
python3 - "$O/kd.json" >"$TMP/json.out" 2>&1 <<'PY' || fail "JSON -k --disasm: $(cat "$TMP/json.out")"
import json, sys
g = [json.loads(l) for l in open(sys.argv[1])][0]
assert g["name"] == "getuid", g
assert "main" in [f["function"] for f in g["stack"]], g["stack"]
assert [i for i in g["disasm"] if i["syscall"]], g["disasm"]
PY
pass "--json -k --disasm (and -e without trace=): stack through main, the syscall instruction marked"

# Colour only on a terminal (script(1) gives the view a pty), and not with NO_COLOR.
run_limited "$LIMIT" script -qec "$COCOON trace ${MODE_FLAGS[*]} -0 -e getuid -- $LESSON /etc/hostname" /dev/null
assert_match $'\e\[1mgetuid\e\[0m' "$OUT" "on a terminal the syscall name is bold"
run_limited "$LIMIT" env NO_COLOR=1 script -qec "$COCOON trace ${MODE_FLAGS[*]} -0 -e getuid -- $LESSON /etc/hostname" /dev/null
[[ $OUT != *$'\e['* && $OUT == *"getuid() = 0"* ]] || fail "NO_COLOR: escapes in '$OUT'"
pass "NO_COLOR: no escapes"

# The trace file is not inherited by the guest (O_CLOEXEC).
trace_run -o "$O/t.txt" -- sh -c 'ls -l /proc/self/fd/'
[[ $STATUS == 0 && $OUT != *t.txt* ]] || fail "-o: the guest sees the trace file: $OUT"
pass "-o FILE is not among the guest's descriptors"

# io_uring_setup is answered ENOSYS by the filter itself: no stop, so only
# --no-seccomp (where the tracer applies the same policy) sees it. (An
# option, so that not every call is shown.)
trace_run --hostname h -- "$GUESTS/iouring"
assert_eq "io_uring_setup: -1 ENOSYS" "$OUT" "io_uring_setup under cocoon trace"
if [[ $MODE == noseccomp ]]; then
  assert_match "io_uring_setup\(.*\) = -1 ENOSYS \(Function not implemented\) \[refused by the filter's policy\]" "$ERR" "--no-seccomp shows the policy's refusal"
else
  [[ $ERR != *io_uring_setup* ]] || fail "the filter's constant answer cannot be seen with seccomp: $ERR"
  pass "with the filter, its constant answer is not seen (no stop)"
fi

# A denial by rule: writing under a read-only bind.
trace_run --ro-bind "$W:/ro" -e openat -- sh -c 'echo x >/ro/f'
[[ $STATUS != 0 && ! -e $W/f ]] || fail "the write under --ro-bind succeeded"
assert_match 'openat\(AT_FDCWD, "/ro/f", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = -1 EROFS \(Read-only file system\) \[denied: read-only mount\]' "$ERR" "a read-only bind's refusal, with its reason"

# A number cocoon's table does not know: ENOSYS from the filter (unseen),
# or from the tracer's policy without seccomp (shown, by number).
trace_run -- python3 -c 'import ctypes; print(ctypes.CDLL(None).syscall(999))'
assert_eq "-1" "$OUT" "syscall 999 fails under cocoon trace"
if [[ $MODE == noseccomp ]]; then
  assert_match "syscall_999\(.*\) = -1 ENOSYS .*\[refused by the filter's policy\]" "$ERR" "an unknown number is shown by number"
fi

# mount(2) as strace shows it: the filesystem type and the data as strings,
# the flags by name (not a pointer and a number).
trace_run --all -e trace=mount -- busybox mount -t tmpfs -o mode=755 none "/missing.$MARK"
assert_match "mount\(\"none\", \"/missing\.$MARK\", \"tmpfs\", MS_SILENT, \"mode=755\"\) = -1 " "$ERR" "mount's type, flags and data decoded"

# Threads: 16 threads racing through traced unames; every line whole.
trace_run --hostname box -e uname -o "$O/threads.txt" -- "$GUESTS/threads" 50 box
assert_match "^threads ok box" "$OUT" "the threads guest under cocoon trace"
n=$(grep -c '^\[pid [0-9]*\] uname({sysname="Linux", nodename="box", .*}) = 0 \[emulated: nodename "box"' "$O/threads.txt")
assert_eq 800 "$n" "800 uname lines, each whole, from 16 threads"
bad=$(grep -vc '^\[pid [0-9]*\] ' "$O/threads.txt")
assert_eq 0 "$bad" "no line of the threads' trace is torn"

# An execve made by a thread other than the leader: the thread takes the
# leader's tid (de_thread(), fs/exec.c), and its call is shown when it
# returns there, not lost with its former tid.
trace_run --all -e trace=execve -o "$O/thread_exec.txt" -- "$GUESTS/thread_exec"
assert_match "new image ok" "$OUT" "the thread_exec guest under cocoon trace --all"
n=$(grep -c '^\[pid [0-9]*\] execve(.*) = 0$' "$O/thread_exec.txt")
assert_eq 2 "$n" "both execve lines, the command's and the thread's, end with = 0"

# -p: attach to a running shell loop, see its calls, detach on SIGINT.
sh -c "while :; do sleep 0.1; done; : $MARK" &
target=$!
BG_PIDS+=("$target")
"$COCOON" trace -p "$target" -o "$O/attach.txt" &
tracer=$!
wait_for 10 grep -qs "wait4\|clone" "$O/attach.txt" || fail "-p: no syscall seen: $(cat "$O/attach.txt")"
kill -INT "$tracer"
wait "$tracer"
st=$?
assert_eq 0 "$st" "-p: cocoon detaches on SIGINT and exits 0"
kill -0 "$target" || fail "-p: the attached process died"
assert_eq 0 "$(awk '/^TracerPid:/ {print $2}' "/proc/$target/status")" "-p: the process is no longer traced"
kill "$target"

# In a PID namespace the lines name the guest's pid and the real one.
trace_run --unshare-pid -e trace=getpid -o "$O/pidns.txt" -- sh -c 'sh -c "echo \$\$"; true'
assert_eq "2" "$OUT" "the traced guest in a PID namespace"
grep -qE '^\[pid 2 \(real [0-9]+\)\] getpid\(\) = 2 \[emulated\]$' "$O/pidns.txt" ||
  fail "no '[pid 2 (real N)] getpid() = 2' line in: $(cat "$O/pidns.txt")"
pass "a PID namespace's number beside the real pid: [pid 2 (real N)] getpid() = 2"
trace_run --unshare-pid --json -e trace=getpid -o "$O/pidns.json" -- sh -c 'echo $$'
python3 - "$O/pidns.json" <<'PY' || fail "JSON vpid/vtid"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1]) if '"syscall"' in l]
assert calls and all(c["vpid"] == 1 and c["vtid"] == 1 and c["pid"] != 1 for c in calls), calls
PY
pass "--json carries vpid/vtid beside the real pid and tid"

finish

# Signals inside the guest pass through the tracer: handlers run, blocking
# calls are interrupted, a guest killed by a signal gives 128+N.
source "$(dirname "$0")/lib.sh" "$@"
assert_traced

cocoon_run -- "$GUESTS/sigself"
assert_status 0 "sigself guest"
assert_eq $'SIGUSR1 handler ran\nSIGALRM interrupted pause\nSIGUSR2 delivered on unblock\nSA_RESTART read restarted\nsigself ok' "$OUT" \
  "SIGUSR1 handler ran, SIGALRM interrupted pause(), SIGUSR2 delivered on unblock, SA_RESTART read restarted"

cocoon_run -- sh -c 'kill -TERM $$'
assert_status 143 "sh -c 'kill -TERM \$\$'"
cocoon_run -- sh -c 'kill -INT $$'
assert_status 130 "sh -c 'kill -INT \$\$'"

# A trap in the shell runs, and the shell goes on.
cocoon_run -- sh -c 'trap "echo trapped" USR1; kill -USR1 $$; echo after; exit 4'
assert_eq $'trapped\nafter' "$OUT" "shell trap runs on a signal"
assert_status 4 "shell with a trap"

# SIGCHLD, wait status of a child killed by a signal, SIGSTOP/SIGCONT sent by
# the guest itself to its child (a group stop under the tracer). A stopped
# tracee reads "t" (tracing stop) in /proc rather than "T": inherent to ptrace.
# The stop is polled for (up to 10 s): on a loaded machine it takes its
# round trip through cocoon later than a fixed pause.
cocoon_run -- sh -c 'sleep 5 & p=$!; kill -STOP $p;
  for i in $(seq 100); do s=$(ps -o stat= -p $p); case $s in [Tt]*) break ;; esac; sleep 0.1; done
  kill -CONT $p; kill -TERM $p; wait $p; w=$?
  case $s in [Tt]*) s=T ;; esac; echo "stat=$s wait=$w"' 
assert_eq "stat=T wait=143" "$OUT" "guest stops, continues and kills its own child"

# SIGSTOP/SIGCONT in the middle of nanosleep: the kernel resumes it through
# restart_syscall, which must get through the filter; the sleep still ends.
cocoon_run -- sh -c 'sleep 0.6 & p=$!; sleep 0.2; kill -STOP $p; sleep 0.1; kill -CONT $p; wait $p; echo st=$?'
assert_eq "st=0" "$OUT" "a stopped and continued nanosleep completes (restart_syscall)"

# SIGSTOP from outside to the guest: it stays stopped (cocoon must not
# resume it) until SIGCONT, then finishes normally.
# The guest is stopped once it has said "start" and while it sleeps (2.3 s,
# long enough for a loaded machine to get the stop in); then, once its
# sleep has ended, a guest that was not stopped would have said "end".
nap=2.$MARK
timeout -k 5 "$LIMIT" "$GUESTS/reaper" -r "$TMP/leftovers" -- "$COCOON" run "${MODE_FLAGS[@]}" -- \
  sh -c "echo start; sleep $nap; echo end $MARK" >"$TMP/out" 2>"$TMP/err" &
bg=$!
BG_PIDS+=("$bg")
guest_running() {
  [[ $(cat "$TMP/out" 2>/dev/null) == start ]] && pgrep -f "^sh -c echo start; sleep $nap; echo end $MARK" >/dev/null
}
wait_for 20 guest_running || fail "the guest did not start"
guest=$(pgrep -f "^sh -c echo start; sleep $nap; echo end $MARK")
kill -STOP "$guest"
wait_for 30 eval '! pgrep -f "^sleep $nap\$" >/dev/null' || fail "the guest's sleep did not end"
sleep 0.5
st=$(ps -o stat= -p "$guest")
[[ $st == [Tt]* ]] || fail "SIGSTOP from outside: guest state '$st' after 1 s"
[[ $(cat "$TMP/out") == start ]] || fail "the stopped guest went on: $(cat "$TMP/out")"
pass "SIGSTOP from outside: the guest stays stopped ($st)"
kill -CONT "$guest"
wait "$bg"
STATUS=$?
[[ $STATUS == 0 && $(cat "$TMP/out") == $'start\nend '"$MARK" ]] || fail "after SIGCONT: status $STATUS, output $(cat "$TMP/out")"
[[ ! -s $TMP/leftovers ]] || fail "left behind: $(cat "$TMP/leftovers")"
pass "SIGCONT: the guest finishes (status 0)"

# The guest starts with the signal mask and ignored set cocoon was started
# with, as natively (a supervisor may block or ignore signals on purpose).
# python3 blocks SIGUSR1 and ignores SIGUSR2, then execs the command.
with_mask=(/usr/bin/python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])')
run_native "${with_mask[@]}" grep -E '^Sig(Blk|Ign)' /proc/self/status
native=$OUT
[[ $native == *SigBlk:*0200* ]] || fail "python3 did not block SIGUSR1 (test bug?): $native"
run_limited "$LIMIT" "${with_mask[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -- grep -E '^Sig(Blk|Ign)' /proc/self/status
assert_eq "$native" "$OUT" "the guest inherits the caller's blocked and ignored signals"

finish

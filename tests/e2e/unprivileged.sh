# cocoon's users are unprivileged: the basic, thread, process and signal
# cases again with cocoon running as uid 65534 (ptrace of one's own child).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
assert_traced

cocoon_run -- sh -c 'echo hello; id -u; exit 3'
assert_eq "hello"$'\n'"$NOBODY_UID" "$OUT" "runs as uid $NOBODY_UID"
assert_status 3 "status as uid $NOBODY_UID"
same_as_native "ls /" 'ls /'
same_as_native "pipeline" 'printf "b\na\nc\n" | sort | head -2 | wc -l'
same_as_native "busybox" '/bin/busybox sh -c "echo bb; /bin/busybox ls / | /bin/busybox wc -l"'

cocoon_run -- "$GUESTS/threads" 1000
assert_match '^threads ok ' "$OUT" "16 threads x 1000"
cocoon_run --hostname "ubox$MARK" -- "$GUESTS/threads" 1000 "ubox$MARK"
assert_eq "threads ok ubox$MARK 80000" "$OUT" "16 threads with --hostname"
cocoon_run -- "$GUESTS/forker"
assert_eq "forker ok 200" "$OUT" "200 children"
cocoon_run -- sh -c 'i=0; while [ $i -lt 200 ]; do /bin/true || exit 1; i=$((i + 1)); done; echo $i'
assert_eq 200 "$OUT" "200 x /bin/true"
cocoon_run -- "$GUESTS/execchain" 50
assert_eq "done 50" "$OUT" "exec chain of 50"
cocoon_run -- "$GUESTS/thread_exec"
assert_match $'\nnew image ok$' "$OUT" "exec from a non-leader thread"
cocoon_run -- "$GUESTS/sigself"
assert_match $'\nsigself ok$' "$OUT" "signals to self"
cocoon_run -- "$GUESTS/segv"
assert_status 139 "NULL dereference"

finish

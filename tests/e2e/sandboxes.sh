# Runs as things (docs/sandboxes.md): `cocoon ps` lists a running run,
# `cocoon enter` starts a command inside it that sees the run's view,
# identity, host name and PID namespace; another user and the run's own
# guests cannot enter; the state directory goes with the run. Run
# UNPRIVILEGED (uid 65534): the identity and the namespaces are emulated.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})

# A state directory of this test's own ($XDG_RUNTIME_DIR/cocoon), owned by
# the user cocoon runs as: other tests' runs are not listed.
export XDG_RUNTIME_DIR=$TMP/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
[[ $(id -u) == 0 ]] && chown "$NOBODY_UID:$NOBODY_UID" "$XDG_RUNTIME_DIR"
STATE=$XDG_RUNTIME_DIR/cocoon
mkdir -m 755 "$TMP/data"
echo "the run's file" >"$TMP/data/x"

cocoon() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" "$@"; }

# start_run OPTIONS... -- CMD...: a run in the background under the reaper;
# sets bg (the reaper) and waits until `cocoon ps` lists it.
start_run() {
  rm -f "$TMP/pid" "$TMP/leftovers.bg"
  timeout -k 5 60 "$GUESTS/reaper" -r "$TMP/leftovers.bg" -p "$TMP/pid" \
    ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" "$@" \
    >"$TMP/bg.out" 2>"$TMP/bg.err" &
  bg=$!
  BG_PIDS+=("$bg")
  wait_for 10 eval 'cat "$STATE"/*/state.json 2>/dev/null | grep -q "\"pid\""' || fail "the run did not publish itself: $(cat "$TMP/bg.err")"
}

# ps lists the run with its fields; --json parses.
start_run --name box -0 --unshare-pid --hostname box -b "$TMP/data:/data" -- sleep "$SLEEP_ARG"
cocoon ps
assert_status 0 "cocoon ps"
assert_match "box +[0-9]+ +1 +.* -0 +pid,uts +/ +1 +sleep $SLEEP_ARG" "$(tail -n1 <<<"$OUT")" \
  "ps shows the run: name, cocoon's pid, 1 task, -0, the emulated namespaces, the root, 1 mount, the command"
cocoon ps --json
JSON=$OUT
fields=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1])[0]; print(r["name"], r["tasks"], r["emulated_ids"], r["uid"], r["hostname"], ",".join(r["namespaces"]), r["command"], r["mounts"])' "$JSON") \
  || fail "ps --json does not parse: $JSON"
assert_eq "box 1 True 0 box pid,uts ['sleep', '$SLEEP_ARG'] ['bind /data']" "$fields" "ps --json: name, tasks, identity, host name, namespaces, command, mounts"
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["id"])' "$JSON")
[[ -d $STATE/$id && -S $STATE/$id/control.sock ]] || fail "no directory or socket for run $id"
[[ $(stat -c %a "$STATE") == 700 ]] || fail "the state directory is not 0700"
pass "the run's directory $id holds its socket, in a 0700 state directory"
cocoon ps -a
assert_match "[0-9]+ +[0-9]+ +1/1 +sleep +uts:" "$OUT" "ps -a: the task, as PID 1 of the run's namespace"

# enter: the run's view (/data), identity (-0), host name and PID namespace.
cocoon enter box -- sh -c 'echo $$; hostname; id -u; cat /data/x'
assert_status 0 "cocoon enter box"
assert_eq "2
box
0
the run's file" "$OUT" "the entered shell is PID 2 of the run's namespace, named box, uid 0, and sees /data"
# --cwd: a directory of the run's view (/data is $TMP/data on the host).
cocoon enter box --cwd /data -- sh -c 'pwd; cat x'
assert_status 0 "cocoon enter --cwd /data"
assert_eq "/data
the run's file" "$OUT" "enter --cwd /data: the entered shell starts in the run's /data"
cocoon enter box --cwd /nowhere -- true
assert_status 125 "cocoon enter --cwd of a missing directory"
assert_cocoon_message "--cwd /nowhere: No such file or directory" "enter --cwd of a directory the run does not have"
mkdir -m 777 "$TMP/w"
cocoon enter box -- sh -c 'echo $$; ls /proc >"$0"; grep -E "^[0-9]+$" "$0" | sort -n | tr "\n" " "; echo; ps -eo pid=,comm= | head -n2 | tr -s " " | tr "\n" ";"' "$TMP/w/ls"
shell=$(head -n1 <<<"$OUT")
[[ $shell =~ ^[0-9]+$ ]] && ((shell > 1 && shell < 100)) || fail "the entered shell's pid: $OUT"
assert_eq "$shell
1 $shell $((shell + 1)) 
 1 sleep; $shell $(basename "$(readlink -f /bin/sh)");" "$OUT" \
  "/proc and ps inside show the run's processes (the sleep as 1, the shell as $shell, ls) and nothing else"
cocoon enter "${id:0:6}" -- sh -c 'exit 7'
assert_status 7 "an id prefix works; the command's status is enter's"
cocoon enter box -- sh -c 'kill -TERM $$'
assert_status 143 "a command killed by SIGTERM: 128+15"
cocoon enter box -- /nonexistent
assert_status 127 "a command that does not exist: 127"

# Refused: a name in use, a stale id, another user, a guest of the run.
cocoon run "${MODE_FLAGS[@]}" --name box -- true
assert_status 122 "a second run named box"
assert_cocoon_message "the name box is in use" "a second run named box"
cocoon enter 0123456789ab -- true
assert_status 123 "an id no run has"
assert_cocoon_message "no running run 0123456789ab" "an id no run has"
if [[ $(id -u) == 0 ]]; then
  run_limited "$LIMIT" setpriv --reuid=65533 --regid=65533 --clear-groups -- "$COCOON" enter box -- true
  assert_status 123 "another user does not find the run"
  # Root may open the socket's path: the run refuses it by SO_PEERCRED.
  run_limited "$LIMIT" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.send(b"tasks\0"); print(s.recv(4096).split(b"\0")[:2])' "$STATE/$id/control.sock"
  assert_eq "[b'error', b'121']" "$OUT" "another uid connecting to the socket is refused"
fi
# (Here the guest's own client refuses first: it believes itself uid 0,
# and SO_PEERCRED shows it cocoon's uid as the run's identity maps it.)
cocoon enter box -- "$COCOON" enter box -- true
assert_status 121 "a guest of the run entering it again"

# The run's end: entered commands are killed, the directory goes.
cocoon_pid=$(cat "$TMP/pid")
kill -TERM "$cocoon_pid"
wait "$bg"
[[ ! -e $STATE/$id && ! -e $STATE/name.box ]] || fail "left after SIGTERM: $(ls -la "$STATE")"
pass "SIGTERM to cocoon: its directory and name are gone"
[[ ! -s $TMP/leftovers.bg ]] || fail "left behind: $(cat "$TMP/leftovers.bg")"

# An entered command is killed when the run's first command ends.
start_run --name short -- sleep 2
cocoon enter short -- sleep "$SLEEP_ARG"
assert_status 137 "an entered command, when the run ends: SIGKILL"
wait "$bg"
[[ -z $(ls "$STATE") ]] || fail "left after the run's end: $(ls "$STATE")"
pass "a run that ends removes its directory"

# --target: another process's namespaces (here its UTS namespace).
start_run --name ns --namespaces -- sh -c "unshare -r -u sh -c 'hostname inner; echo \$\$ >$TMP/w/inner; exec sleep $SLEEP_ARG' & exec sleep $SLEEP_ARG"
wait_for 10 test -s "$TMP/w/inner" || fail "the inner process did not start"
cocoon enter ns --target "$(cat "$TMP/w/inner")" -- sh -c 'hostname; id -u'
assert_eq "inner
0" "$OUT" "--target: the inner process's host name and user namespace"
cocoon enter ns -- hostname
assert_status 0 "without --target"
assert_eq "$(hostname)" "$OUT" "without --target, the first command's namespaces (the host's name, not inner)"
# A guest whose client finds nothing amiss (its real ids, no PID
# namespace): the run refuses it, as a traced process.
cocoon enter ns -- "$COCOON" enter ns -- true
assert_status 121 "a guest of the run entering it again, refused by the run"
assert_match "not allowed: .* traced by [0-9]+" "$ERR" "the refusal says the caller is traced"

# A SIGKILLed cocoon leaves a stale directory, which ps removes.
kill -KILL "$(cat "$TMP/pid")"
wait "$bg"
[[ -n $(ls "$STATE") ]] || fail "a SIGKILLed run left nothing (test bug?)"
cocoon ps
[[ $(grep -c '' <<<"$OUT") == 1 && -z $(ls "$STATE") ]] || fail "ps did not clean the stale run: $OUT; $(ls "$STATE")"
pass "cocoon ps removes the SIGKILLed run's stale directory and name"
finish

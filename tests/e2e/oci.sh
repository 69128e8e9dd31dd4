# OCI bundles (docs/sandboxes.md, "OCI bundles"): an OCI image built here
# (no registry) from the busybox root, unpacked by Debian's umoci
# (`umoci unpack --rootless`) and run by `cocoon oci` with runc's command
# line. What the guest sees (ids, host name, cwd, environment, mounts,
# rlimits, PID namespace) is compared with what config.json says; the
# create/start/state/kill/delete lifecycle with the runtime spec's state
# JSON; refusals by name. Run UNPRIVILEGED (uid 65534), umoci too: the
# bundle is a rootless one, the identities and namespaces emulated.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v umoci >/dev/null || fail "umoci is not installed (tools/install-deps.sh)"

export XDG_RUNTIME_DIR=$TMP/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR" "$TMP/oci"
[[ $(id -u) == 0 ]] && chown "$NOBODY_UID:$NOBODY_UID" "$XDG_RUNTIME_DIR" "$TMP/oci"
W=$TMP/oci
as_user() { ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$@"; }
oci() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" oci "${MODE_FLAGS[@]}" "$@"; }

# The image: the busybox root as the one layer of an OCI layout, its
# config's env and working directory set; unpacked into a bundle.
as_user bash "$(dirname "$0")/../../tools/busybox-root.sh" "$W/root" || fail "busybox-root.sh"
as_user sh -ec "
  cd $W
  umoci init --layout img
  umoci new --image img:bb
  umoci unpack --rootless --image img:bb empty
  rm -rf empty/rootfs && cp -a root empty/rootfs
  umoci repack --image img:bb empty
  umoci config --image img:bb --config.env FOO=from-the-image --config.workingdir /tmp --config.cmd /bin/sh
  umoci unpack --rootless --image img:bb bundle
" >"$TMP/umoci.log" 2>&1 || fail "building and unpacking the image: $(cat "$TMP/umoci.log")"
[[ -f $W/bundle/config.json && -x $W/bundle/rootfs/bin/busybox ]] || fail "umoci made no bundle"
pass "an OCI image built locally and unpacked by umoci --rootless as uid $NOBODY_UID"

mkdir -p "$W/data" "$W/out"
echo "a bound file" >"$W/data/file"
chmod -R a+rX "$W/data"
[[ $(id -u) == 0 ]] && chown "$NOBODY_UID" "$W/out"
# edit PYTHON: runs PYTHON on the bundle's config.json (as c), kept as
# config.orig.json; `reset` puts the original back.
cp "$W/bundle/config.json" "$W/config.orig.json"
reset() { cp "$W/config.orig.json" "$W/bundle/config.json"; chmod a+r "$W/bundle/config.json"; }
edit() {
  python3 - "$W/bundle/config.json" "$1" <<'PY' || fail "editing config.json"
import json, sys
path, code = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(code)
json.dump(c, open(path, "w"), indent=1)
PY
}
# config FIELD-EXPRESSION: a value of config.json (python, on c).
config() { python3 -c "import json,sys; c=json.load(open(sys.argv[1])); print($1)" "$W/bundle/config.json"; }

# The common edits: no terminal (the test has none), a bind, a read-only
# bind, a limit that is not the default, the guest's commands.
prepare() {
  reset
  edit "
c['process']['terminal'] = False
c['process']['args'] = ['sh', '-c', '''$1''']
c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 123, 'hard': 456}]
c['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$W/data', 'options': ['rbind', 'ro']})
c['mounts'].append({'destination': '/out', 'type': 'bind', 'source': '$W/out', 'options': ['bind']})
c['hostname'] = 'oci-$MARK'
"
}

# --- what the guest sees, against config.json ---------------------------
prepare 'id -u; id -g; hostname; pwd; echo "$FOO"; cat /data/file; echo $$;
  ulimit -Sn; ulimit -Hn; grep NoNewPrivs /proc/self/status | tr -d "\t";
  touch /data/new 2>&1 || echo refused; echo ok >/out/written && cat /out/written'
oci run -b "$W/bundle" "see-$MARK"
assert_status 0 "oci run of the bundle"
expected="$(config "c['process']['user']['uid']")
$(config "c['process']['user']['gid']")
$(config "c['hostname']")
$(config "c['process']['cwd']")
$(config "[e.split('=',1)[1] for e in c['process']['env'] if e.startswith('FOO=')][0]")
$(cat "$W/data/file")
1
$(config "c['process']['rlimits'][0]['soft']")
$(config "c['process']['rlimits'][0]['hard']")
NoNewPrivs:$(config "int(c['process']['noNewPrivileges'])")
touch: /data/new: Read-only file system
refused
ok"
assert_eq "$expected" "$OUT" "uid, gid, hostname, cwd, env, a bound file, PID 1, rlimits, noNewPrivileges, a ro bind refusing a write, a rw one taking it: as config.json says"
[[ $(stat -c %u "$W/out/written") == "$NOBODY_UID" ]] || fail "the file written is not the user's"
pass "the container's uid 0 is the user's $NOBODY_UID on the host (uidMappings)"
[[ -z $(ls "$XDG_RUNTIME_DIR/cocoon/oci") ]] || fail "oci run left its container: $(ls "$XDG_RUNTIME_DIR/cocoon/oci")"
pass "a foreground run's container is deleted when it ends"

prepare 'exit 7'
oci run -b "$W/bundle" "st-$MARK"
assert_status 7 "oci run: the command's status"

# --- create, start, state, kill, delete ------------------------------------
# create and run -d leave a cocoon behind them, the container's: run
# without the reaper (which would report it), found by the marker in the id.
detaching() {
  LAST_CMD="cocoon oci $*"
  timeout -k 5 "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" oci "${MODE_FLAGS[@]}" "$@" \
    >"$TMP/out" 2>"$TMP/err" </dev/null
  STATUS=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}
# state_field ID EXPR [ARG]: EXPR (python, on the state JSON s; ARG is
# sys.argv[2]) of `oci state ID`.
state_field() {
  oci state "$1"
  [[ $STATUS == 0 ]] || fail "oci state $1: status $STATUS: $ERR"
  python3 -c "import json,sys; s=json.loads(sys.argv[1]); print($2)" "$OUT" "${@:3}" || fail "oci state $1 is not JSON: $OUT"
}

ID=life-$MARK
prepare "echo started >/out/marker; exec sleep $SLEEP_ARG"
rm -f "$W/out/marker"
detaching create -b "$W/bundle" --pid-file "$W/out/pid" "$ID"
assert_status 0 "oci create"
pid=$(state_field "$ID" 's["pid"]')
assert_eq "1.0.2 $ID created $W/bundle True" \
  "$(state_field "$ID" '" ".join([s["ociVersion"], s["id"], s["status"], s["bundle"], str(s["annotations"] == json.load(open(sys.argv[2]))["annotations"])])' "$W/bundle/config.json")" \
  "state after create: ociVersion, id, status created, bundle, config.json's annotations"
assert_eq "$pid" "$(cat "$W/out/pid")" "--pid-file holds the state's pid"
[[ -d /proc/$pid && ! -e $W/out/marker ]] || fail "after create: process $pid missing, or the command already ran"
pass "after create the container's process $pid exists and the command has not run"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" ps
assert_match "$ID" "$OUT" "cocoon ps lists the container's run under its id"
# runc execs into a created container too: the command runs beside the
# init, which still waits for start (PID 1, the exec'd command PID 2).
oci exec "$ID" -- sh -c 'echo $$; hostname; test -d /proc/1 && echo init-is-there'
assert_status 0 "oci exec into a created container"
assert_eq "2
$(config "c['hostname']")
init-is-there" "$OUT" "oci exec into a created container: PID 2 of its PID namespace, its host name, its init PID 1"
[[ ! -e $W/out/marker ]] || fail "oci exec started the container's own command"
assert_eq created "$(state_field "$ID" 's["status"]')" "state after an exec into a created container: still created"
pass "the exec did not start the created container's command"

oci start "$ID"
assert_status 0 "oci start"
wait_for 10 test -s "$W/out/marker" || fail "the command did not run after start"
assert_eq "running $pid" "$(state_field "$ID" 's["status"] + " " + str(s["pid"])')" "state after start: running, the same pid"
tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$pid/status")
seccomp=$(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")
want_seccomp=2
[[ $MODE == noseccomp ]] && want_seccomp=0
[[ $tracer != 0 && $seccomp == "$want_seccomp" ]] || fail "the container's process: TracerPid $tracer, Seccomp $seccomp"
assert_match "sleep.$SLEEP_ARG" "$(tr '\0' ' ' <"/proc/$pid/cmdline")" \
  "the container's process $pid became the command, traced by $tracer with Seccomp $seccomp"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" enter "$ID" -- sh -c 'cat /data/file; hostname; echo $$'
entered=$(tail -n1 <<<"$OUT")
assert_eq "a bound file
oci-$MARK" "$(head -n2 <<<"$OUT")" "cocoon enter ID: the container's mounts and host name"
[[ $entered =~ ^[0-9]+$ ]] && ((entered > 2 && entered < 100)) || fail "the entered shell's pid: $entered"
pass "cocoon enter ID: PID $entered of the container's PID namespace (after the exec's 2 and its children: pids are not reused at once, as the kernel allocates them cyclically)"

oci exec "$ID" -- sh -c 'hostname; echo "$FOO"; cat /data/file'
assert_status 0 "oci exec into a running container"
assert_eq "$(config "c['hostname']")
$(config "[e.split('=',1)[1] for e in c['process']['env'] if e.startswith('FOO=')][0]")
a bound file" "$OUT" "oci exec: config.json's host name, process.env, mounts"
oci exec -e FOO=from-exec --env NEW=1 "$ID" -- sh -c 'echo "$FOO $NEW"; tr "\0" " " </proc/1/cmdline'
assert_status 0 "oci exec --env into a running container"
assert_eq "from-exec 1
sleep $SLEEP_ARG " "$OUT" "oci exec -e/--env: replaced and added variables; PID 1 is the container's command"
oci exec "$ID" -- sh -c 'exit 7'
assert_status 7 "oci exec: the command's own status"
# --cwd: a guest path, through the container's view (/data is a bind).
oci exec --cwd /data "$ID" -- sh -c 'pwd; cat file'
assert_status 0 "oci exec --cwd /data"
assert_eq "/data
a bound file" "$OUT" "oci exec --cwd: the command starts in the container's /data"
oci exec --cwd /nowhere "$ID" -- true
assert_status 125 "oci exec --cwd of a missing directory"
assert_cocoon_message "--cwd /nowhere: No such file or directory" "oci exec --cwd of a missing directory"
oci exec --cwd data "$ID" -- true
assert_status 125 "oci exec --cwd of a relative path"
assert_cocoon_message "--cwd data: not an absolute path" "oci exec --cwd of a relative path"
# --user in umoci's user namespace, which maps one id (0 to the user):
# uid 0 is taken, another is not mapped, and setresuid(2) says EINVAL,
# as the kernel says in a user namespace of that map (unshare -r).
oci exec --user 0:0 "$ID" -- sh -c 'id -u; id -g'
assert_status 0 "oci exec --user 0:0"
assert_eq "0
0" "$OUT" "oci exec --user 0:0: uid and gid 0"
native=$(as_user unshare -r setpriv --reuid 1000 true 2>&1)
assert_match "Invalid argument" "$native" "natively, setresuid to an unmapped uid in a one-id user namespace"
oci exec --user 1000 "$ID" -- true
assert_status 125 "oci exec --user of an unmapped uid"
assert_cocoon_message "--user 1000:$(config "c['process']['user']['gid']"): setresuid: Invalid argument" \
  "oci exec --user of an unmapped uid: refused as the kernel does (GID: process.user.gid)"
oci exec --user x1 "$ID" -- true
assert_status 125 "oci exec --user of a name"
assert_cocoon_message "--user x1: not UID\[:GID\]" "oci exec --user of a name"
oci exec "nosuch-$MARK" -- true
assert_status 123 "oci exec of an unknown container"
assert_cocoon_message "container nosuch-$MARK does not exist" "oci exec of an unknown container"
# pause and resume: every process stopped (a traced group-stop: State T
# or t), the state "paused"; exec refused meanwhile, as runc's; resumed,
# running again.
proc_state() { awk '/^State:/ {print $2}' "/proc/$pid/status"; }
oci pause "$ID"
assert_status 0 "oci pause"
assert_eq paused "$(state_field "$ID" 's["status"]')" "state after pause: paused"
wait_for 10 eval '[[ $(proc_state) == [tT] ]]' || fail "the container's process is not stopped after pause: $(proc_state)"
pass "after pause the container's process $pid is stopped ($(proc_state))"
oci pause "$ID"
assert_status 119 "oci pause of a paused container"
oci exec "$ID" -- true
assert_status 119 "oci exec into a paused container"
oci resume "$ID"
assert_status 0 "oci resume"
assert_eq "running $pid" "$(state_field "$ID" 's["status"] + " " + str(s["pid"])')" "state after resume: running"
wait_for 10 eval '[[ $(proc_state) == S ]]' || fail "the container's process is not running after resume: $(proc_state)"
pass "after resume the container's process $pid sleeps again ($(proc_state))"
oci resume "$ID"
assert_status 119 "oci resume of a running container"
assert_cocoon_message "container $ID is running, not paused" "oci resume of a running container"
oci start "$ID"
assert_status 119 "oci start of a running container"
assert_cocoon_message "container $ID is running, not created" "oci start of a running container"
oci kill "$ID" KILL
assert_status 0 "oci kill ID KILL"
wait_for 10 eval '[[ $(state_field "$ID" "s[\"status\"]") == stopped ]]' || fail "not stopped after kill"
assert_eq "stopped False" "$(state_field "$ID" 's["status"] + " " + str("pid" in s)')" "state after kill: stopped, no pid"
oci kill "$ID" KILL
assert_status 119 "oci kill of a stopped container"
oci exec "$ID" -- true
assert_status 119 "oci exec into a stopped container"
assert_cocoon_message "container $ID is stopped, not created or running" "oci exec into a stopped container"
oci delete "$ID"
assert_status 0 "oci delete"
oci state "$ID"
assert_status 123 "oci state after delete"
assert_cocoon_message "container $ID does not exist" "oci state after delete"

# run -d, then delete: refused while it runs, done with --force.
ID=force-$MARK
prepare "exec sleep $SLEEP_ARG"
detaching run -d -b "$W/bundle" "$ID"
assert_status 0 "oci run -d"
pid=$(state_field "$ID" 's["pid"]')
assert_eq running "$(state_field "$ID" 's["status"]')" "state after run -d: running"
detaching create -b "$W/bundle" "$ID"
assert_status 122 "oci create of a taken id"
assert_cocoon_message "container $ID already exists" "oci create of a taken id"
oci delete "$ID"
assert_status 119 "oci delete of a running container"
oci delete --force "$ID"
assert_status 0 "oci delete --force"
wait_for 10 eval '! [[ -d /proc/$pid ]]' || fail "process $pid outlived delete --force"
oci list -q
assert_eq "" "$OUT" "oci list: no container left"

# delete of a created container ends its held process (runc's rule).
ID=held-$MARK
prepare "echo ran >/out/held"
detaching create -b "$W/bundle" "$ID"
assert_status 0 "oci create"
pid=$(state_field "$ID" 's["pid"]')
oci delete "$ID"
assert_status 0 "oci delete of a created container"
wait_for 10 eval '! [[ -d /proc/$pid ]]' || fail "process $pid outlived the delete"
[[ ! -e $W/out/held ]] || fail "the command of a deleted created container ran"
pass "delete of a created container: its process is gone, the command never ran"

# --root: the state elsewhere; the default root does not see it.
ID=root-$MARK
prepare "exec sleep $SLEEP_ARG"
detaching --root "$W/state" run -d -b "$W/bundle" "$ID"
assert_status 0 "oci --root DIR run -d"
[[ -f $W/state/$ID/state.json ]] || fail "no $W/state/$ID/state.json"
oci list -q
assert_eq "" "$OUT" "the default root does not list a container of another --root"
oci --root "$W/state" list -q
assert_eq "$ID" "$OUT" "oci --root DIR list lists it"
oci --root "$W/state" delete -f "$ID"
assert_status 0 "oci --root DIR delete -f"

# --user without a user namespace: the container's root is an emulated
# one (its ids are not the user's), which with CAP_SETUID and CAP_SETGID
# may take any ids, as root of the initial user namespace may
# (setresuid(2)); without them (umoci's set) it may not (cocoon's exec
# sets the ids as the container's process would: docs/sandboxes.md).
ID=ids-$MARK
prepare "exec sleep $SLEEP_ARG"
edit "
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'user']
del c['linux']['uidMappings'], c['linux']['gidMappings']
c['process']['user'] = {'uid': 0, 'gid': 0}
"
detaching run -d -b "$W/bundle" "$ID"
assert_status 0 "oci run -d of a bundle without a user namespace"
oci exec --user 1000:1001 "$ID" -- true
assert_status 125 "oci exec --user 1000:1001, umoci's capabilities (no CAP_SETGID)"
assert_cocoon_message "--user 1000:1001: setresgid: Operation not permitted" "oci exec --user without CAP_SETGID: EPERM, as setresgid(2) says"
oci delete -f "$ID"
edit "
for s in c['process']['capabilities'].values(): s += ['CAP_SETUID', 'CAP_SETGID']
"
detaching run -d -b "$W/bundle" "$ID"
assert_status 0 "oci run -d of a bundle without a user namespace, with CAP_SETUID and CAP_SETGID"
oci exec --user 1000:1001 "$ID" -- sh -c 'id -u; id -g; touch /tmp/by-1000; stat -c "%u %g" /tmp/by-1000'
assert_status 0 "oci exec --user 1000:1001 (emulated root)"
assert_eq "1000
1001
1000 1001" "$OUT" "oci exec --user 1000:1001: its ids, and a file it makes is theirs"
oci exec "$ID" -- sh -c 'id -u; stat -c "%u %g" /tmp/by-1000'
assert_eq "0
1000 1001" "$OUT" "oci exec without --user: the container's uid 0, and the file still 1000's"
oci delete -f "$ID"
assert_status 0 "oci delete -f"

# umoci's own config, but the command: its terminal (true) is the
# caller's in the foreground.
reset
edit "c['process']['args'] = ['sh', '-c', 'hostname; id -un']"
oci run -b "$W/bundle" "umoci-$MARK"
assert_status 0 "oci run of umoci's config (process.terminal true)"
assert_eq "$(config "c['hostname']")
root" "$OUT" "umoci's config: its host name, and root (uid 0 through the one-id mapping)"

# --- a terminal of the container's own: --console-socket ------------------
# runc's protocol: the pty's master comes over the socket (SCM_RIGHTS, the
# slave's name as the data); the receiver answers the container's prompt
# and reads everything it writes, until the terminal hangs up (EIO: the
# container's processes, and cocoon, hold no slave any more).
cat >"$TMP/console.py" <<'PY'
import os, select, socket, sys
path, answer = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
open(path + ".ready", "w").close()
conn, _ = srv.accept()
name, fds, _, _ = socket.recv_fds(conn, 256, 1)
master = fds[0]
out, sent = b"", False
while select.select([master], [], [], 120)[0]:
    try:
        data = os.read(master, 4096)
    except OSError:  # EIO: the last slave is closed
        break
    if not data:
        break
    out += data
    if not sent and b"name? " in out:
        os.write(master, answer.encode() + b"\n")
        sent = True
print("sent", name.decode())
sys.stdout.write(out.decode().replace("\r\n", "\n"))
PY
console_receiver() {  # SOCKET: in the background, its output in SOCKET.out
  rm -f "$1" "$1.ready"
  as_user /usr/bin/python3 "$TMP/console.py" "$1" world >"$1.out" 2>&1 &
  wait_for 20 test -e "$1.ready" || fail "the console receiver did not start: $(cat "$1.out")"
}
ID=tty-$MARK
reset
edit "
c['process']['args'] = ['sh', '-c', 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-three; (exec 3</dev/tty) 2>/dev/null && echo controlling; stty size; printf \"name? \"; read n; echo \"hello \$n\"']
c['process']['consoleSize'] = {'height': 33, 'width': 77}
"
console_receiver "$W/out/console.sock"
receiver=$!
detaching create --console-socket "$W/out/console.sock" -b "$W/bundle" "$ID"
assert_status 0 "oci create --console-socket (process.terminal true)"
oci start "$ID"
assert_status 0 "oci start of a container with a terminal"
wait "$receiver" || fail "the console receiver failed: $(cat "$W/out/console.sock.out")"
console_out=$(cat "$W/out/console.sock.out")
name=$(sed -n 's/^sent //p' <<<"$console_out")
[[ $name == /dev/pts/[0-9]* ]] || fail "the socket's message is not a pty's name: '$name'"
assert_eq "sent $name
$name
all-three
controlling
33 77
name? world
hello world" "$console_out" "--console-socket: the pty sent (its name as the data); tty names it, stdin/out/err are it, it is the controlling terminal (/dev/tty opens), consoleSize, input read from it"
wait_for 10 eval '[[ $(state_field "$ID" "s[\"status\"]") == stopped ]]' || fail "not stopped after its command ended"
oci delete "$ID"
assert_status 0 "oci delete"
# In the foreground too (runc run --console-socket).
console_receiver "$W/out/console2.sock"
receiver=$!
oci run --console-socket "$W/out/console2.sock" -b "$W/bundle" "$ID"
assert_status 0 "oci run --console-socket"
wait "$receiver" || fail "the console receiver failed: $(cat "$W/out/console2.sock.out")"
assert_match "hello world" "$(cat "$W/out/console2.sock.out")" "oci run --console-socket: the container talks to the receiver"
[[ -z $OUT ]] || fail "oci run --console-socket wrote to its own stdout: $OUT"
oci run --console-socket "$W/out/nosock" -b "$W/bundle" "$ID"
assert_status 125 "--console-socket of a missing socket"
assert_cocoon_message "--console-socket $W/out/nosock: connect: No such file or directory" "--console-socket of a missing socket"

# --- refusals, by name ----------------------------------------------------
refused() {  # WHAT STATUS REGEX PYTHON-EDIT
  prepare 'echo ran'
  edit "$4"
  oci run -b "$W/bundle" "ref-$MARK"
  assert_status "$2" "$1"
  assert_cocoon_message "$3" "$1"
}
refused "hooks" 120 "config.json: hooks.prestart: not supported by cocoon" \
  "c['hooks'] = {'prestart': [{'path': '/bin/true'}]}"
refused "an overlay mount" 120 "config.json: mounts\[[0-9]+\]\.type overlay at /x: not supported by cocoon" \
  "c['mounts'].append({'destination': '/x', 'type': 'overlay', 'source': 'overlay'})"
refused "a namespace to join" 120 "config.json: linux.namespaces network path /proc/1/ns/net: not supported" \
  "c['linux']['namespaces'].append({'type': 'network', 'path': '/proc/1/ns/net'})"
refused "a seccomp profile" 120 "config.json: linux.seccomp: not supported" \
  "c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW'}"
refused "a mapping of another user's id alone" 125 "config.json: linux.uidMappings: no hostID is yours" \
  "c['linux']['uidMappings'][0]['hostID'] = 4242"
refused "a malformed config.json" 125 "config.json: .*\\(/process/args\\) type must be array" "c['process']['args'] = 'sh'"
reset
detaching create -b "$W/bundle" "term-$MARK"
assert_status 125 "create with process.terminal, without --console-socket"
assert_cocoon_message "process.terminal is true: a detached container needs --console-socket" \
  "create with process.terminal (umoci's default), without --console-socket (runc's rule)"
prepare 'true'
oci run --console-socket "$W/out/console.sock" -b "$W/bundle" "term-$MARK"
assert_status 125 "--console-socket without process.terminal"
assert_cocoon_message "--console-socket: process.terminal is false" "--console-socket without process.terminal (runc's rule)"
oci run -b "$W/nowhere" "none-$MARK"
assert_status 125 "a missing bundle"
assert_cocoon_message "bundle $W/nowhere: No such file or directory" "a missing bundle"
oci state "../x"
assert_status 125 "an id that is not one"
assert_cocoon_message "container id '../x'" "an id that is not one"
oci list -q
assert_eq "" "$OUT" "no container left by the refusals"

finish

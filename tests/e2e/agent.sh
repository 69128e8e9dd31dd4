# The in-guest agent (issue 19, docs/agent.md): with --agent, the stat
# family and plain creations of an identity-only run are answered inside
# the guest. Every check runs the same commands without the agent, as the
# oracle: a user must see the same files, owners, modes and statuses. The
# probe (guests/agent_probe) also reads the agent's own count of the calls
# it answered, so that a pass proves the agent answered them, not the
# tracer. cocoon runs as nobody. Without the filter (noseccomp) no process
# is armed: the same answers, "answered none".
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
[[ -x $GUESTS/agent_probe ]] || { echo "SKIP $TEST_NAME: no agent on this machine (x86-64 only)"; exit 77; }
unset COCOON_AGENT
W=$TMP/w
mkdir -m 777 "$W"
armed=1
[[ $MODE == noseccomp ]] && armed=0

# answered_at_least N: the probe's last run says the agent answered at
# least N calls (or, unarmed, none).
answered_at_least() {
  local n
  n=$(sed -n 's/.* answered \([0-9a-z]*\)$/\1/p' <<<"$OUT" | tail -1)
  if ((armed)); then
    [[ $n =~ ^[0-9]+$ ]] && ((n >= $1)) || fail "the agent answered '$n' calls, expected at least $1: $OUT"
  else
    [[ $n == none ]] || fail "an agent answered without the filter: $OUT"
  fi
}

# The probe in each of its modes, dynamic and static, with the agent: the
# answers are the tracer's (the probe checks each against the first stat),
# and the agent gave them.
touch "$W/f" && chmod 666 "$W/f"
for probe in agent_probe agent_probe_static; do
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" stat f 500
  [[ $STATUS == 0 && $OUT == "owner 0:0 bad 0 answered"* ]] || fail "$probe stat: $OUT"
  answered_at_least 490
  pass "$probe: 500 stats as the tracer answers them, by the agent"
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" threads f
  [[ $STATUS == 0 && $OUT == "threads owner 0:0 bad 0"* ]] || fail "$probe threads: $OUT"
  answered_at_least 7900
  pass "$probe: four threads at once through one agent"
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" signal f
  [[ $STATUS == 0 && $OUT == "signal bad 0 handler_bad 0 handled some"* ]] || fail "$probe signal: $OUT"
  answered_at_least 100
  pass "$probe: a SIGALRM handler's stats interrupting the agent's"
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" vfork f
  [[ $STATUS == 0 && $OUT == "vfork child ok"* ]] || fail "$probe vfork: $OUT"
  pass "$probe: a vfork child's stat"
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" create "$W/c$probe" 200 || true
  mkdir -m 777 "$W/c$probe"
  cocoon_run -0 --agent -w "$W" -- "$GUESTS/$probe" create "$W/c$probe" 200
  [[ $STATUS == 0 && $OUT == "create bad 0"* ]] || fail "$probe create: $OUT"
  answered_at_least 200
  pass "$probe: 200 creations by the agent"
done
# The static probe's own `mov $4,%eax; syscall`, which the agent can
# reach: taken over, and every register a system call keeps kept.
cocoon_run -0 --agent -w "$W" -- "$GUESTS/agent_probe_static" regs f
[[ $STATUS == 0 ]] || fail "registers through the agent: $OUT"
if ((armed)); then
  [[ $OUT == "regs kept site patched"* ]] || fail "the static probe's site: $OUT"
else
  [[ $OUT == "regs kept site native"* ]] || fail "the static probe's site without the filter: $OUT"
fi
pass "registers and flags across a call the agent answered"

# A thread cancelled in an open: glibc's open runs with asynchronous
# cancellation once the process has had a thread, and an unwinder cannot
# cross the agent: such sites stay the tracer's, and the cleanup runs.
# (The static probe: the dynamic one, built as C, aborts in the unwinder
# natively too.)
mkdir -m 777 "$W/xcancel"
cocoon_run -0 --agent -w "$W" -- "$GUESTS/agent_probe_static" cancel "$W/xcancel"
[[ $STATUS == 0 && $OUT == *"cancel done cleanup ran"* ]] || fail "cancelled in an open: $OUT"
pass "a thread cancelled in an open runs its cleanup"


# compare WHAT SCRIPT [OPTIONS...]: the script under `cocoon run OPTIONS`
# with and without --agent, each in a fresh directory: the same output
# and status.
compare() {
  local what=$1 script=$2
  shift 2
  mkdir -m 777 "$W/a-$NCHECKS" "$W/b-$NCHECKS"
  cocoon_run "$@" -w "$W/a-$NCHECKS" -- sh -c "$script"
  local want=$OUT st=$STATUS
  cocoon_run "$@" --agent -w "$W/b-$NCHECKS" -- sh -c "$script"
  [[ $STATUS == "$st" ]] || fail "$what: status $STATUS with the agent, $st without"
  [[ $OUT == "$want" ]] || fail "$what: the agent's answers differ:
--- without
$want
--- with
$OUT"
  [[ -n $want ]] || fail "$what: no output (test bug?)"
  pass "$what: the same with the agent"
}
owners='touch a b; chown 12:34 a; chmod 4755 a; mknod d c 1 3; mkfifo p; mkdir -m 0 z; ln -s a l
stat -c "%n %u:%g %a %F %t:%T" a b d p z l / /etc/passwd; stat -L -c "%n %u:%g %a" l
ls -ln | sed 1d | sed "s/ [A-Z][a-z][a-z] .*:[0-9][0-9] / /"; find . -printf "%p %U:%G %m\n" | sort
stat -c %u:%g nothing; echo status $?'
compare "owners, modes, devices, errors" "$owners" -0
compare "--uid 1000 --gid 100" "$owners" --uid 1000 --gid 100
# A set-id change (setpriv's setresuid, emulated): the agent leaves that
# process's creations to the tracer, which records the new owner.
compare "creations after a set-id change" \
  'setpriv --reuid 1000 --regid 100 --clear-groups sh -c "touch g; mkdir h"; stat -c "%n %u:%g" g h' -0
# A recorded set-group-ID directory: the new file's group is the
# directory's, which only the tracer gives.
compare "a recorded set-group-ID directory" \
  'mkdir d; chown 0:50 d; chmod 2775 d; touch d/x; mkdir d/y; stat -c "%n %u:%g %a" d d/x d/y' -0
# Permission bits the real user lacks: the emulated root's DAC override
# (EACCES goes to the tracer).
compare "the root's DAC override" \
  'mkdir -m 0 s; touch s/x 2>&1; stat -c "%n %u:%g %a" s s/x 2>&1; chmod 700 s' -0
# A user namespace of the kernel's (where the host allows one): every
# agent turns off, the tracer's answers stand.
compare "a user namespace made inside" \
  'unshare -U sh -c "stat -c %u:%g /etc/passwd /etc/passwd" 2>&1; echo $?' -0 --unknown-is-real
# The table's mapping would take address space: under a finite
# RLIMIT_AS the agent maps nothing.
compare "a finite RLIMIT_AS" 'ulimit -v 16000; ls -l /etc/passwd; stat -c %u:%g /etc/passwd' -0
# Records that outlive the run (--db): the next run's agents answer from
# them.
db=$W/owners.db
cocoon_run -0 --db "$db" --agent -w "$W" -- sh -c 'touch kept; chown 7:8 kept'
[[ $STATUS == 0 ]] || fail "chown with --db: $ERR"
cocoon_run -0 --db "$db" --agent -w "$W" -- "$GUESTS/agent_probe" stat kept 50
[[ $STATUS == 0 && $OUT == "owner 7:8 bad 0"* ]] || fail "a recorded owner from --db through the agent: $OUT"
answered_at_least 45
pass "--db's records answered by the next run's agents"

# The fakeroot front end (COCOON_AGENT=1): a chowned tree archived the same.
pkg='mkdir t; for d in 1 2 3; do mkdir t/d$d; for f in 1 2 3 4; do echo $f >t/d$d/f$f; done; done
chown -R 0:0 t; chown 5:6 t/d1/f1; chmod 600 t/d2/f2; tar -cf - t | tar -tvf - | sed "s/ [0-9-]* [0-9:]* / /"'
mkdir -m 777 "$W/fa" "$W/fb"
run_limited "$LIMIT" "${RUN_PREFIX[@]}" "$COCOON" fakeroot -- sh -c "cd $W/fa && $pkg"
want=$OUT
run_limited "$LIMIT" "${RUN_PREFIX[@]}" env COCOON_AGENT=1 "$COCOON" fakeroot -- sh -c "cd $W/fb && $pkg"
[[ $STATUS == 0 && $OUT == "$want" && -n $want ]] || fail "fakeroot's archive with the agent:
$want
---
$OUT"
pass "cocoon fakeroot: the same archive listing with COCOON_AGENT=1"

# A debugger in the guest sees every call: the agent turns off, and no
# process is armed after it.
if command -v strace >/dev/null; then
  cocoon_run -0 --agent -w "$W" -- sh -c "strace -o /dev/null true; '$GUESTS/agent_probe' stat f 20"
  [[ $STATUS == 0 && $OUT == *"answered none" ]] || fail "the agent after a ptrace call: $OUT"
  pass "ptrace in the guest turns the agent off"
fi
# In a view (docs/agent.md, "In a view"): a tree walked as find walks it
# (one name at a time from a directory's descriptor), with a bind over a
# directory the host has (its host entries hidden), a bind where the host
# has nothing (an entry the view adds), a read-only bind, symlinks leading
# into a bind (absolute: the tracer's to follow) and beside it, a host
# directory below it all: the same listing and contents with the agent,
# which answered the plain part.
V=$W/view
mkdir -p "$V/root/w/m" "$V/root/w/deep/d1/e" "$V/src/sub" "$V/ro"
echo shadowed >"$V/root/w/m/hidden"
echo plain >"$V/root/w/plain"
echo deep >"$V/root/w/deep/d1/e/f"
echo bound >"$V/src/sub/f"
echo ro >"$V/ro/r"
ln -s /w/n/sub/f "$V/root/w/abs"
ln -s m "$V/root/w/rel"
chmod -R a+rX "$V"
chmod 777 "$V/root/w"
view=(-r "$V/root" -b "$V/src:/w/m" -b "$V/src:/w/n" --ro-bind "$V/ro:/w/ro" -b "$GUESTS:/g" --proc /proc)
for probe in agent_probe_static agent_probe; do
  [[ $probe == agent_probe ]] && view=(-r / -b "$V/src:$V/root/w/m" -b "$V/src:$V/root/w/n" \
    --ro-bind "$V/ro:$V/root/w/ro" -b "$GUESTS:/g")
  at=/w
  [[ $probe == agent_probe ]] && at=$V/root/w
  cocoon_run "${view[@]}" -- "/g/$probe" walk "$at"
  want=$OUT
  [[ $STATUS == 0 && $want == *"$at/m/sub/f 100"*"[bound]"* && $want == *"$at/n/sub/f 100"*"[bound]"* &&
    $want == *"$at/abs 120777"*"[bound]"* && $want != *shadowed* ]] || fail "walk without the agent: $want"
  cocoon_run "${view[@]}" --agent -- "/g/$probe" walk "$at"
  [[ $STATUS == 0 && ${OUT% answered*} == "${want% answered*}" ]] || fail "$probe walk with the agent:
--- without
$want
--- with
$OUT"
  answered_at_least 20
  pass "$probe: a walk of a view with binds and symlinks, the same with the agent, which answered"
done
# The same commands a user runs, with and without the agent: listings,
# contents through relative names, a write refused by the read-only bind,
# find's view of it all; with fake root too (owners recorded in the view).
tree='cd '"$V"'/root/w && ls -la . m n ro deep/d1 | sed "s/ [A-Z][a-z][a-z] .*:[0-9][0-9] / /"; cat plain abs rel/sub/f deep/d1/e/f
(echo x >ro/r) 2>&1; echo status $?; find . -printf "%p %y %s %m\n" | sort; stat -c "%n %F %s" * | sort
for p in plain abs rel deep/d1/e/f deep/d1 m/sub/f nothing ro/r n/sub; do readlink $p; echo "readlink $p $?"
  readlink -f $p; test -r $p && echo "$p r"; test -x $p && echo "$p x"; test -w $p && echo "$p w"; done
stat -c %n /proc/1/nothing /proc/999999/mounts 2>&1
cd / && for p in '"$V"'/root/w/plain '"$V"'/root/w/n/sub/f '"$V"'/root/w/n/../plain '"$V"'/root/w/m/../w \
  '"$V"'/root/w/./deep//d1/e/../e/f '"$V"'/root/w/m/sub/../sub/f '"$V"'/root/w/deep/d1/e/../../../n/sub/f \
  '"${V#/}"'/root/w/abs '"$V"'/root/../root/w/plain; do cat $p 2>&1; stat -c "%n %F %s" $p 2>&1; done'
compare "a view: binds, a read-only bind, symlinks" "$tree" -r / -b "$V/src:$V/root/w/m" \
  -b "$V/src:$V/root/w/n" --ro-bind "$V/ro:$V/root/w/ro"
compare "a view with fake root: recorded owners" \
  'cd '"$V"'/root/w && touch mine && chown 5:6 mine deep/d1/e/f && find . -printf "%p %U:%G %m\n" | sort && rm mine' \
  -0 -r / -b "$V/src:$V/root/w/m" -b "$V/src:$V/root/w/n"

# A root of its own (not /): absolute paths are walked from the root's
# host directory, the same answers.
# (A second review: ".." out of a directory the view makes up, /newtop,
# which the host lacks; /proc/self in a root without /proc, the tracer's
# own answer.)
rooted=(-r "$V/root" -b /usr:/usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64
  -b "$V/src:/w/m" -b "$V/src:/w/n" -b "$V/src:/newtop/m")
abs='for p in /w/plain /w/n/sub/f /w/n/../plain /w/./deep//d1/e/f /w/m/sub/../sub/f /w/abs /../w/plain \
  /w/deep/d1/e/../../../n/sub/f /w/nothing /newtop/../w/plain /newtop/./../w; do cat $p 2>&1; stat -c "%n %F %s" $p 2>&1; done
readlink /proc/self >/dev/null && echo self; (cd /proc 2>&1 && readlink self >/dev/null && echo self-relative)
cd /w && cat ../w/plain deep/d1/e/f; ls -la / /w | sed "s/ [A-Z][a-z][a-z] .*:[0-9][0-9] / /"'
cocoon_run "${rooted[@]}" -- sh -c "$abs"
want=$OUT
[[ $STATUS == 0 && $want == *bound*plain* ]] || fail "absolute paths in a root of its own: $want / $ERR"
cocoon_run "${rooted[@]}" --agent -- sh -c "$abs"
[[ $STATUS == 0 && $OUT == "$want" ]] || fail "absolute paths in a root of its own with the agent:
--- without
$want
--- with
$OUT"
# The same paths from one process, three rounds (each call site's first
# call is the tracer's, the next ones the agent's), and the agent's count.
paths=(/w/plain /w/n/sub/f /w/n/../plain /w/./deep//d1/e/f /w/m/sub/../sub/f /w/abs /../w/plain
  /w/deep/d1/e/../../../n/sub/f /w/nothing /w/nothing/.. /newtop/../w/plain /newtop/./../w /newtop
  /proc/self /proc/thread-self /proc/1/nothing /w/deep /w/deep/ //w/plain /w/plain/)
# Without /proc in the view (the tracer's /proc/self all the same), then
# with it (the probe reads the agent's count from /proc/self/maps).
for proc in "" --proc; do
  cocoon_run "${rooted[@]}" -b "$GUESTS:/g" ${proc:+--proc /proc} -- /g/agent_probe_static paths "${paths[@]}"
  want=$OUT
  [[ $STATUS == 0 && $want == *"/newtop/../w/plain stat 100"* ]] || fail "paths in a root of its own: $want / $ERR"
  cocoon_run "${rooted[@]}" -b "$GUESTS:/g" ${proc:+--proc /proc} --agent -- /g/agent_probe_static paths "${paths[@]}"
  [[ $STATUS == 0 && ${OUT% answered*} == "${want% answered*}" ]] || fail "paths in a root of its own ($proc), the agent:
--- without
$want
--- with
$OUT"
done
answered_at_least 30
pass "a root of its own: absolute paths, the same with the agent"
# The host's root: its /proc is the tracer's (another process's entries
# refused, EACCES), whatever the walk finds.
hostpaths=(/proc/1/nothing /proc/999999/mounts /proc/1/task/1/nothing "$V/root/w/plain" "$V/root/w/m/sub/f")
cocoon_run -r / -b "$V/src:$V/root/w/m" -- "$GUESTS/agent_probe_static" paths "${hostpaths[@]}"
want=$OUT
cocoon_run -r / -b "$V/src:$V/root/w/m" --agent -- "$GUESTS/agent_probe_static" paths "${hostpaths[@]}"
[[ $STATUS == 0 && ${OUT% answered*} == "${want% answered*}" && $want == *"Permission denied"* ]] ||
  fail "the host's /proc, the agent:
--- without
$want
--- with
$OUT"
answered_at_least 6
pass "the host's root: /proc the tracer's, the same with the agent"

# Symlinks on the way and last, which the agent follows itself where the
# walk stays plain (docs/agent.md "In a view"): relative and absolute
# ones, ".." after one (the link's directory's parent, not the lexical
# one), ".." clamped at the view's root, links into a bind (the bind's
# file, not the one it hides), loops, dangling ones, a trailing '/'; and
# failed walks, the deepest existing directory telling ENOENT from
# ENOTDIR (with "." or "..": the agent's own walk failing the same). In the root of its own (each symlink walked by the agent) and
# under -r / (the guest's paths the host's: its walk checked without a
# descriptor). The same answers with and without the agent.
L=$V/root/w/links
mkdir -p "$L"
echo top >"$V/root/top"
ln -s ../plain "$L/toplain"
ln -s .. "$L/up"
ln -s . "$L/self"
ln -s ../deep "$L/todir"
ln -s ../m "$L/tobind"
ln -s ../m/hidden "$L/hidden"
ln -s ../n/sub/f "$L/bound"
ln -s /w/plain "$L/absplain"
ln -s / "$L/root"
ln -s ../../../../../../../../top "$L/escape"
ln -s loop2 "$L/loop1"
ln -s loop1 "$L/loop2"
ln -s nothing-there "$L/dangling"
ln -s toplain "$L/chain"
ln -s /proc/self/comm "$L/proc"
chmod -R a+rX "$V/root"
links=(toplain up/plain self/self/toplain todir/d1/e/f todir/../plain tobind/sub/f tobind/hidden hidden bound
  absplain root/w/plain root/top escape loop1 loop1/x dangling chain chain/ toplain/ up/ todir/d1/../d1/e/f
  proc nothing nothing/deeper/f ../plain/x ../deep/d1/nothing/more/f ../deep/d1/e/f/g
  ../deep/d1/../nothing/more/f ../plain/../x todir/../nothing/x ../deep/./d1/e/f/g/..)
for view in rooted host; do
  if [[ $view == rooted ]]; then
    at=/w/links args=("${rooted[@]}" -b "$GUESTS:/g" --proc /proc) probe=/g/agent_probe_static
  else
    at=$L args=(-r / -b "$V/src:$V/root/w/m" -b "$V/src:$V/root/w/n") probe=$GUESTS/agent_probe_static
  fi
  cocoon_run "${args[@]}" -- "$probe" paths "${links[@]/#/$at/}"
  want=$OUT
  [[ $STATUS == 0 && $want == *"$at/tobind/sub/f stat 100"*"[bound]"* && $want != *shadowed* &&
    $want == *"$at/loop1 stat Too many levels"* && $want == *"$at/todir/../plain stat 100"* ]] ||
    fail "symlinks ($view view) without the agent: $want / $ERR"
  [[ $view == host || $want == *"$at/escape stat 100"*"[top]"* ]] || fail "a link above the root: $want"
  cocoon_run "${args[@]}" --agent -- "$probe" paths "${links[@]/#/$at/}"
  [[ $STATUS == 0 && ${OUT% answered*} == "${want% answered*}" ]] || fail "symlinks ($view view), the agent:
--- without
$want
--- with
$OUT"
  answered_at_least 100
done
pass "symlinks followed and failed walks: the same with the agent, which answered them"

# A name of 8192 bytes without its NUL, where the guest's memory ends:
# the kernel says ENAMETOOLONG having read 4096, and so must the agent
# (a review found it reading on to the end: SIGSEGV), in a root of its
# own and under -r /.
for view in rooted host; do
  if [[ $view == rooted ]]; then
    args=("${rooted[@]}" -b "$GUESTS:/g" --proc /proc) probe=/g/agent_probe_static at=/w/plain
  else
    args=(-r / -b "$V/src:$V/root/w/m") probe=$GUESTS/agent_probe_static at=$V/root/w/plain
  fi
  for agent in "" --agent; do
    cocoon_run "${args[@]}" $agent -- "$probe" long "$at"
    [[ $STATUS == 0 && $OUT == *"1 stat ok open ok readlink Invalid argument access ok"* &&
      $OUT == *"3 stat File name too long open File name too long readlink File name too long access File name too long"* ]] ||
      fail "a name without its NUL ($view view, $agent): status $STATUS: $OUT / $ERR"
  done
done
pass "a name of 8192 bytes without its NUL: ENAMETOOLONG, with and without the agent"

# readlink of a symlink: the kernel's body with `cocoon run`, answered by
# the agent; the proot front end shows an absolute body naming a bind's
# source in guest terms (PRoot's rule), which the agent leaves to the
# tracer (without its check it would show the host path).
P=$W/plinks
mkdir -p "$P"
echo f >"$P/file"
ln -s "$P/file" "$P/link"
chmod -R a+rX "$P"
cocoon_run -r / -b "$P:/mnt/plinks" -w /mnt/plinks --agent -- "$GUESTS/agent_probe_static" paths link
[[ $STATUS == 0 && $OUT == *"2 link stat 100644 2 open ok [f] readlink ok [$P/file]"* ]] ||
  fail "readlink of a link with the agent: $OUT / $ERR"
answered_at_least 2
ln -s "$V/root/w/plain" "$V/root/w/hostabs"
for agent in 0 1; do
  run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} env COCOON_AGENT=$agent "$COCOON" proot -r "$V/root" \
    -b /usr -b /lib -b /lib64 -b "$P:/mnt/plinks" -b "$GUESTS:/g" -b /proc -w /mnt/plinks /g/agent_probe_static \
    paths link /w/hostabs
  [[ $STATUS == 0 && $OUT == *"2 link stat 100644 2 open ok [f] readlink ok [/mnt/plinks/file]"* &&
    $OUT == *"2 /w/hostabs stat 100644 6 open ok [plain] readlink ok [/w/plain]"* ]] ||
    fail "cocoon proot (COCOON_AGENT=$agent): links' bodies in guest terms: $OUT / $ERR"
done
pass "readlink of a symlink: the kernel's body from the agent, the proot front end's guest terms kept (read and followed)"

# Edges a review found (each the same with and without the agent): a
# stat of a host path the view lacks leaves the guest's buffer as it was
# (the agent's probe goes to its own buffer); a directory descriptor the
# command inherited from outside the view is no plain directory (the
# tracer's ENOENT); newfstatat with a NULL path is the tracer's.
mkdir -p "$W/outside"
echo o >"$W/outside/$(basename "$GUESTS")"
chmod -R a+rX "$W/outside"
edges=()
for agent in "" --agent; do
  run_limited "$LIMIT" "${RUN_PREFIX[@]}" bash -c 'exec 3<"$1"; shift; exec "$@"' _ "$W/outside" \
    "$COCOON" run $agent -r "$V/root" -b "$GUESTS:/g" --proc /proc -- /g/agent_probe_static edges "$GUESTS"
  [[ $STATUS == 0 ]] || fail "edges $agent: $OUT / $ERR"
  [[ $OUT != *TOUCHED* && $OUT == *"stat No such file or directory untouched"* ]] ||
    fail "edges $agent: a failed stat changed the guest's buffer: $OUT"
  [[ $OUT != *"fd3 ok"* && $OUT != *"null ok"* ]] || fail "edges $agent: $OUT"
  edges+=("${OUT% answered*}")
done
[[ ${edges[0]} == "${edges[1]}" ]] || fail "edges: with the agent ${edges[1]}, without ${edges[0]}"
pass "a host path the view lacks, a descriptor from outside it, a NULL path: the same with the agent"
# A mount target below a directory the host lacks, which a writable mount
# would let the guest make (then unmarked): no agent.
mkdir -p "$W/alias-src"
chmod 777 "$W/alias-src"
cocoon_run -r / -b "$W/alias-src:$W/alias" -b "$V/src:$W/alias/new/m" --agent -- true
[[ $STATUS == 0 && $ERR == *"--agent ignored: "*"could make it as $W/alias-src/new"* ]] ||
  fail "a missing directory on the way, reachable through another mount: $ERR"
pass "a missing directory on the way to a target, which the guest could make: no agent, said"
# The owner table truncated by the guest (the same user's file): cocoon
# writes it with pwrite, never through a mapping, and lives on to record
# the next chown (a process that reads the table afterwards takes the
# SIGBUS: the guest's doing, so the chown is exec'd by the shell, and is
# new enough to have read nothing of it).
if ((armed)); then
  touch "$W/t" && chmod 666 "$W/t"
  cocoon_run -0 --agent -w "$W" -- sh -c 'T=$(grep -o "/[^ ]*owners" /proc/self/maps | head -1)
[ -n "$T" ] && truncate -s 0 "$T" && echo truncated && exec "$0" stat t 20' "$GUESTS/agent_probe"
  [[ $STATUS == 0 && $OUT == "truncated"*"answered 0" ]] || fail "a truncated owner table: status $STATUS: $OUT / $ERR"
  pass "the owner table truncated by the guest: cocoon lives on, the next process's agent maps nothing"
fi

# Where it cannot serve: said, and the run goes on without it.
cocoon_run -0 --agent -b /tmp:/mnt --no-landlock -w "$W" -- "$GUESTS/agent_probe" stat f 5
[[ $STATUS == 0 && $OUT == *"answered none" && $ERR == *"--agent ignored: in a view it needs Landlock"* ]] ||
  fail "--agent with a view and no Landlock: $OUT / $ERR"
pass "--agent with a view and --no-landlock: ignored, said in one line"
cocoon_run -0 --agent --unshare-pid -w "$W" -- "$GUESTS/agent_probe" stat f 5
[[ $STATUS == 0 && $OUT == *"answered none" && $ERR == *"--agent ignored: it serves no run with namespaces"* ]] ||
  fail "--agent with namespaces: $OUT / $ERR"
pass "--agent with an emulated namespace: ignored, said in one line"
echo "PASS $TEST_NAME ($NCHECKS checks)"

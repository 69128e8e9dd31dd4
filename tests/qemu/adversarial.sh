# The adversarial suite in the qemu guest (sourced by runner.sh; busybox sh):
# tests/adversarial/adversarial.sh's probes and assertions on the kernels of
# the cross suite, 5.10 (no Landlock, no WAIT_KILLABLE_RECV) included. Each
# probe runs natively first as uid 65534 and must escape there (its route
# open, the secret read and changed), or it proves nothing; then under
# cocoon as uid 65534 with a guest root that does not hold the secret, with
# and without --no-landlock where the kernel has Landlock (once, as it
# comes, where it has none): the route closed, the secret neither read nor
# written nor its metadata changed, no task left. A probe whose route the
# kernel itself lacks (natively closed) is reported "n/a" with the reason
# (runner.sh's not_applicable), never as a pass.

PROBES=/cocoon/probes

# adv_setup: the root (the probes and nothing else) and the secret in $T.
adv_setup() {
  PREFIX=$AS_NOBODY
  ROOT=$T/root
  mkdir -p "$ROOT/probes"
  cp "$PROBES"/* "$ROOT/probes/"
  chmod -R a+rX "$ROOT"
  HOST=$T/host
  mkdir -p "$HOST"
  chmod 755 "$HOST"
  SECRET=$HOST/secret
  CONTENT="host-secret-$MARK"
  make_secret
  local abi
  abi=$("$HELPER" landlock-abi) || fail "helper landlock-abi: $abi"
  if [ "$abi" = 0 ]; then
    LANDLOCK_MODES="kernel-has-none"
  else
    LANDLOCK_MODES="landlock no-landlock"
  fi
}

# The secret: outside the root, uid 65534's, so natively the probe can read,
# write, chmod and touch it.
make_secret() {
  printf '%s\n' "$CONTENT" >"$SECRET"
  chmod 600 "$SECRET"
  touch -d '2001-02-03 04:05:06' "$SECRET"
  chown 65534:65534 "$SECRET"
  SNAP=$(snapshot)
}

# Whatever the guest could change: contents, mode, owner, times (ctime moves
# with every chmod, utimensat, setxattr and write), and the names beside it.
snapshot() {
  stat -c '%i %A %u:%g %s %y %z' "$SECRET"
  sha256sum <"$SECRET"
  ls -A "$HOST"
}

landlock_flags() { [ "$1" = no-landlock ] && echo --no-landlock; }

# expect_routes STATE NAME...: the probe's output says "route NAME: STATE".
expect_routes() {
  local state=$1 name
  shift
  for name in "$@"; do
    case $OUT in *"route $name: $state"*) ;; *) fail "route $name is not $state: $OUT" ;; esac
  done
}

# The native control: routes open, the secret read and changed; then the
# secret is made anew.
escapes_natively() {
  local what=$1
  shift
  expect_routes open "$@"
  case $OUT in *"$CONTENT"*) ;; *) fail "$what: natively the probe did not read the secret (test bug?)" ;; esac
  [ "$(snapshot)" != "$SNAP" ] || fail "$what: natively the probe did not change the secret (test bug?)"
  echo "$what: natively, routes $* open, the secret read and changed"
  make_secret
}

# Under cocoon: the routes closed, nothing of the secret in the output, the
# secret as it was.
contained() {
  local what=$1 now
  shift
  expect_routes closed "$@"
  case $OUT$ERR in *"$CONTENT"*) fail "$what: the guest read the secret" ;; esac
  now=$(snapshot)
  [ "$now" = "$SNAP" ] || fail "$what: the secret changed: before '$SNAP', after '$now'"
  echo "$what: routes $* closed, the secret neither read nor changed"
}

# contained_each OPTIONS PROBE ARGS... -- ROUTES...: the probe under cocoon
# in each Landlock mode, contained. OPTIONS (a word list, maybe empty) are
# cocoon's, before the root.
contained_each() {
  local opts=$1 probe=$2 args="" ll routes
  shift 2
  while [ "$1" != -- ]; do args="$args $1"; shift; done
  shift
  routes=$*
  for ll in $LANDLOCK_MODES; do
    # shellcheck disable=SC2046,SC2086
    cocoon_run $(landlock_flags "$ll") $opts -r "$ROOT" -- "/probes/$probe" $args
    assert_status 0 "$probe ($ll)"
    # shellcheck disable=SC2086
    contained "$probe ($ll)" $routes
  done
}

# 1. A seccomp listener of the guest's own, continuing every call.
t_adv_unotify() {
  adv_setup
  run_native $AS_NOBODY "$ROOT/probes/unotify" "$SECRET"
  escapes_natively unotify seccomp_listener
  contained_each "" unotify "$SECRET" -- seccomp_listener
}

# 2. CLONE_UNTRACED and a tracer of the guest's own. With cocoon's filter
# PTRACE_O_TRACESECCOMP is emulated, so the probe's "traceme" route reports
# it accepted: its tracer gets the guest's own filters' seccomp stops only,
# the calls still go through cocoon, and the secret stays out of reach (as
# tests/adversarial/adversarial.sh).
t_adv_untraced() {
  adv_setup
  run_native $AS_NOBODY "$ROOT/probes/untraced" "$SECRET"
  escapes_natively untraced clone_untraced traceme
  contained_each "" untraced "$SECRET" -- clone_untraced
}

# 3. Signals to cocoon (the guest's parent). Natively the parent is a shell
# of the same user (the `; :` keeps it from exec'ing the probe).
SIGNAL_ROUTES="prlimit kill tkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_send_signal
  pidfd_send_signal_procdir thread_signals"
t_adv_signals() {
  local ll
  adv_setup
  # shellcheck disable=SC2016
  run_native $AS_NOBODY sh -c '"$@"; :' sh "$ROOT/probes/signals" probe
  # shellcheck disable=SC2086
  expect_routes open $SIGNAL_ROUTES
  echo "signals: natively every route reaches the parent"
  # shellcheck disable=SC2086
  contained_each "--proc /proc" signals probe -- $SIGNAL_ROUTES
  for ll in $LANDLOCK_MODES; do
    # SIGSTOP for real, to each of its threads too (--proc lists them): a
    # stopped cocoon would hold the guest until the limit.
    # shellcheck disable=SC2046
    cocoon_run $(landlock_flags "$ll") -r "$ROOT" --proc /proc -- /probes/signals stop
    assert_status 0 "signals stop ($ll)"
    assert_match "alive after SIGSTOP" "$OUT" "kill -STOP \$PPID ($ll): cocoon went on"
  done
}

# A pidfd swapped by a sibling thread between cocoon's check and the
# kernel's look-up: pidfd_send_signal on the parent's pidfd must never reach
# cocoon. (Natively the parent is the shell.)
t_adv_pidfdswap() {
  adv_setup
  # On one vCPU the swapping thread is mostly preempted with the slot on
  # the gone process's pidfd: natively the probe runs until its first call
  # reaches the parent (up to 50 s, inside the harness's 60).
  # shellcheck disable=SC2016
  run_native $AS_NOBODY sh -c '"$@"; :' sh "$ROOT/probes/pidfdswap" 50 first
  expect_routes open pidfd_swap
  contained_each "" pidfdswap 3 -- pidfd_swap
}

# The parent as the owner of a socket's SIGIO, by each of the four
# commands; the probe's own pid as owner must still be taken.
SETOWN_ROUTES="fcntl_setown fcntl_setown_ex fiosetown siocspgrp"
t_adv_setown() {
  local ll
  adv_setup
  # shellcheck disable=SC2016
  run_native $AS_NOBODY sh -c '"$@"; :' sh "$ROOT/probes/setown"
  # shellcheck disable=SC2086
  expect_routes open $SETOWN_ROUTES
  for ll in $LANDLOCK_MODES; do
    # shellcheck disable=SC2046
    cocoon_run $(landlock_flags "$ll") -r "$ROOT" -- /probes/setown
    assert_status 0 "setown ($ll)"
    # shellcheck disable=SC2086
    contained "setown ($ll)" $SETOWN_ROUTES
    assert_match "own: 4 of 4" "$OUT" "setown ($ll): the probe's own pid is still taken by each command"
  done
}

# gone PID: no such process, or a zombie (busybox ash reaps its background
# jobs only when it waits).
gone() { ! grep -Eq '^State:[[:space:]]+[^Z]' "/proc/$1/status" 2>/dev/null; }

# kill(-1) as a user of its own, which no other process of this VM has:
# natively the parent shell dies; under cocoon, cocoon is spared and the
# process outside (same user) is not.
t_adv_kill_all() {
  local uid=$((50000 + $$ % 10000)) loner
  local as_loner="$HELPER asuser $uid $uid"
  # (Not under reaper: the inner shell outlives its killed parent.)
  OUT=$($as_loner sh -c 'sh -c "kill -TERM -1; echo rc=\$?"; echo parent lives')
  assert_eq "rc=0" "$OUT" "kill -1: natively the parent was not reached (test bug?)"
  $as_loner sleep "$SLEEP_ARG" &
  loner=$!
  wait_for 15 eval '[ "$(cat /proc/$loner/comm 2>/dev/null)" = sleep ]' || fail "kill -1: no outside process"
  run_limited "$LIMIT" $as_loner "$COCOON" run $MODE_FLAGS -- sh -c 'kill -TERM -1; echo rc=$?'
  assert_eq "rc=0" "$OUT" "kill -1 under cocoon: cocoon lives on, the call succeeds"
  assert_status 0 "kill -1 under cocoon"
  wait_for 5 gone "$loner" || { kill "$loner"; fail "kill -1: the outside process was spared"; }
  wait "$loner" 2>/dev/null || :
}

# 4. cocoon itself: ptrace, its memory, its descriptors, its /proc files.
# Natively the parent is a shell of the same user holding the secret open as
# descriptor 7 and in its environment.
STEAL_ROUTES="ptrace_seize process_vm_readv pidfd_getfd proc_environ proc_mem proc_fd"
t_adv_steal_parent() {
  adv_setup
  # shellcheck disable=SC2016
  run_native $AS_NOBODY env COCOON_SECRET="$CONTENT" \
    sh -c 'exec 7<"$0"; "$@" 7<&-; :' "$SECRET" "$ROOT/probes/steal" parent
  # shellcheck disable=SC2086
  expect_routes open $STEAL_ROUTES
  assert_match "stolen fd [0-9]+: $CONTENT" "$OUT" "steal parent: natively the descriptor was not taken (test bug?)"
  assert_match "environ: COCOON_SECRET=$CONTENT" "$OUT" "steal parent: natively the environment was not read (test bug?)"
  # shellcheck disable=SC2086
  contained_each "--proc /proc" steal parent -- $STEAL_ROUTES
  # The host's own view with identities (-0 --db): no root, so no Landlock,
  # and cocoon holds the ownership database (and a listener) open.
  mkdir -p "$T/db"
  chown 65534 "$T/db"
  cocoon_run -0 --db "$T/db/owners" -- "$ROOT/probes/steal" parent
  assert_status 0 "steal parent (-0 --db, no root)"
  # shellcheck disable=SC2086
  contained "steal parent (cocoon with -0 --db, the host's view)" $STEAL_ROUTES
  case $OUT in *cocoon-ownership-db*) fail "the guest read cocoon's ownership database: $OUT" ;; esac
}

# 5. A process of the same user outside the guest, holding the secret.
t_adv_steal_outsider() {
  local outsider
  adv_setup
  # shellcheck disable=SC2016
  $AS_NOBODY env COCOON_SECRET="$CONTENT" sh -c 'exec 7<"$0"; exec sleep "$1"' "$SECRET" "$SLEEP_ARG" &
  outsider=$!
  wait_for 15 eval '[ "$(readlink /proc/$outsider/fd/7)" = "$SECRET" ]' ||
    { kill "$outsider"; fail "the outside process did not start"; }
  run_native $AS_NOBODY "$ROOT/probes/steal" "$outsider"
  # shellcheck disable=SC2086
  expect_routes open $STEAL_ROUTES
  assert_match "stolen fd 7: $CONTENT" "$OUT" "steal outsider: natively nothing taken (test bug?)"
  # shellcheck disable=SC2086
  contained_each "--proc /proc" steal "$outsider" -- $STEAL_ROUTES
  # The same from a guest that made itself not dumpable, which cocoon
  # cannot look into (its fdinfo and fd links are root's): the pidfd it
  # hands pidfd_getfd must not be taken for one of the guest's. (Its /proc
  # routes are not reached: it then cannot read its own /proc/self either.)
  run_native $AS_NOBODY "$ROOT/probes/steal" "$outsider" nodump
  expect_routes open pidfd_getfd
  assert_match "stolen fd 7: $CONTENT" "$OUT" "steal outsider nodump: natively nothing taken (test bug?)"
  contained_each "--proc /proc" steal "$outsider" nodump -- pidfd_getfd
  # The outside process's pidfd swapped in by a sibling thread under
  # pidfd_getfd of the probe's own (tests/adversarial/adversarial.sh):
  # natively until the first descriptor taken (up to 50 s), as
  # t_adv_pidfdswap.
  run_native $AS_NOBODY "$ROOT/probes/pidfdswap" 50 getfd "$outsider" first
  expect_routes open getfd_swap
  contained_each "" pidfdswap 3 getfd "$outsider" -- getfd_swap
  kill "$outsider"
  wait "$outsider" 2>/dev/null || :
}

# 6. An overlay of the secret's directory, built in a user namespace of the
# guest's own with the new mount API, read through the detached mount.
t_adv_mountapi() {
  adv_setup
  mkdir -p "$T/empty"
  run_native $AS_NOBODY "$ROOT/probes/mountapi" "$SECRET" "$T/empty"
  case $OUT in
    *"route userns: closed"*) not_applicable "no unprivileged user namespaces here: $OUT" ;;
    # Debian builds overlayfs as a module; the initramfs loads none.
    *"route fsopen: closed (ENODEV)"*) not_applicable "no overlay filesystem in this kernel (a module the initramfs does not load)" ;;
    # overlayfs is mountable in a user namespace from Linux 5.11 (FS_USERNS_MOUNT).
    *"route fsmount: closed"*) not_applicable "no overlay in a user namespace before Linux 5.11: $OUT" ;;
  esac
  expect_routes open fsopen fsmount
  assert_match "read: $CONTENT" "$OUT" "mountapi: natively the secret was not read (test bug?)"
  contained_each "" mountapi "$SECRET" "$T/empty" -- fsopen
}

# The host's mount table through listmount and statmount (Linux 6.8+).
t_adv_mounttable() {
  adv_setup
  run_native $AS_NOBODY "$ROOT/probes/mounttable"
  case $OUT in *"route listmount: closed (ENOSYS)"*) not_applicable "no listmount before Linux 6.8" ;; esac
  expect_routes open listmount statmount
  contained_each "" mounttable -- listmount statmount
}

# Input pushed into a terminal the guest shares (TIOCSTI). The host's /dev
# is bound for the pseudo-terminal.
t_adv_tiocsti() {
  local ll
  adv_setup
  run_native $AS_NOBODY "$ROOT/probes/tiocsti"
  case $OUT in
    *"route tiocsti: closed"*) not_applicable "this kernel refuses TIOCSTI itself (CONFIG_LEGACY_TIOCSTI off or dev.tty.legacy_tiocsti=0)" ;;
  esac
  expect_routes open tiocsti
  for ll in $LANDLOCK_MODES; do
    # shellcheck disable=SC2046
    cocoon_run $(landlock_flags "$ll") -r "$ROOT" -b /dev -- /probes/tiocsti
    assert_status 0 "tiocsti ($ll)"
    contained "tiocsti ($ll)" tiocsti
    assert_match "tioclinux: EPERM" "$OUT" "tiocsti ($ll): TIOCLINUX refused too"
  done
}

# The user's keyrings are not contained (docs/threat-model.md says so): a
# key put in the user keyring outside is read inside. This fails the day
# that changes, so the document is changed with it.
t_adv_keyring() {
  local ll
  adv_setup
  run_native $AS_NOBODY "$ROOT/probes/keyring" add "cocoon-$MARK" "$CONTENT"
  case $OUT in *"route add_key: open"*) ;; *) not_applicable "no keyrings here: $OUT" ;; esac
  for ll in $LANDLOCK_MODES; do
    # shellcheck disable=SC2046
    cocoon_run $(landlock_flags "$ll") -r "$ROOT" -- /probes/keyring read "cocoon-$MARK"
    assert_status 0 "keyring ($ll)"
    expect_routes open user_keyring
    assert_match "read: $CONTENT" "$OUT" "keyring ($ll): the key was not read"
  done
}

# 7. The host's loopback from a guest that asked for no network: listeners
# on 127.0.0.1 (TCP, UDP) and an abstract socket, each answering with the
# secret (hostnet, the C twin of hostnet.py, as uid 65534). Natively every
# route reaches them; under `cocoon run --unshare-net`, and under
# --namespaces after the guest's own unshare -rn, none does and the host's
# side sees no contact at all.
NET_ROUTES="tcp_loopback tcp_any tcp_mapped tcp_mapped_short tcp_fastopen
  udp_sendto udp_unspec udp_sendmsg udp_sendmmsg udp_connect udp_mapped"
# 2,000 on the host (tests/adversarial); under TCG 2,000 rounds took more
# than the 60 s limit on x86_64.5.10 (2026-12-06).
RACE_ROUNDS=200

# net_setup: a directory the servers write to, and every background process
# of the test killed when it ends, however it ends.
net_setup() {
  adv_setup
  NET=$T/net
  mkdir -m 777 "$NET"
  BG=""
  trap 'kill $BG 2>/dev/null' EXIT
}

# start_hostnet ADDR NAME [PREFIX...]: the host's servers, their ports in
# TPORT and UPORT, their contacts in $NET/log.
start_hostnet() {
  local addr=$1 name=$2
  shift 2
  rm -f "$NET/ports" "$NET/log"
  "$@" $AS_NOBODY "$PROBES/hostnet" "$addr" "$CONTENT" "$NET/ports" "$NET/log" "$name" "$SLEEP_ARG" &
  BG="$BG $!"
  wait_for 15 test -s "$NET/ports" || fail "hostnet did not start"
  read -r TPORT UPORT <"$NET/ports"
}

# net_flags: --unshare-net's options here, in UNSHARE_NET. Where Landlock
# cannot scope abstract sockets (before 6.12) cocoon refuses --unshare-net
# in one line (status 125) unless the race is accepted (--allow-races,
# docs/threat-model.md, "Warn or refuse"): checked, then accepted.
net_flags() {
  UNSHARE_NET=--unshare-net
  cocoon_run --unshare-net -- true
  case $STATUS:$ERR in
    0:*"translation alone"*) fail "--unshare-net ran on translation alone without --allow-races: $ERR" ;;
    0:*) ;;
    125:*"abstract socket names would be kept by translation alone"*"--allow-races"*)
      [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || fail "--unshare-net refused in more than one line: $ERR"
      echo "--unshare-net without the abstract scope: refused (125) in one line; the probes run with --allow-races"
      UNSHARE_NET="--allow-races --unshare-net" ;;
    *) fail "--unshare-net -- true: status $STATUS, $ERR" ;;
  esac
}

# net_probes WHAT NAME [PREFIX...]: the probe natively, then under cocoon
# both ways; PREFIX runs each (nsenter into the test's namespace).
net_probes() {
  local what=$1 name=$2 routes=$NET_ROUTES run
  shift 2
  run_limited "$LIMIT" "$@" $AS_NOBODY "$ROOT/probes/loopback" "$TPORT" "$UPORT" "$name"
  [ "$name" != - ] && routes="$routes abstract"
  # shellcheck disable=SC2086
  expect_routes open $routes
  case $OUT in *"$CONTENT"*) ;; *) fail "$what: natively the host was not reached (test bug?): $OUT" ;; esac
  [ -s "$NET/log" ] || fail "$what: natively the host's side saw no contact (test bug?)"
  net_flags
  for run in "$UNSHARE_NET --" "--namespaces -- unshare -rn"; do
    rm -f "$NET/log"
    # shellcheck disable=SC2086
    run_limited "$LIMIT" "$@" $AS_NOBODY "$COCOON" run $MODE_FLAGS $run \
      "$ROOT/probes/loopback" "$TPORT" "$UPORT" "$name"
    assert_status 0 "$what ($run)"
    # shellcheck disable=SC2086
    expect_routes closed $routes
    case $OUT$ERR in *"$CONTENT"*) fail "$what ($run): the guest read the host's answer" ;; esac
    [ ! -s "$NET/log" ] || fail "$what ($run): the host's side was reached: $(cat "$NET/log")"
    echo "$what ($run): routes closed, the host's side saw nothing"
  done
}

# The address races (race.c, x86-64 only): natively the host is reached;
# under cocoon none of RACE_ROUNDS tries may be. An abstract name that lost
# the race meets Landlock's scope (Linux 6.12); below it cocoon says so and
# the abstract route is not required closed (docs/threat-model.md).
race_probes() {
  local name=$1
  run_limited "$LIMIT" $AS_NOBODY "$ROOT/probes/race" "$TPORT" "$UPORT" "$name" 10 native
  expect_routes open race_connect race_sendto race_msg_name race_family race_abstract
  rm -f "$NET/log"
  net_flags
  # shellcheck disable=SC2086
  cocoon_run $UNSHARE_NET -- "$ROOT/probes/race" "$TPORT" "$UPORT" "$name" "$RACE_ROUNDS"
  assert_status 0 "race (--unshare-net)"
  expect_routes closed race_connect race_sendto race_msg_name race_family
  case $ERR in
    *"kept by translation alone"*)
      # (What the abstract race read is left out of the check below.)
      echo "(this kernel's Landlock cannot scope abstract sockets: race_abstract not required closed)"
      OUT=$(echo "$OUT" | grep -v '^race_abstract read: ') ;;
    *)
      expect_routes closed race_abstract
      [ ! -s "$NET/log" ] || fail "race: the host's side was reached: $(cat "$NET/log")" ;;
  esac
  case $OUT in *"$CONTENT"*) fail "race: the guest read the host's answer: $OUT" ;; esac
  echo "race (--unshare-net): $RACE_ROUNDS rounds, none reached the host"
}

t_adv_loopback() {
  net_setup
  start_hostnet 127.0.0.1 "cocoon-adv-$MARK"
  net_probes loopback "cocoon-adv-$MARK"
  [ -x "$ROOT/probes/race" ] && race_probes "cocoon-adv-$MARK"
  return 0
}

# The same with the host's sockets on the wildcard address, which takes
# what is sent to any local address (the emulated namespace's 127.R.S.T
# included): in a kernel network namespace of the test's own, where the
# wildcard is lo alone.
t_adv_wildcard() {
  local netns
  net_setup
  unshare -n sleep "$SLEEP_ARG" &
  netns=$!
  BG="$BG $netns"
  wait_for 5 eval '[ "$(readlink /proc/$netns/ns/net)" != "$(readlink /proc/$$/ns/net)" ]' ||
    fail "no network namespace for the wildcard case"
  nsenter -t "$netns" -n -- ip link set lo up || fail "lo of the test's namespace is not up"
  # (busybox's nsenter takes options after PROG too, hence --.)
  start_hostnet 0.0.0.0 - nsenter -t "$netns" -n --
  net_probes wildcard - nsenter -t "$netns" -n --
}

# 8. Outliving cocoon. Natively the untraced child lives on after the probe
# (no reaper here: it is left on purpose, then killed). Under cocoon:
# --kill-on-exit ends the run when the probe exits; SIGKILL and SIGTERM to
# cocoon end it while the probe waits; reaper fails the check if anything
# is left.
t_adv_survivor() {
  local ll sig bg left
  adv_setup
  $AS_NOBODY "$ROOT/probes/survivor" leave "$MARK" >"$T/out"
  OUT=$(cat "$T/out")
  expect_routes open clone_untraced
  wait_for 15 "$HELPER" pgrep "survivor leave $MARK" >/dev/null || fail "survivor: natively no child lives on (test bug?)"
  kill -KILL $("$HELPER" pgrep "survivor leave $MARK" | cut -d' ' -f1)
  for ll in $LANDLOCK_MODES; do
    # shellcheck disable=SC2046
    cocoon_run $(landlock_flags "$ll") --kill-on-exit -r "$ROOT" -- /probes/survivor leave "$MARK"
    assert_status 0 "survivor --kill-on-exit ($ll)"
    expect_routes closed clone_untraced
    for sig in KILL TERM; do
      # (A stale "child" line in out, or a count that takes cocoon's own
      # command line for the probe's, would signal cocoon while it starts.)
      rm -f "$T/pid" "$T/out"
      : >"$T/leftovers"
      # shellcheck disable=SC2046,SC2086
      "$GUESTS/reaper" -r "$T/leftovers" -p "$T/pid" -g 3000 -- $AS_NOBODY "$COCOON" run $MODE_FLAGS \
        $(landlock_flags "$ll") -r "$ROOT" -- /probes/survivor stay "$MARK" >"$T/out" 2>"$T/err" &
      bg=$!
      wait_for 40 grep -q '^child' "$T/out" || { kill -KILL "$bg"; fail "survivor SIG$sig ($ll): the probe did not start"; }
      wait_for 10 eval '[ "$("$HELPER" pgrep -c "^/probes/survivor stay $MARK")" -ge 2 ]' ||
        { kill -KILL "$bg"; fail "survivor SIG$sig ($ll): no child"; }
      kill -"$sig" "$(cat "$T/pid")"  # asuser exec'd cocoon: the same pid
      wait "$bg"
      [ ! -s "$T/leftovers" ] || fail "survivor SIG$sig ($ll): left behind: $(cat "$T/leftovers")"
      left=$("$HELPER" pgrep "survivor stay $MARK")
      [ -z "$left" ] || fail "survivor SIG$sig ($ll): still running: $left"
      echo "survivor SIG$sig to cocoon ($ll): no task survives"
    done
  done
}

adversarial_cases() {
  run_test adversarial.unotify t_adv_unotify
  run_test adversarial.untraced t_adv_untraced
  run_test adversarial.signals t_adv_signals
  run_test adversarial.pidfdswap t_adv_pidfdswap
  run_test adversarial.setown t_adv_setown
  run_test adversarial.kill_all t_adv_kill_all
  run_test adversarial.steal_parent t_adv_steal_parent
  run_test adversarial.steal_outsider t_adv_steal_outsider
  run_test adversarial.mountapi t_adv_mountapi
  run_test adversarial.mounttable t_adv_mounttable
  run_test adversarial.tiocsti t_adv_tiocsti
  run_test adversarial.keyring t_adv_keyring
  run_test adversarial.loopback t_adv_loopback
  run_test adversarial.wildcard t_adv_wildcard
  run_test adversarial.survivor t_adv_survivor
  run_test adversarial.nothing_left nothing_left
}

# A whole Debian userland from a directory (issue 4): a minbase bookworm
# made by debootstrap (cached in ${COCOON_ROOTFS_CACHE:-/var/tmp/cocoon-rootfs},
# a place the unprivileged guest can reach, unlike root's home;
# the first run downloads about 40 MB from the Debian archive and fails,
# saying so, without network), run by cocoon as nobody, compared with the
# same commands under chroot(8) as root: what the guest sees must be the
# rootfs's, not the host's.
source "$(dirname "$0")/lib.sh" "$@"

CACHE=${COCOON_ROOTFS_CACHE:-/var/tmp/cocoon-rootfs}
ROOTFS=$CACHE/bookworm-minbase
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9  # both modes' tests may start at once: one builds, the other waits
if [[ ! -x $ROOTFS/usr/bin/dpkg ]]; then
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (tools/install-deps.sh installs it)"
  partial=$(mktemp -d "$CACHE/partial.XXXXXX")
  echo "     (building $ROOTFS with debootstrap --variant=minbase bookworm)"
  debootstrap --variant=minbase bookworm "$partial" http://deb.debian.org/debian >"$TMP/debootstrap.log" 2>&1 ||
    { rm -rf "$partial"; fail "debootstrap failed (network?): $(tail -3 "$TMP/debootstrap.log")"; }
  chmod 755 "$partial"  # mktemp made it 0700: the guest runs as nobody
  rm -rf "$ROOTFS" && mv "$partial" "$ROOTFS"
fi
flock -u 9
exec 9>&-  # not for the guests
chmod 755 "$CACHE"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})

# The same script under chroot (the reference) and under cocoon -r.
script='cat /etc/debian_version; ls /usr/bin | wc -l; dpkg -l | tail -n +6 | wc -l;
  dpkg-query -W -f="\${Version}\n" bash; ls /; readlink -f /bin/sh; perl -e "print 6*7, qq(\n)";
  cd /usr/share/doc && pwd && ls | wc -l; bash -c "echo \$BASH_VERSION"'
run_limited "$LIMIT" chroot "$ROOTFS" /bin/bash -c "$script"
native=$OUT
[[ $STATUS == 0 && -n $native ]] || fail "the reference under chroot failed: $STATUS $ERR"
cocoon_run -r "$ROOTFS" --proc /proc -- /bin/bash -c "$script"
assert_status 0 "bash, dpkg, perl of the rootfs under cocoon"
assert_eq "$native" "$OUT" "the same output as under chroot"

# The guest's programs run through the rootfs's ELF interpreter, and its
# identity is the caller's (nobody), not root's.
cocoon_run -r "$ROOTFS" --proc /proc --tmpfs /tmp -- /bin/bash -c \
  'readlink /proc/$$/exe; id -u; grep -c ld-linux /proc/self/maps >/dev/null && grep -o "[^ ]*ld-linux[^ ]*" /proc/self/maps | sort -u; echo x > /tmp/f && cat /tmp/f; touch /etc/nope 2>&1 | head -1'
assert_match $'^/usr/bin/bash\n'"$NOBODY_UID"$'\n'"$ROOTFS"'/usr/lib/x86_64-linux-gnu/ld-linux-x86-64\.so\.2'$'\nx\ntouch: cannot touch \'/etc/nope\': Permission denied$' \
  "$OUT" "the rootfs's bash, through the rootfs's ld.so, as nobody; /etc not writable"

# Processes are named after their program, as under chroot, not after the
# ld.so they run through: comm, /proc/PID/stat's name (what pgrep -x and
# pkill -x match: the loop does what pgrep -x sleep does; the minbase root
# has no procps), and a script's name for a script.
names='mkfifo /tmp/fifo; printf "#!/bin/sh\nread x </tmp/fifo\n" >/tmp/myscript; chmod +x /tmp/myscript
  cat /proc/self/comm; sleep 100 & s=$!; /tmp/myscript & m=$!
  for i in $(seq 200); do [ "$(cut -d" " -f2 /proc/$s/stat)" != "(bash)" ] && [ "$(cat /proc/$m/comm)" != bash ] && break; sleep 0.05; done
  cut -d" " -f2 /proc/$s/stat; cat /proc/$m/comm
  for p in /proc/[0-9]*; do [ "$(cut -d" " -f2 $p/stat 2>/dev/null)" = "(sleep)" ] && f=found; done; echo $f
  kill $s $m; wait; rm /tmp/myscript /tmp/fifo'
# (The reference needs the host's /proc inside the root, read-only, and a
# /tmp of its own: both modes' tests share the cached root and may run at
# once. The sleep outlasts the scans of every host process, which took over
# 5 s on a loaded machine; it is killed at the end. Each name is read once
# the background shells have exec'd: a fixed 0.3 s was too short at load 9.)
run_limited "$LIMIT" unshare -m sh -c "mount --rbind /proc '$ROOTFS/proc' && mount -t tmpfs tmpfs '$ROOTFS/tmp' && chroot '$ROOTFS' /bin/bash -c '$names'"
native=$OUT
[[ $native == $'cat\n(sleep)\nmyscript\nfound' ]] || fail "test premise: under chroot '$native'"
cocoon_run -r "$ROOTFS" --proc /proc --tmpfs /tmp -- /bin/bash -c "$names"
assert_eq "$native" "$OUT" "comm, stat's name, a script's name and pgrep -x as under chroot"

# Their command lines likewise (/proc/PID/cmdline: what ps -o args and
# pgrep -f read), which the kernel reads from the process's memory, where
# ld.so's own arguments come first: a program's own, another's (a loop
# doing what pgrep -f does), a script's, a forked shell's.
cmdlines='mkfifo /tmp/fifo; printf "#!/bin/sh\nread x </tmp/fifo\n" >/tmp/myscript; chmod +x /tmp/myscript
  show() { tr "\0" "|" <$1; echo; }
  cat /proc/self/cmdline | tr "\0" "|"; echo; cat /proc/self/cmdline | od -c | head -1
  sleep 100 & s=$!; /tmp/myscript arg & m=$!
  for i in $(seq 200); do [ "$(cut -d" " -f2 /proc/$s/stat)" != "(bash)" ] && [ "$(cat /proc/$m/comm)" != bash ] && break; sleep 0.05; done
  show /proc/$s/cmdline; show /proc/$m/cmdline; (show /proc/$BASHPID/cmdline)
  for p in /proc/[0-9]*; do [ "$( (tr "\0" " " <$p/cmdline) 2>/dev/null)" = "sleep 100 " ] && f=found; done; echo $f
  sh -c "tr \"\\0\" \"|\" </proc/\$\$/cmdline; echo" zero one
  kill $s $m; wait; rm /tmp/myscript /tmp/fifo'
run_limited "$LIMIT" unshare -m sh -c "mount --rbind /proc '$ROOTFS/proc' && mount -t tmpfs tmpfs '$ROOTFS/tmp' && chroot '$ROOTFS' /bin/bash -c '$cmdlines'"
native=$OUT
[[ $native == *$'\nsleep|100|\n/bin/sh|/tmp/myscript|arg|\n'*$'\nfound\n'* ]] || fail "test premise: under chroot '$native'"
cocoon_run -r "$ROOTFS" --proc /proc --tmpfs /tmp -- /bin/bash -c "$cmdlines"
assert_eq "$native" "$OUT" "/proc/PID/cmdline (what ps -o args and pgrep -f read) as under chroot"

# What issue 4 asks of a Debian root: /proc/self/exe, pwd -P through the
# merged-/usr symlink, a read-only bind refusing writes, an AF_UNIX server
# and client (the unixsock guest, dynamic: through the root's libc), as
# nobody.
mkdir -m 777 "$TMP/ro" "$TMP/sock"
cocoon_run -r "$ROOTFS" --proc /proc --ro-bind "$TMP/ro:/srv/ro" -b "$TMP/sock:/run/s" \
  -b "$GUESTS:/guests" -- /bin/bash -c \
  'ls -l /proc/self/exe | sed "s/.* -> //"; cd /bin && pwd -P; touch /srv/ro/x 2>&1;
   cd /run/s && /guests/unixsock "sock.$0" 2>/dev/null' "$MARK"
assert_eq "/usr/bin/ls
/usr/bin
touch: cannot touch '/srv/ro/x': Read-only file system
bound: sock.$MARK
read: k" "$OUT" "in the Debian root: /proc/self/exe, pwd -P, a ro-bind, a unix socket server and client"
[[ -S $TMP/sock/sock.$MARK && ! -e $TMP/ro/x ]] || fail "the socket or the refused file is not where expected"
pass "the socket file is in the bind's source, nothing written under the ro-bind"

# apt-get update and install under the fake root (issue 18), from a local
# repository made here (dpkg-scanpackages, a Release signed with a
# throwaway key): apt's methods run as its _apt user, whose files must be
# _apt's for apt to chmod them and accept the signature (under every fake
# root apt said "Could not change permissions for temporary file ... (1:
# Operation not permitted)" and found no Release file). apt's and dpkg's
# state, the package's directory and the sources are writable binds over
# the shared rootfs.
command -v dpkg-scanpackages >/dev/null && command -v gpg >/dev/null ||
  fail "dpkg-dev and gpg are needed (tools/install-deps.sh)"
A=$TMP/apt
mkdir -p "$A/pkg/DEBIAN" "$A/pkg/usr/share/hello-cocoon" "$A/repo" "$A/lists" "$A/cache" "$A/log" \
  "$A/share" "$A/gnupg"
echo "hello-$MARK" >"$A/pkg/usr/share/hello-cocoon/hi"
printf 'Package: hello-cocoon\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n' \
  >"$A/pkg/DEBIAN/control"
dpkg-deb --root-owner-group --build "$A/pkg" "$A/repo/hello-cocoon_1.0_all.deb" >/dev/null
(cd "$A/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null &&
  printf 'Origin: cocoon\nLabel: cocoon\nSuite: local\nCodename: local\nDate: %s\nArchitectures: all amd64\nSHA256:\n %s %s Packages\n' \
    "$(date -Ru)" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" >Release)
chmod 700 "$A/gnupg"
GNUPGHOME=$A/gnupg gpg --batch --quiet --passphrase '' --quick-gen-key 'cocoon test <t@t>' ed25519 sign never &&
  GNUPGHOME=$A/gnupg gpg --batch --quiet --clearsign -o "$A/repo/InRelease" "$A/repo/Release" &&
  GNUPGHOME=$A/gnupg gpg --batch --quiet --export >"$A/key.gpg" || fail "gpg could not sign the Release"
echo 'deb file:/repo ./' >"$A/sources.list"
APT_JOB='apt-get update >/dev/null 2>&1; apt-get update 2>&1 | grep -c "^E:"; apt-get install -y hello-cocoon 2>/dev/null | grep "^Setting up"; cat /usr/share/hello-cocoon/hi; stat -c "%U %G" /var/lib/apt/lists/partial'
# apt_state: apt's and dpkg's state as debootstrap left it, afresh.
apt_state() {
  rm -rf "$A/dpkg" "$A/lists" "$A/cache" "$A/log" "$A/share" "$A/tmp"
  mkdir -p "$A/lists" "$A/cache" "$A/log" "$A/share" "$A/tmp"
  cp -a "$ROOTFS/var/lib/dpkg" "$A/dpkg"
  chmod -R a+rwX "$A" && chmod 1777 "$A/tmp"
}
# -b HOST:GUEST for each, as cocoon run and PRoot take them.
APT_BINDS=()
for b in "$A/repo:/repo" "$A/lists:/var/lib/apt" "$A/cache:/var/cache/apt" "$A/log:/var/log" \
  "$A/dpkg:/var/lib/dpkg" "$A/share:/usr/share/hello-cocoon" "$A/sources.list:/etc/apt/sources.list" \
  "$A/key.gpg:/etc/apt/trusted.gpg.d/cocoon-test.gpg"; do
  APT_BINDS+=(-b "$b")
done
APT_EXPECTED="0
Setting up hello-cocoon (1.0) ...
hello-$MARK
_apt root"
apt_state
cocoon_run -0 -r "$ROOTFS" --proc /proc --tmpfs /tmp "${APT_BINDS[@]}" -- sh -c "$APT_JOB"
assert_eq "$APT_EXPECTED" "$OUT" "-0 in the Debian root: apt-get update against a signed local repository, apt-get install"
# The same job under `cocoon proot -0 -r` (PRoot's command line; the
# mode through PROOT_NO_SECCOMP), with /proc bound as PRoot users do.
apt_state
noseccomp_env=()
[[ $MODE == noseccomp ]] && noseccomp_env=(PROOT_NO_SECCOMP=1)
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} env ${noseccomp_env[@]+"${noseccomp_env[@]}"} \
  "$COCOON" proot -0 -r "$ROOTFS" -b /proc -b "$A/tmp:/tmp" "${APT_BINDS[@]}" -w / sh -c "$APT_JOB"
assert_eq "$APT_EXPECTED" "$OUT" "cocoon proot -0 -r in the Debian root: apt-get update and install, the same"

finish

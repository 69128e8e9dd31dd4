# What the guest creates under a fake root (issue 18): who owns it, and the
# modes fakeroot's users rely on. cocoon runs as nobody; the oracle is root
# natively for what real root does (owners of another uid's files, root
# passing permission bits) and Debian's fakeroot, as nobody, for what a
# drop-in must show the same (mkdir -m 0, mkfifo -m 0, chmod 0 of a
# directory in use).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
W=$TMP/w
mkdir -m 777 "$W"
# in DIR SCRIPT: runs the script under `cocoon run -0` (this script's mode)
# as nobody, in a fresh directory DIR of W.
in_dir() {
  mkdir -m 777 "$W/$1"
  cocoon_run -0 -w "$W/$1" -- sh -c "$2"
}
# native DIR SCRIPT: the same as root, natively (the oracle of real root).
native_root() {
  mkdir -p "$TMP/native/$1"
  run_native sh -c "cd '$TMP/native/$1' && $2"
}
# fakeroot_in TOOL DIR SCRIPT: under TOOL (Debian's fakeroot or cocoon's
# front end) as nobody in a fresh directory DIR. Debian's faked outlives
# the command for a moment, by design: outside the reaper.
fakeroot_in() {
  local tool=$1 dir=$W/$2
  mkdir -m 777 "$dir"
  if [[ $tool == debian ]]; then
    OUT=$(timeout 30 ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} /usr/bin/fakeroot -- sh -c "cd '$dir' && $3" \
      2>&1 <"${STDIN_FILE:-/dev/null}")
    STATUS=$?
  else
    run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" fakeroot -- sh -c "cd '$dir' && $3"
  fi
}
[[ -x /usr/bin/fakeroot ]] || fail "Debian's fakeroot is not installed (tools/install-deps.sh)"

# The command line's own answers, as fakeroot's: getopt's complaint and the
# usage on stderr, status 1 (an unknown option, a missing value, -h).
for args in "-z true" "--frob true" "-s" "-h"; do
  peer=$(cd "$TMP" && ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} /usr/bin/fakeroot $args 2>&1; echo "status $?")
  run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" fakeroot $args
  assert_eq "$peer" "$ERR$OUT
status $STATUS" "fakeroot $args: the same lines and status as Debian's fakeroot"
done

# like_fakeroot NAME SCRIPT PREMISE WHAT: SCRIPT under Debian's fakeroot (in
# NAME-fakeroot), whose output must be PREMISE, then under cocoon fakeroot
# (in NAME-cocoon): the same output. The reference's is left in $expected.
like_fakeroot() {
  fakeroot_in debian "$1-fakeroot" "$2"
  expected=$OUT
  assert_eq "$3" "$expected" "test premise: fakeroot's $4"
  fakeroot_in cocoon "$1-cocoon" "$2"
  assert_eq "$expected" "$OUT" "cocoon fakeroot: $4, as fakeroot"
}

# apt's sandbox: root makes a directory for _apt (uid 42) and a
# set-group-ID one of group 50 (writable by all); a process that became 42:65534 makes files
# in both and chmods them; root then lists them. Natively the files are
# 42's and the chmods work; under cocoon they showed 0:0 and the chmod was
# EPERM, so apt-get update failed its signature check.
APT='mkdir own g && chown 42:0 own && chown 0:50 g && chmod 2777 g &&
perl -MPOSIX -e '\''setgid(65534); setuid(42) or die "setuid";
  mkdir "own/d" or die "mkdir: $!"; open(F, ">own/f") or die "open: $!"; close F;
  symlink("f", "own/l") or die "symlink: $!"; mkdir "g/d" or die; open(F, ">g/f") or die; close F;
  chmod(0600, "own/f") or die "chmod: $!"; chmod(0700, "own/d") or die "chmod: $!"'\'' &&
stat -c "%n %A %u %g" own/d own/f own/l g/d g/f'
native_root apt "$APT"
expected=$OUT
assert_eq "own/d drwx------ 42 65534
own/f -rw------- 42 65534
own/l lrwxrwxrwx 42 65534
g/d drwxr-sr-x 42 50
g/f -rw-r--r-- 42 50" "$expected" "test premise: natively, root sees 42's files as 42's"
in_dir apt "$APT"
assert_eq "$expected" "$OUT" "run -0: a process that became uid 42 owns what it makes, and chmods it"
fakeroot_in cocoon apt-fakeroot "$APT"
assert_eq "$expected" "$OUT" "cocoon fakeroot: the same"
mkdir -m 777 "$W/apt-proot"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" proot -0 -w "$W/apt-proot" sh -c "$APT"
assert_eq "$expected" "$OUT" "cocoon proot -0: the same"

# Files made by calls other than mkdir, mknod, symlink and open's plain
# O_CREAT, by root and by a process that became 42:65534: a unix socket
# bound to a path (relative, absolute), openat2 with RESOLVE_BENEATH,
# RESOLVE_IN_ROOT and RESOLVE_NO_SYMLINKS, and an O_CREAT open through a
# dangling symlink (which makes the link's target). Root's own show 0 0.
# Under cocoon the process's files showed 0 0 (no record).
MADE='import ctypes, os, socket
class How(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]
libc = ctypes.CDLL(None, use_errno=True)
def openat2(dirfd, path, resolve):
    how = How(os.O_CREAT | os.O_WRONLY, 0o644, resolve)
    fd = libc.syscall(437, dirfd, path, ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0: raise OSError(ctypes.get_errno(), path)
    os.close(fd)
def make(d):
    socket.socket(socket.AF_UNIX).bind(d + "/s")
    socket.socket(socket.AF_UNIX).bind(os.path.abspath(d + "/a"))
    fd = os.open(d, os.O_PATH)
    openat2(fd, b"b", 0x08); openat2(fd, b"/r", 0x10); openat2(-100, d.encode() + b"/n", 0x04)
    os.symlink("t", d + "/l"); os.close(os.open(d + "/l", os.O_CREAT | os.O_WRONLY, 0o600))
os.mkdir("root"); make("root")
os.mkdir("own"); os.chown("own", 42, 0)
if os.fork() == 0:
    os.setgid(65534); os.setuid(42); make("own"); os._exit(0)
os.wait()
for d in ("root", "own"):
    for n in "sabrnt": s = os.lstat(d + "/" + n); print(d, n, s.st_uid, s.st_gid, oct(s.st_mode))'
native_root made "python3 -c '$MADE'"
expected=$OUT
[[ $expected == *"own t 42 65534 0o100600"* && $expected == *"root s 0 0 0o140755"* ]] ||
  fail "test premise: natively, the files are their makers': $expected"
pass "test premise: natively, sockets, openat2's and a dangling symlink's files are their makers'"
in_dir made "python3 -c '$MADE'"
assert_eq "$expected" "$OUT" "run -0: the same owners and modes"

# execve(2): the saved ids become the effective ones and the fs ids follow
# them; a set-user-ID and set-group-ID program (the emulated root's chown
# and chmod) gives its owner and group as the effective ids of a process
# that became 1000:100, as real root's does (Debian's fakeroot keeps the
# ids: cocoon follows the kernel); a plain copy does not.
EXEC='import ctypes, os, shutil, subprocess
libc = ctypes.CDLL(None)
shutil.copy("/usr/bin/id", "id"); os.chown("id", 42, 50); os.chmod("id", 0o6755)
if os.fork() == 0:
    os.setresgid(100, 50, 5); os.setresuid(1000, 42, 7); libc.setfsuid(7)
    os.execv("/usr/bin/python3", ["python3", "-c", "import os; print(os.getresuid(), os.getresgid())"])
os.wait()
if os.fork() == 0:
    os.setgid(100); os.setuid(1000)
    for a in ("-u", "-ru", "-g", "-rg"): print(a, subprocess.run(["./id", a], capture_output=True, text=True).stdout.strip())
    print("plain", subprocess.run(["/usr/bin/id", "-u"], capture_output=True, text=True).stdout.strip())
    os._exit(0)
os.wait()'
native_root exec "chmod 755 . && python3 -c '$EXEC'"
expected=$OUT
assert_eq "(1000, 42, 42) (100, 50, 50)
-u 42
-ru 1000
-g 50
-rg 100
plain 1000" "$expected" "test premise: natively, exec moves the saved ids and honours set-id bits"
in_dir exec "python3 -c '$EXEC'"
assert_eq "$expected" "$OUT" "run -0: the same ids after exec"

# mkdir -m 0 (and -m 0500) then a file in it, as tar does extracting a
# mode-0 directory: fakeroot makes the directory mode|0700 and shows the
# mode asked. Same output, same modes on disk.
MKDIR0='umask 022; mkdir -m 0 d && touch d/f && mkdir -m 0500 e && touch e/f && ls -ld d e | cut -c1-10 && ls d e'
like_fakeroot mkdir "$MKDIR0" $'d---------\ndr-x------\nd:\nf\n\ne:\nf' \
  "mkdir -m 0 and -m 0500, then a file inside"
assert_eq "700 700" "$(stat -c %a "$W/mkdir-fakeroot/d" "$W/mkdir-fakeroot/e" | xargs)" \
  "test premise: fakeroot's directories are 0700 on disk"
assert_eq "700 700" "$(stat -c %a "$W/mkdir-cocoon/d" "$W/mkdir-cocoon/e" | xargs)" \
  "cocoon's are too"
in_dir mkdir-run "$MKDIR0"
assert_eq "$expected" "$OUT" "run -0: the same"

# chmod 0 of directories in use: fakeroot and cocoon keep the real owner's
# rwx (ls shows the mode asked), so the file can still be made.
CHMOD0='mkdir -p T/foo && chmod 0 T/foo T && touch T/foo/bar && ls -ld T T/foo T/foo/bar | cut -c1-10'
like_fakeroot chmod "$CHMOD0" $'d---------\nd---------\n-rw-r--r--' \
  "chmod 0 T/foo T, then touch T/foo/bar"

# The user's own directories made mode 000 outside: root natively passes
# them (CAP_DAC_OVERRIDE) and so does the emulated root; they keep 000.
DAC='touch T/foo/bar && mkdir T/foo/d && ln -s bar T/foo/l && echo made'
mkdir -p "$TMP/native/dac/T/foo" && chmod 0 "$TMP/native/dac/T/foo" "$TMP/native/dac/T"
native_root dac "$DAC"
[[ $(id -u) == 0 ]] || fail "the native oracle of root needs the suite to run as root"
assert_eq "made" "$OUT" "test premise: natively, root makes files in mode-000 directories"
mkdir -m 777 "$W/dac"
${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "mkdir -p $W/dac/T/foo && chmod 0 $W/dac/T/foo $W/dac/T"
cocoon_run -0 -w "$W/dac" -- sh -c "$DAC"
assert_eq "made" "$OUT" "run -0: touch, mkdir and ln -s in the user's own mode-000 T/foo"
assert_eq "0 0" "$(stat -c %a "$W/dac/T" "$W/dac/T/foo" | xargs)" "T and T/foo are still mode 000"

# Root's DAC override over more than creations, on the user's own files
# made outside: appending to and truncating a mode-000 file, rm, mv into
# and out of, rmdir in a mode-0500 directory, mv, stat and rm in mode-000
# T/foo. Debian's fakeroot has no override. (Reading, listing and entering:
# e2e dac.)
DAC2='echo appended >>f && echo rewritten >f && rm five/x && mv a five/a && mv five/a b &&
rmdir five/sub && mv T/foo/y T/foo/z && stat -c %A T/foo/z && rm T/foo/z && echo done'
DAC2_SETUP='touch f a && mkdir -p five/sub T/foo && touch five/x T/foo/y && chmod 0 f T/foo T && chmod 500 five'
mkdir -p "$TMP/native/dac2" && (cd "$TMP/native/dac2" && sh -c "$DAC2_SETUP")
native_root dac2 "$DAC2"
expected=$OUT
assert_eq $'-rw-r--r--\ndone' "$expected" "test premise: natively, root writes, removes and renames there"
mkdir -m 777 "$W/dac2"
${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "cd $W/dac2 && $DAC2_SETUP"
cocoon_run -0 -w "$W/dac2" -- sh -c "$DAC2"
assert_eq "$expected" "$OUT" "run -0: the same in the user's own closed files and directories"
assert_eq "0 500 0" "$(stat -c %a "$W/dac2/f" "$W/dac2/five" "$W/dac2/T" | xargs)" "their modes are kept"
assert_eq "rewritten" "$(cat "$W/dac2/f")" "the mode-000 file was written"

# mkfifo -m 0: coreutils chmods the FIFO through glibc's lchmod, which
# goes through /proc/self/fd/N of an O_PATH descriptor (EOPNOTSUPP here
# before: cocoon looked at its own descriptor N).
FIFO='mkfifo -m 0 p && mkfifo -m 0604 q && ls -l p q | cut -c1-10'
like_fakeroot fifo "$FIFO" $'p---------\nprw----r--' "mkfifo -m 0 and -m 0604"
in_dir fifo-run "$FIFO"
assert_eq "$expected" "$OUT" "run -0: the same"

# tar -xf - < ARCHIVE: tar gives each directory its mode at the end
# through fchmodat(AT_SYMLINK_NOFOLLOW), which chmodded cocoon's own
# descriptor 0 (the archive) instead, leaving the directories 0700.
mkdir -p "$TMP/tree/top/sub" && chmod 0555 "$TMP/tree/top/sub" && chmod 0751 "$TMP/tree/top"
tar -C "$TMP/tree" -cf "$TMP/tree.tar" top && chmod 644 "$TMP/tree.tar"
TAR='tar -xf - && ls -ld top top/sub | cut -c1-10'
STDIN_FILE=$TMP/tree.tar fakeroot_in debian tar-fakeroot "$TAR"
expected=$OUT
assert_eq $'drwxr-x--x\ndr-xr-xr-x' "$expected" "test premise: fakeroot's tar -xf - < archive"
STDIN_FILE=$TMP/tree.tar in_dir tar-run "$TAR"
assert_eq "$expected" "$OUT" "run -0: tar -xf - < archive gives the directories their modes"
finish

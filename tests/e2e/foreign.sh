# Programs of another architecture through qemu-user (`cocoon run -q`, issue
# 21; docs/internals/foreign.md): the aarch64 and riscv64 builds of
# tests/guests/foreign.c, static and dynamic, in a guest root, run as nobody.
# Each check compares with what the program prints natively under qemu-user
# run by hand, and asserts the names it gives itself are the guest's.
#
# The guest's own variable COCOON_FOREIGN_ROUTED is set only by qemu's -E,
# which only cocoon's -q passes: a binfmt_misc handler the kernel might have
# for the arch (none on Debian without binfmt-support; /proc/sys/fs/binfmt_misc
# is not even mounted there) runs qemu without it, so a foreign program that
# ran without cocoon's routing prints "routed=(unset)" and fails the check.
# The checks of the choice from the ELF header (no -q) cannot tell it from
# such a handler: they run only where there is none.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
[[ $(uname -m) == x86_64 ]] || { echo "SKIP: the foreign guests are built on x86-64 hosts only" >&2; exit 77; }
arches=()
for arch in aarch64 riscv64; do
  if ! command -v "qemu-$arch-static" >/dev/null; then
    echo "no qemu-$arch-static (apt-get install qemu-user-static): $arch not tested" >&2
  elif [[ ! -x $GUESTS/foreign-$arch-static ]]; then
    echo "no $GUESTS/foreign-$arch-static ($arch-linux-gnu-gcc missing at build time): $arch not tested" >&2
  else
    arches+=("$arch")
  fi
done
((${#arches[@]})) || { echo "SKIP: no qemu-user-static with a foreign guest built" >&2; exit 77; }

# lines PREFIX: OUT's lines of the program whose argv[0] is PREFIX, without it.
lines() { sed -n "s#^$1 ##p" <<<"$OUT"; }
# What does not depend on where the program lies: machine, thread, signal.
portable() { grep -E '^(machine|thread|signal)=' <<<"$1"; }

for arch in "${arches[@]}"; do
  QEMU=qemu-$arch-static
  R=$TMP/root-$arch
  busybox_root "$R" sh uname cat sleep tr readlink seq grep
  cp "$GUESTS/foreign-$arch-static" "$R/bin/foreign"
  cp "$GUESTS/foreign-$arch-static" "$R/bin/other"
  cp "$GUESTS/foreign-$arch-dyn" "$R/bin/dyn"
  printf '#!/bin/foreign\n' >"$R/bin/script"
  chmod 755 "$R/bin/script"
  # The dynamic program's ELF interpreter and libc, from the cross
  # toolchain's sysroot, where the program's PT_INTERP names them.
  interp=$(cd "/usr/$arch-linux-gnu/lib" && ls ld-linux-*.so.1)
  mkdir -p "$R/lib"
  cp "/usr/$arch-linux-gnu/lib/$interp" "/usr/$arch-linux-gnu/lib/libc.so.6" "$R/lib/"
  chmod -R a+rX "$TMP"

  # By hand: qemu-user on the host's paths.
  run_native "${RUN_PREFIX[@]}" "$QEMU" "$R/bin/foreign"
  assert_status 0 "$arch: the guest runs natively under $QEMU"
  native=$(portable "$(lines "$R/bin/foreign")")
  native_keys=$(lines "$R/bin/foreign" | sed -n 's/^cpu-keys=//p')
  assert_match "machine=$arch" "$native" "$arch: natively, qemu-user reports its machine"

  # Through cocoon: qemu from the host, the program and its child from the
  # root, named as the guest named them.
  cocoon_run -q "$QEMU -E COCOON_FOREIGN_ROUTED=yes" -r "$R" -- /bin/foreign exec /bin/other other-name
  assert_status 0 "$arch: -q runs the foreign program and its foreign child"
  assert_eq "$native" "$(portable "$(lines /bin/foreign)")" "$arch: machine, thread, signal as natively under qemu"
  assert_eq "/bin/foreign" "$(lines /bin/foreign | sed -n 's/^exe=//p')" "$arch: /proc/self/exe is the guest path"
  assert_eq "/bin/foreign" "$(lines /bin/foreign | sed -n 's/^execfn=//p')" "$arch: AT_EXECFN is the guest's name"
  assert_eq "$NOBODY_UID" "$(lines /bin/foreign | sed -n 's/^uid=//p')" "$arch: the guest runs as nobody"
  assert_eq "yes" "$(lines /bin/foreign | sed -n 's/^routed=//p')" "$arch: cocoon routed the exec (qemu's -E reached the guest)"
  assert_eq "$native" "$(portable "$(lines other-name)")" "$arch: the child exec'd from inside qemu runs under qemu again"
  assert_eq "exe=/bin/other execfn=/bin/other routed=yes" \
    "$(lines other-name | grep -E '^(exe|execfn|routed)=' | tr '\n' ' ' | sed 's/ $//')" \
    "$arch: the child's argv[0] is kept, its names are the guest's, its exec routed too"
  assert_eq "0" "$(lines /bin/foreign | sed -n 's/^child-status=//p')" "$arch: the child's status reaches the parent"

  # Seen from another (host) process: /proc/PID/cmdline without qemu's
  # arguments, comm and exe naming the guest program, as for a native one.
  cocoon_run -q "$QEMU" -r "$R" --proc /proc --dev /dev -- /bin/sh -c '
    /bin/foreign exec /bin/sleep sleep 3 >/dev/null & p=$!
    for i in $(seq 100); do [ "$(cat /proc/$p/comm)" = foreign ] && break; sleep 0.05; done
    tr "\0" " " </proc/$p/cmdline; echo; cat /proc/$p/comm; readlink /proc/$p/exe; kill $p'
  assert_eq "/bin/foreign exec /bin/sleep sleep 3 |foreign|/bin/foreign" "$(tr '\n' '|' <<<"$OUT" | sed 's/|$//')" \
    "$arch: another process reads the foreign program's cmdline, comm and exe in guest terms"

  # /proc/cpuinfo: qemu 7.2 passes the host's through (x86 keys) by hand;
  # under cocoon a foreign reader gets its machine's kernel's format
  # (exec/foreign_cpuinfo.h), one entry per CPU; a host program (busybox)
  # still reads the host's.
  case $arch in
    aarch64) keys="processor,BogoMIPS,Features,CPU implementer,CPU architecture,CPU variant,CPU part,CPU revision" ;;
    riscv64) keys="processor,hart,isa,mmu,mvendorid,marchid,mimpid" ;;
  esac
  # A qemu that makes its own file (newer than Debian 12's 7.2, for some
  # targets) answers the open itself: cocoon's file is then never reached.
  [[ $native_keys == *vendor_id* ]] || keys=$native_keys
  cpus=$(grep -c ^processor /proc/cpuinfo)
  cocoon_run -q "$QEMU" -r "$R" --proc /proc -- /bin/sh -c '/bin/foreign; grep -c ^processor /proc/cpuinfo; grep -c "^vendor_id" /proc/cpuinfo'
  assert_eq "$keys" "$(lines /bin/foreign | sed -n 's/^cpu-keys=//p')" "$arch: /proc/cpuinfo in the foreign machine's format"
  assert_eq "$cpus|$cpus" "$(tail -n 2 <<<"$OUT" | tr '\n' '|' | sed 's/|$//')" \
    "$arch: a host program beside it reads the host's cpuinfo (as many CPUs)"
  # -cpu picks another CPU than the file describes: the host's file.
  case $arch in aarch64) cpu=max ;; riscv64) cpu=rv64 ;; esac
  cocoon_run -q "$QEMU -cpu $cpu" -r "$R" --proc /proc -- /bin/foreign
  assert_eq "$native_keys" "$(lines /bin/foreign | sed -n 's/^cpu-keys=//p')" "$arch: with -cpu, qemu's own answer"

  # Emulated namespaces and the fake root apply to qemu's calls as to a
  # native guest's: the foreign program is PID 1 of its PID namespace,
  # sees the run's host name, and is root.
  cocoon_run -q "$QEMU" -r "$R" --unshare-pid --hostname box -0 -- /bin/foreign
  assert_eq "uid=0 pid=1 node=box" "$(lines /bin/foreign | grep -E '^(uid|pid)=' | tr '\n' ' ' | sed 's/ $//')" \
    "$arch: under -q, --unshare-pid, --hostname and -0 apply to the foreign program"

  # A relative name: AT_EXECFN is the name as given, /proc/self/exe the
  # canonical path.
  cocoon_run -q "$QEMU" -r "$R" -w /bin -- ./foreign
  assert_eq "exe=/bin/foreign execfn=./foreign" \
    "$(lines ./foreign | grep -E '^(exe|execfn)=' | tr '\n' ' ' | sed 's/ $//')" "$arch: a relative name"

  # Dynamic: qemu opens the guest's ELF interpreter through cocoon, so the
  # root's ld.so and libc load without -L. By hand qemu looks for them on
  # the host, which has none.
  run_native "${RUN_PREFIX[@]}" "$QEMU" "$R/bin/dyn"
  [[ $STATUS != 0 ]] || fail "$arch: the dynamic guest ran natively without its root (test bug?)"
  cocoon_run -q "$QEMU" -r "$R" -- /bin/dyn
  assert_status 0 "$arch: a dynamic foreign program, its ld.so from the root"
  assert_eq "$native" "$(portable "$(lines /bin/dyn)")" "$arch: the dynamic program sees what the static one does"
  assert_eq "/bin/dyn" "$(lines /bin/dyn | sed -n 's/^exe=//p')" "$arch: the dynamic program's /proc/self/exe"

  # A script whose interpreter is foreign; host programs (busybox) run
  # natively beside them.
  cocoon_run -q "$QEMU" -r "$R" -- /bin/sh -c 'uname -m; /bin/script'
  assert_status 0 "$arch: a #! script with a foreign interpreter"
  assert_eq "x86_64" "$(head -1 <<<"$OUT")" "$arch: a host program under -q runs natively"
  assert_match "machine=$arch" "$(lines /bin/foreign)" "$arch: the script's interpreter ran under qemu"

  # Without a root: the host's view, the guest's own paths.
  cocoon_run -q "$QEMU" -- "$GUESTS/foreign-$arch-static"
  assert_eq "$GUESTS/foreign-$arch-static" "$(lines "$GUESTS/foreign-$arch-static" | sed -n 's/^exe=//p')" \
    "$arch: -q without -r"

  # Without -q, a run with a root of its own takes the installed
  # qemu-ARCH-static (-q auto), as binfmt_misc would: the program runs
  # (qemu without cocoon's -E: routed unset). -q none leaves it to the
  # kernel (ENOEXEC, which execvp(3) then hands to /bin/sh as a script).
  # Only where no binfmt_misc handler would run it anyway.
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$arch ]]; then
    cocoon_run -r "$R" -- /bin/foreign
    assert_status 0 "$arch: without -q, the installed $QEMU runs the foreign program"
    assert_eq "machine=$arch routed=(unset)" "$(lines /bin/foreign | grep -E '^(machine|routed)=' | tr '\n' ' ' | sed 's/ $//')" \
      "$arch: without -q, its machine is the guest's"
    cocoon_run -q auto -- "$GUESTS/foreign-$arch-static"
    assert_match "machine=$arch" "$OUT" "$arch: -q auto without a root"
    cocoon_run -q none -r "$R" -- /bin/foreign
    [[ $STATUS != 0 && $OUT != *machine=* ]] || fail "$arch: the foreign program ran under -q none"
    pass "$arch: under -q none the kernel does not run the foreign program (status $STATUS)"
    cocoon_run -r "$R/." -q none -- /bin/foreign
    [[ $STATUS != 0 ]] || fail "$arch: -q none with -r DIR/."
    # -r // is the host's /: no root of its own, no choice from the header.
    cocoon_run -r // -- "$R/bin/foreign"
    [[ $STATUS != 0 && $OUT != *machine=* ]] || fail "$arch: -r // took an emulator"
    pass "$arch: -r // is the host's root: no emulator chosen (status $STATUS)"
  fi
done

# -q names a program cocoon can run.
cocoon_run -q no-such-qemu -- true
assert_status 125 "-q with a name not in PATH"
assert_cocoon_message "no-such-qemu: no such executable file" "-q with a name not in PATH says so"
cocoon_run -q "$GUESTS/foreign-${arches[0]}-static" -- true
assert_status 125 "-q with a program of another machine"
finish

# A real packaging job (issue 18): dpkg-buildpackage -b of a tiny package
# whose source tree this script writes (no network): a set-user-ID and a
# set-group-ID program, a FIFO, a device, a sticky directory, files of
# other users. Built as nobody under Debian's fakeroot, then with cocoon
# as the root command, and the two .debs compared: dpkg-deb -c's listing
# (owners, modes, device numbers) and the bytes. dpkg-buildpackage exports
# SOURCE_DATE_EPOCH from debian/changelog and dpkg-deb clamps mtimes to it,
# so fakeroot's build is reproducible and cocoon's must be the same file.
# `fakeroot` on PATH is cocoon (the drop-in, FAKEROOTKEY and all), in both
# modes; noseccomp mode also `dpkg-buildpackage -r"cocoon run -0 --no-seccomp --"`.
# Skipped (77) without dpkg-dev or Debian's fakeroot.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
if ! command -v dpkg-buildpackage >/dev/null || [[ ! -x /usr/bin/fakeroot ]]; then
  echo "skip $TEST_NAME: needs dpkg-dev (dpkg-buildpackage) and Debian's fakeroot"
  exit 77
fi
W=$TMP/w
mkdir -m 777 "$W"

# source_tree DIR: the package's source in DIR/tiny, written as nobody.
# debian/rules notes whether it runs traced (../tracer), outside the
# package.
source_tree() {
  ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "umask 022 && mkdir -p $1/tiny/debian" || fail "mkdir $1"
  local d=$1/tiny
  printf '#!/bin/sh\necho tiny\n' >"$d/tool.sh"
  cat >"$d/debian/changelog" <<'E'
tiny (1.0) unstable; urgency=medium

  * A package built by cocoon's e2e tests.

 -- Test <test@example.org>  Sat, 05 Dec 2026 12:00:00 +0000
E
  cat >"$d/debian/control" <<'E'
Source: tiny
Section: misc
Priority: optional
Maintainer: Test <test@example.org>
Standards-Version: 4.6.2

Package: tiny
Architecture: all
Description: odd owners and modes
 A setuid and a setgid program, a FIFO, a device, a sticky directory,
 files of other users.
E
  cat >"$d/debian/rules" <<'E'
#!/usr/bin/make -f
T = debian/tmp
build build-arch build-indep:
clean:
	rm -rf $(T) debian/files
binary-arch:
binary binary-indep:
	awk '/^TracerPid:/ {print $$2}' /proc/self/status >../tracer
	rm -rf $(T)
	install -d $(T)/DEBIAN $(T)/usr/bin $(T)/var/lib/tiny/odd
	install -m 4755 tool.sh $(T)/usr/bin/tiny-suid
	install -m 2755 -g 50 tool.sh $(T)/usr/bin/tiny-sgid
	mkfifo -m 0620 $(T)/var/lib/tiny/fifo
	install -d -m 1777 $(T)/var/lib/tiny/sticky
	install -m 0640 -o 1 -g 42 tool.sh $(T)/var/lib/tiny/odd/daemon-file
	chown 33:33 $(T)/var/lib/tiny/odd
	mknod $(T)/var/lib/tiny/null c 1 3
	dpkg-gencontrol -ptiny -P$(T)
	dpkg-deb --build $(T) ..
E
  chmod +x "$d/debian/rules"
  chown -R "$NOBODY_UID:$NOBODY_UID" "$d" 2>/dev/null || true
}

BUILD=(env HOME=$W dpkg-buildpackage -b -us -uc -d)

# Debian's fakeroot (outside the reaper: its faked daemon outlives the
# command for a moment, by design).
source_tree "$W/fakeroot"
(cd "$W/fakeroot/tiny" && timeout 120 ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "${BUILD[@]}" >"$W/fakeroot.log" 2>&1) ||
  fail "dpkg-buildpackage under Debian's fakeroot: $(tail -5 "$W/fakeroot.log")"
[[ $(cat "$W/fakeroot/tracer") == 0 ]] || fail "test premise: Debian's fakeroot build ran traced"
expected=$(dpkg-deb -c "$W/fakeroot/tiny_1.0_all.deb")
for want in '-rwsr-xr-x root/root' '-rwxr-sr-x root/staff' 'prw--w---- root/root' 'crw-r--r-- root/root       1,3' \
  'drwxrwxrwt root/root' 'drwxr-xr-x www-data/www-data' '-rw-r----- daemon/shadow'; do
  [[ $expected == *"$want"* ]] || fail "test premise: fakeroot's .deb has no '$want': $expected"
done
pass "test premise: Debian's fakeroot builds the .deb with its owners and modes"

# build_with NAME ROOT-COMMAND-OPTION...: dpkg-buildpackage -b of a fresh
# tree in W/NAME with `fakeroot` on PATH being cocoon (the drop-in,
# FAKEROOTKEY and all; lib.sh's COCOON_NO_SECCOMP in noseccomp mode), or
# with the -r option given; the .deb must be fakeroot's, byte for byte.
build_with() {
  local name=$1
  shift
  source_tree "$W/$name"
  run_limited 120 ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} env -C "$W/$name/tiny" PATH="$TMP/bin:$PATH" "${BUILD[@]}" "$@"
  assert_status 0 "$name: dpkg-buildpackage -b with cocoon as the root command"
  local tracer
  tracer=$(cat "$W/$name/tracer")
  [[ -n $tracer && $tracer != 0 ]] || fail "$name: debian/rules binary did not run under cocoon (TracerPid '$tracer')"
  pass "$name: debian/rules binary ran under cocoon (TracerPid $tracer)"
  assert_eq "$expected" "$(dpkg-deb -c "$W/$name/tiny_1.0_all.deb")" "$name: dpkg-deb -c: the same owners, modes, devices and dates"
  cmp "$W/fakeroot/tiny_1.0_all.deb" "$W/$name/tiny_1.0_all.deb" >/dev/null ||
    fail "$name: the .debs differ in their bytes (same listing): $(cmp "$W/fakeroot/tiny_1.0_all.deb" "$W/$name/tiny_1.0_all.deb")"
  pass "$name: the .deb is byte-identical to fakeroot's"
}
mkdir -m 755 "$TMP/bin" && ln -s "$COCOON" "$TMP/bin/fakeroot"
build_with cocoon
grep -q "^ fakeroot debian/rules binary" "$TMP/err" || fail "dpkg-buildpackage did not use fakeroot: $ERR"
# cocoon run -0 named as the root command (dpkg-buildpackage -r).
[[ $MODE == noseccomp ]] && build_with run "-r$COCOON run -0 --no-seccomp --"
finish

# Basic commands under cocoon: output and exit status must be what the same
# command gives natively (coreutils, pipelines, a static busybox).
source "$(dirname "$0")/lib.sh" "$@"
assert_traced

cocoon_run -- sh -c 'echo hello; exit 3'
assert_eq hello "$OUT" "sh -c 'echo hello; exit 3' prints hello"
assert_status 3 "sh -c 'echo hello; exit 3'"

cocoon_run -- true
assert_status 0 "true"
cocoon_run -- false
assert_status 1 "false"
cocoon_run -- sh -c 'exit 255'
assert_status 255 "exit 255"

same_as_native "ls /" 'ls /'
same_as_native "cat /etc/os-release | head -1" 'cat /etc/os-release | head -1'
same_as_native "sort" 'printf "pear\napple\nfig\n" | sort'
same_as_native "pipeline" 'ls /usr/bin | sort -r | grep -v "^x" | head -20 | wc -l; ls -l /etc/hostname /etc/os-release | awk "{print \$1, \$NF}"'
same_as_native "big output" 'seq 200000 | md5sum'
# The guest's open descriptors are the native ones: cocoon's own (signalfd,
# eventfd, sync pipe, log file) must not leak (numbers in targets masked).
fd_script='ls -l /proc/self/fd/ | awk '"'"'NR > 1 { t = $11; gsub(/[0-9]+/, "N", t); print $9, t }'"'"
same_as_native "no descriptor leaks into the guest" "$fd_script"
same_as_native "busybox sh" '/bin/busybox sh -c "echo bb \$((6 * 7)); /bin/busybox ls /; /bin/busybox seq 5 | /bin/busybox sort -r"'
same_as_native "busybox ls -l" '/bin/busybox ls -ln /etc/os-release /bin/busybox'

# Environment, arguments and stdin reach the guest unchanged.
FOO="bar baz" cocoon_run -- sh -c 'printf "%s|" "$FOO" "$@"' zero 'a b' '' c
assert_eq "bar baz|a b||c|" "$OUT" "environment and arguments pass through"
printf 'line1\nline2\n' >"$TMP/in"
STDIN_FILE=$TMP/in cocoon_run -- sort -r
assert_eq $'line2\nline1' "$OUT" "stdin passes through"
[[ -z $ERR ]] || fail "cocoon wrote on stderr: $ERR"
pass "nothing on stderr at the default log level"

finish

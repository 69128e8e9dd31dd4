# Run by netns.sh inside a network namespace: a listener there and one in
# a namespace of its own (unshare -rn), then what /proc/PID/net/tcp of each
# and /proc/self/net/tcp show (proc_net(5): PID's namespace's, whoever
# reads), the ports named OUTER and INNER.
# Usage: sh netns_views.sh PYTHON DIR (DIR: empty, writable)
PY=$1 DIR=$2
listen='import socket, sys, time, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)'
"$PY" -c "$listen" "$DIR/outer" &
outer=$!
unshare -rn sh -c 'ip link set lo up && exec "$0" -c "$1" "$2"' "$PY" "$listen" "$DIR/inner" &
inner=$!
for _ in $(seq 300); do [ -s "$DIR/outer" ] && [ -s "$DIR/inner" ] && break; sleep 0.1; done
view() {
  awk 'NR > 1 {print $2}' "$1" | while read -r a; do
    p=$((0x${a#*:}))
    if [ "$p" = "$(cat "$DIR/outer")" ]; then echo OUTER
    elif [ "$p" = "$(cat "$DIR/inner")" ]; then echo INNER
    else echo "other"; fi
  done | sort | tr '\n' ' '
}
echo "outer's: $(view /proc/$outer/net/tcp)"
echo "inner's: $(view /proc/$inner/net/tcp)"
echo "self: $(view /proc/self/net/tcp)"
kill "$outer" "$inner"
wait

#!/usr/bin/env bash
# Makes the built-in guest root: a directory holding Debian's static busybox
# with a link per applet, /etc/passwd and /etc/group, and the empty
# directories a shell expects. The demo (tools/demo.sh) runs a shell in it.
#
#   bash tools/busybox-root.sh DIR
set -euo pipefail
dir=${1:?usage: busybox-root.sh DIR}
busybox=$(command -v busybox) || { echo "busybox-root: busybox-static is not installed" >&2; exit 2; }
! ldd "$busybox" >/dev/null 2>&1 ||
  { echo "busybox-root: $busybox is not statically linked (install busybox-static)" >&2; exit 2; }
rm -rf "$dir.new"
mkdir -p "$dir.new"/{bin,etc,tmp,proc,dev,root,home,mnt}
cp "$busybox" "$dir.new/bin/busybox"
for applet in $("$busybox" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$dir.new/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$dir.new/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir.new/etc/group"
echo "Welcome to cocoon's built-in busybox root." >"$dir.new/etc/motd"
chmod 1777 "$dir.new/tmp"
chmod -R a+rX "$dir.new"
rm -rf "$dir"
mv "$dir.new" "$dir"

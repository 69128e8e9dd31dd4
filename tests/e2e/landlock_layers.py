# Landlock's 16 layers, then a network namespace (tests/e2e/netns.sh):
# prints the layers made and what clone(2) and unshare(2) of
# CLONE_NEWUSER|CLONE_NEWNET gave.
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NEW = 0x10000000 | 0x40000000  # CLONE_NEWUSER | CLONE_NEWNET
libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
attr = ctypes.create_string_buffer(struct.pack("QQQ", 0, 0, 1))  # scoped: abstract sockets
layers = 0
while True:
    fd = libc.syscall(444, attr, 24, 0)  # landlock_create_ruleset
    if fd < 0:
        break
    r = libc.syscall(446, fd, 0)  # landlock_restrict_self
    os.close(fd)
    if r != 0:
        break
    layers += 1
print(layers, errno.errorcode.get(ctypes.get_errno()))
# clone(2) as fork with the flags (flags first on every arch).
pid = libc.syscall(56 if os.uname().machine == "x86_64" else 220, NEW | 17, 0, 0, 0, 0)
if pid == 0:
    os._exit(0)
if pid < 0:
    print("clone", errno.errorcode.get(ctypes.get_errno()))
else:
    _, status = os.waitpid(pid, 0)
    print("clone child", "killed %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exit %d" % os.WEXITSTATUS(status))
r = libc.unshare(NEW)
print("unshare", "ok" if r == 0 else errno.errorcode.get(ctypes.get_errno()))

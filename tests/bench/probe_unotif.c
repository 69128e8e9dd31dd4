// Probe (not run by bench.sh): the round trip of a seccomp user notification
// that emulates newfstatat, as a supervisor would (read the path, statx,
// write the answer, respond), to compare with cocoon's ptrace stop and
// fakeroot's SysV message round trip. docs/benchmark.md has the figures.
//   gcc -O2 -o probe tests/bench/probe_unotif.c && taskset -c 0 ./probe 50000
// SYNC=1: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6), as cocoon sets it;
// FLOOR=1: answer CONTINUE at once (the bare round trip).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS  // Linux 6.6; Debian 12's headers are 6.1's
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL
#endif

static int send_fd(int sock, int fd) {
  char buf[CMSG_SPACE(sizeof(int))] = {0}; char c = 0;
  struct iovec io = {&c, 1};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
  struct cmsghdr* cm = CMSG_FIRSTHDR(&m); cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int)); memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return sendmsg(sock, &m, 0);
}
static int recv_fd(int sock) {
  char buf[CMSG_SPACE(sizeof(int))]; char c; struct iovec io = {&c, 1};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
  if (recvmsg(sock, &m, 0) < 0) return -1;
  int fd; memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd); return fd;
}

int main(int argc, char** argv) {
  int n = atoi(argv[1]);
  int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pid_t pid = fork();
  if (pid == 0) {
    struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog p = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int nfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
    send_fd(sv[0], nfd); close(nfd);
    struct stat st; struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) fstatat(AT_FDCWD, "/tmp/unotif.c", &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("user notif: %.2f us/call (uid %d)\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000, st.st_uid);
    fflush(stdout);
    _exit(0);
  }
  int nfd = recv_fd(sv[1]);
  if (getenv("SYNC") && ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) != 0) {
    perror("SECCOMP_IOCTL_NOTIF_SET_FLAGS");
  }
  struct seccomp_notif_sizes sz; syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz);
  struct seccomp_notif* req = calloc(1, sz.seccomp_notif);
  struct seccomp_notif_resp* resp = calloc(1, sz.seccomp_notif_resp);
  for (;;) {
    memset(req, 0, sz.seccomp_notif);
    if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) break;
    if (getenv("FLOOR")) {
      resp->id = req->id; resp->val = 0; resp->error = 0; resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp);
      continue;
    }
    char path[4096];
    struct iovec l = {path, sizeof path}, r = {(void*)req->data.args[1], sizeof path};
    process_vm_readv(req->pid, &l, 1, &r, 1, 0);  // may read short at a page end: fine here
    struct statx sx; struct stat st = {0};
    statx(AT_FDCWD, path, 0, STATX_BASIC_STATS | STATX_BTIME, &sx);
    st.st_ino = sx.stx_ino; st.st_mode = sx.stx_mode; st.st_uid = 0; st.st_size = sx.stx_size;
    struct iovec l2 = {&st, sizeof st}, r2 = {(void*)req->data.args[2], sizeof st};
    process_vm_writev(req->pid, &l2, 1, &r2, 1, 0);
    resp->id = req->id; resp->val = 0; resp->error = 0; resp->flags = 0;
    ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp);
  }
  waitpid(pid, NULL, 0);
  return 0;
}

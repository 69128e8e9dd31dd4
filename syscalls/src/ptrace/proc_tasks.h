// What the emulated ptrace reads of other tasks in /proc (proc(5)): no
// event carries it, and it is asked rarely (a PTRACE_TRACEME, a tracer's
// blocking wait with nothing to report). A task gone reads as empty.
#pragma once

#include <sys/types.h>

#include <vector>

namespace cocoon::syscalls::proc_tasks {

// The threads of process `pid` (/proc/PID/task).
std::vector<pid_t> threads_of(pid_t pid);
// The children of thread `tid` of `pid` (/proc/PID/task/TID/children).
std::vector<pid_t> children_of(pid_t pid, pid_t tid);
// The parent process of `tid` (PPid: in /proc/TID/status), 0 if unknown.
pid_t parent_of(pid_t tid);
// The syscall number thread `tid` of `pid` is blocked in
// (/proc/PID/task/TID/syscall: its number first, "running" when in none);
// -1 if none.
long blocked_in(pid_t pid, pid_t tid);
// The real uid of `tid` (Uid: in /proc/TID/status), 0 if unknown.
uid_t uid_of(pid_t tid);
// Whether `pid` is a zombie (state Z in /proc/PID/stat).
bool is_zombie(pid_t pid);
// The numbers of a "Uid:", "Gid:" or "CapEff:" (hex) line of
// /proc/TID/status: real, effective, saved, fs; empty if unknown.
std::vector<unsigned long long> status_numbers(pid_t tid, const char* key);
// The owner of /proc/TID/stat, which is the task's euid while it is
// dumpable and root (of the namespace its memory belongs to) while it is
// not (task_dump_owner(), fs/proc/base.c); -1 if unknown. The directory
// /proc/TID itself keeps the euid either way.
long proc_owner(pid_t tid);
// Yama's kernel.yama.ptrace_scope as the host has it, 0 without Yama
// (Documentation/admin-guide/LSM/Yama.rst).
int yama_scope();

}  // namespace cocoon::syscalls::proc_tasks

/* The agent's entry, reached from a call site's trampoline (agent/site_patch.cc):
 * the trampoline has moved %rsp below the red zone (128 bytes: code that
 * made the call may keep data there, the System V ABI's leaf functions),
 * put the call's number in %eax and called here. A system call keeps every
 * register but %rax (the result), %rcx and %r11 (syscall(2), x86-64), and
 * the flags: so do we. */
        .section .text.entry, "ax"
        .globl cocoon_agent_entry
        .type cocoon_agent_entry, @function
cocoon_agent_entry:
        pushfq
        push %rbp
        push %r9
        push %r8
        push %r10
        push %rdx
        push %rsi
        push %rdi
        push %rax
        mov %rsp, %rdi          /* struct frame: nr, rdi, rsi, rdx, r10, r8, r9 */
        mov %rsp, %rbp
        and $-16, %rsp
        cld
        call cocoon_agent_dispatch
        mov %rbp, %rsp
        add $8, %rsp
        pop %rdi
        pop %rsi
        pop %rdx
        pop %r10
        pop %r8
        pop %r9
        pop %rbp
        popfq
        ret
        .size cocoon_agent_entry, . - cocoon_agent_entry
        .section .note.GNU-stack, "", @progbits

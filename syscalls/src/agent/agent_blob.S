/* The agent's image (blob/), built by syscalls/CMakeLists.txt, embedded. */
        .section .rodata.cocoon_agent, "a"
        .balign 64
        .globl cocoon_agent_image
        .globl cocoon_agent_image_end
cocoon_agent_image:
        .incbin "agent.bin"
cocoon_agent_image_end:
        .section .note.GNU-stack, "", @progbits

# A small C program the tests run as a guest: target `target` built from
# `source` as `name` in `dir`, C11 with GNU extensions (raw syscalls,
# clone flags). Used by the guests (also a project of their own for cross
# builds) and the adversarial probes.
function(cocoon_c_program target source name dir)
  add_executable(${target} ${source})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    RUNTIME_OUTPUT_DIRECTORY ${dir}
    C_STANDARD 11
    C_EXTENSIONS ON)
endfunction()

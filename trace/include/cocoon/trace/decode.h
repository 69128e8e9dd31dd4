// Turning a syscall's raw registers into what strace users read: names of
// errnos and signals, symbolic flags, quoted strings, struct summaries.
// Pure where it can be (the unit tests feed it numbers); what must read the
// guest's memory takes a GuestMemory, which the tests point at themselves.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/arch/syscall_table.h"
#include "cocoon/tracer/memory.h"

namespace cocoon::trace {

// "0x1f" (what strace prints for an address or a word without a name).
std::string hex(std::uint64_t v);

struct FlagName {
  std::uint64_t bits;
  std::string_view name;
};

// "A|B|0x40": every name whose bits are all set, in table order, then what
// no name covers in hex; `zero` when v is 0.
std::string flag_names(std::uint64_t v, std::span<const FlagName> table,
                       std::string_view zero = "0");

// The kernel's flag words (this host's values: a tracee is of cocoon's arch).
std::string open_flags(std::uint64_t v);    // O_RDONLY|O_CLOEXEC
std::string fd_flags(std::uint64_t v);      // pipe2, dup3...: O_CLOEXEC|O_NONBLOCK, or 0
std::string at_flags(std::uint64_t v);      // AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH
std::string dirfd_name(std::uint64_t v);    // AT_FDCWD or the number
std::string mmap_prot(std::uint64_t v);     // PROT_READ|PROT_WRITE
std::string mmap_flags(std::uint64_t v);    // MAP_PRIVATE|MAP_ANONYMOUS
std::string clone_flags(std::uint64_t v);   // CLONE_VM|...|SIGCHLD
std::string access_mode(std::uint64_t v);   // F_OK, R_OK|X_OK
std::string file_mode(std::uint64_t v);     // S_IFREG|0644, or 0755 without type
std::string mount_flags(std::uint64_t v);   // MS_BIND|MS_REC, or 0
std::string umount_flags(std::uint64_t v);  // MNT_DETACH|UMOUNT_NOFOLLOW, or 0

// "ENOENT"; "E123" for a number glibc has no name for.
std::string errno_name(int err);
// "SIGINT"; "SIG123" (or "SIGRT_3") otherwise.
std::string signal_name(int sig);

// A C string literal as strace shows it: quotes, \n \t \" \\ and \xNN
// escapes; cut at `max` bytes with "..." after the closing quote.
std::string quote(std::string_view bytes, std::size_t max = 64);
// A JSON string literal (RFC 8259): quotes, \" \\ \n \r \t \b \f, \u00NN for
// other control bytes; bytes that are not valid UTF-8 become \u00NN of the
// byte (so any input gives valid JSON).
std::string json_string(std::string_view bytes);

// The result as strace prints it: "3", "0x7f12a000" for addresses (the
// row's `-> addr`: mmap, brk...), "-1 ENOENT (No such file or directory)"
// for errors.
std::string result_text(arch::RetRole ret, std::int64_t result);
// The errno of a result (0 if it is not an error).
int result_errno(std::int64_t result);

using RawArgs = std::array<std::uint64_t, arch::kMaxArgs>;

// The arguments as the guest passed them, at the entry stop (strings and
// input structs read from its memory).
std::vector<std::string> decode_entry(const arch::SyscallDesc& row, const RawArgs& args,
                                      const tracer::GuestMemory& memory);
// Output arguments, once the result is known (the exit stop, or the entry
// of a call the tracer answered): overwrites the entries of `out` that the
// kernel (or cocoon) filled, when the call succeeded.
void decode_outputs(const arch::SyscallDesc& row, const RawArgs& args, std::int64_t result,
                    const tracer::GuestMemory& memory, std::vector<std::string>& out);

}  // namespace cocoon::trace

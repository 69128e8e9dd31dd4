// Capstone, loaded with dlopen the first time --disasm needs it instead of
// linked: libcapstone.so.4 carries 77,375 relative relocations, which the
// dynamic loader applied at every cocoon start although only
// `cocoon trace --disasm` ever disassembles. Linked, `cocoon --version` took
// 614 page faults and 2.77 ms; loaded lazily, 243 and 2.05 ms (perf stat
// -r 30, Debian 12, Capstone 4.0.2).
// Compiled only with COCOON_HAVE_CAPSTONE; the header still supplies the
// types and constants, the build the soname (COCOON_CAPSTONE_SONAME).
#pragma once

#include <capstone/capstone.h>

#include <string>

namespace cocoon::trace {

// The soname dlopen looks for: that of the Capstone whose header we compiled
// against, so the types and constants above match the loaded code.
inline constexpr const char* kCapstoneSoname = COCOON_CAPSTONE_SONAME;

// The few entry points disassemble() uses, typed by Capstone's own
// declarations so a header/library mismatch shows at compile time.
struct CapstoneApi {
  decltype(&cs_open) open;
  decltype(&cs_disasm) disasm;
  decltype(&cs_free) free;
  decltype(&cs_close) close;
};

// The loaded API, or null when the library or one of its symbols is missing.
// The first call loads (once, thread-safe); later calls return the same
// answer, and the library stays loaded for the life of the process.
const CapstoneApi* capstone_api();

// Why capstone_api() is null (dlerror's text); empty when it loaded.
const std::string& capstone_load_error();

}  // namespace cocoon::trace

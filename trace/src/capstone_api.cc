// See capstone_api.h for why Capstone is dlopened rather than linked.
#include "capstone_api.h"

#include <dlfcn.h>

namespace cocoon::trace {
namespace {

struct Loaded {
  CapstoneApi api{};
  bool ok = false;
  std::string error;
};

// dlerror's message, or `fallback` when it has none (a symbol that exists
// but is null, which dlsym cannot tell from a missing one otherwise).
std::string last_dl_error(const std::string& fallback) {
  const char* e = dlerror();
  return e != nullptr ? e : fallback;
}

// Resolves `name` into `fn`; false, with the reason, when it is missing.
template <class Fn>
bool bind(void* lib, const char* name, Fn& fn, std::string& error) {
  dlerror();  // clear a stale error so the one read below is dlsym's
  void* sym = dlsym(lib, name);
  if (sym == nullptr) {
    error = last_dl_error(std::string(name) + " not found in " + kCapstoneSoname);
    return false;
  }
  fn = reinterpret_cast<Fn>(sym);
  return true;
}

// RTLD_NOW: a missing symbol fails here, once, rather than at the first
// call mid-trace. RTLD_LOCAL: Capstone's symbols stay out of the global
// namespace of the tracer.
Loaded load() {
  Loaded l;
  void* lib = dlopen(kCapstoneSoname, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    l.error = last_dl_error(std::string("dlopen of ") + kCapstoneSoname + " failed");
    return l;
  }
  l.ok = bind(lib, "cs_open", l.api.open, l.error) &&
         bind(lib, "cs_disasm", l.api.disasm, l.error) &&
         bind(lib, "cs_free", l.api.free, l.error) &&
         bind(lib, "cs_close", l.api.close, l.error);
  if (!l.ok) dlclose(lib);
  return l;
}

// A function-local static: C++ guarantees one initialisation even when
// several threads ask at once.
const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

const CapstoneApi* capstone_api() { return loaded().ok ? &loaded().api : nullptr; }

const std::string& capstone_load_error() { return loaded().error; }

}  // namespace cocoon::trace

// UTS namespace emulation: the node name, domain name and release uname()
// reports (--hostname, --domainname, --kernel-release), what
// /proc/sys/kernel/{hostname,domainname,osrelease} read (files the session
// writes, opened instead: GuestView::generated_file), and sethostname(2) /
// setdomainname(2), which change the emulated names only: allowed to the
// emulated root (-0), EPERM to anyone else, as the kernel's CAP_SYS_ADMIN
// check says (kernel/sys.c). One namespace for the whole run; namespaces
// the guest makes itself are issue 6's.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cocoon/tracer/handler.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

struct IdentityState;
class NamespaceState;
struct UtsNames;

struct UtsConfig {
  std::optional<std::string> hostname, domainname, release;
};

// /proc/sys/kernel/NAME for each emulated field.
inline constexpr const char* kProcHostname = "/proc/sys/kernel/hostname";
inline constexpr const char* kProcDomainname = "/proc/sys/kernel/domainname";
inline constexpr const char* kProcOsrelease = "/proc/sys/kernel/osrelease";

class Uts final : public tracer::SyscallHandler {
 public:
  // `ns`: the namespaces the guest makes (--namespaces), or null: then
  // one UTS namespace for the whole run.
  Uts(UtsConfig config, std::shared_ptr<const GuestView> view,
      std::shared_ptr<IdentityState> identity, std::shared_ptr<NamespaceState> ns = nullptr);
  ~Uts() override;
  std::string_view name() const override { return "uts"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  tracer::Verdict set_name(tracer::SyscallStop& stop, bool host, const char* proc);
  bool privileged(const tracer::SyscallStop& stop) const;
  // The names the caller's UTS namespace has.
  UtsNames& names(pid_t tgid);

  std::string release_;
  std::unique_ptr<UtsNames> own_;  // the one namespace without ns_
  std::shared_ptr<const GuestView> view_;
  std::shared_ptr<IdentityState> identity_;
  std::shared_ptr<NamespaceState> ns_;
};

}  // namespace cocoon::syscalls

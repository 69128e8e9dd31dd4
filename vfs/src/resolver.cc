// Guest-terms path walk, modelled on fs/namei.c (link_path_walk(),
// walk_component(), handle_dots(), pick_link()) and path_resolution(7).
// The walk keeps a stack of directories in guest terms; a directory's host
// path is its mount's source plus the guest components below the mount's
// target, so ".." pops to the guest parent: at a bind's root it goes to the
// bind target's guest parent, never to the source's host parent, and at the
// root (or the RESOLVE_IN_ROOT base) it stays. Host paths are only ever a
// mount source plus plain names (never "..", never a symlink's text), so a
// result cannot leave the root's and the sources' trees.
// Speed: one guest string and a stack of offsets into it, components as
// views into the caller's path or the symlink bodies read; host strings are
// built only for the filesystem's calls and the result.
#include "cocoon/vfs/resolver.h"

#include <algorithm>
#include <cerrno>
#include <list>
#include <optional>
#include <string>
#include <vector>

namespace cocoon::vfs {
namespace {

struct Frame {
  std::size_t len;     // guest_.size() at this directory
  std::size_t base;    // guest_ offset where the host suffix starts
  const Mount* mount;  // the host prefix; what a result here reports
  const Mount* xdev;   // what RESOLVE_NO_XDEV compares (a synthetic
                       // directory belongs to the mount it appears in)
};

// A name looked up in the current directory.
struct Entry {
  std::string_view name;
  const Mount* mount;
  EntryKind kind;
  bool restart = false;               // its host path is mount->source itself
  const std::string* body = nullptr;  // a kSymlink mount's body
};

bool plain(std::string_view name) { return name != "." && name != ".."; }

using Step = std::optional<std::expected<Resolved, int>>;  // nullopt: keep walking
Step fail(int err) { return std::expected<Resolved, int>(std::unexpected(err)); }

class Walk {
 public:
  Walk(const MountTable& t, const Filesystem& fs, ResolveFlags f) : t_(t), fs_(fs), f_(f) {
    // One allocation each for typical paths instead of a regrowth per level.
    guest_.reserve(256);
    frames_.reserve(32);
    todo_.reserve(32);
    names_.reserve(32);
  }

  std::expected<Resolved, int> run(std::string_view path, const GuestPath& base) {
    if (path.empty()) return std::unexpected(ENOENT);
    if (path.size() >= kPathMax) return std::unexpected(ENAMETOOLONG);
    const bool absolute = path.front() == '/';
    if (absolute && f_.beneath) return std::unexpected(EXDEV);
    if (!absolute || f_.in_root || f_.beneath) set_frames(normalize_lexically(base.str()));
    if (f_.in_root || f_.beneath) floor_ = frames_.size();
    start_ = frames_.back().xdev;
    push_components(path);
    if (path.back() == '/') dir_required_ = true;
    while (!todo_.empty()) {
      const std::string_view name = todo_.back();
      todo_.pop_back();
      if (name == ".") continue;
      Step s = name == ".." ? dot_dot() : component(name);
      if (s) return std::move(*s);
    }
    const Frame& d = frames_.back();
    return Resolved{GuestPath(d.len ? guest_ : "/"), HostPath(host_of(d)), *d.mount,
                    EntryKind::kDirectory, false, plain_};
  }

 private:
  void push_components(std::string_view p) {
    const std::size_t at = todo_.size();
    for (std::size_t i = 0; i < p.size();) {
      const std::size_t j = std::min(p.find('/', i), p.size());
      if (j > i) todo_.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    std::reverse(todo_.begin() + static_cast<std::ptrdiff_t>(at), todo_.end());
  }

  // The stack for a canonical guest directory (the base): no symlink is
  // followed, and only names the mount table knows cost a host call.
  void set_frames(std::string dir) {
    const std::string& d = texts_.emplace_back(std::move(dir));
    push_components(d);
    while (!todo_.empty()) {
      const std::string_view name = todo_.back();
      todo_.pop_back();
      const Frame& top = frames_.back();
      push_frame(top.mount->kind == MountKind::kSynthetic || special(name)
                     ? lookup(name)
                     : Entry{name, top.mount, EntryKind::kDirectory});
    }
    error_ = 0;
    plain_ = true;  // the base is where the walk starts: only what follows counts
  }

  std::string host_of(const Frame& f, std::string_view name = {}) const {
    std::string out = f.mount->source.str();
    std::string_view suffix = std::string_view(guest_).substr(f.base, f.len - f.base);
    if (out == "/" && !suffix.empty()) out.clear();
    out += suffix;
    if (!name.empty()) {
      if (out.empty() || out.back() != '/') out += '/';
      out += name;
    }
    return out;
  }

  std::string guest_of(std::string_view name) const { return guest_ + "/" + std::string(name); }

  // Whether the mount table decides `name` in the current directory.
  bool special(std::string_view name) {
    const std::size_t len = guest_.size();
    guest_ += '/';
    guest_ += name;
    const bool yes = t_.find(guest_) != nullptr || t_.is_mount_ancestor(guest_);
    guest_.resize(len);
    return yes;
  }

  // A mount target is what its mount says; a directory on the way to a
  // target that the underlying tree lacks is synthetic.
  Entry lookup(std::string_view name) {
    plain_ = false;
    const Frame& d = frames_.back();
    const std::string guest = guest_of(name);
    if (const Mount* m = t_.find(guest)) {
      Entry e{name, m, EntryKind::kDirectory, true};
      if (m->kind == MountKind::kSymlink) {
        e.kind = EntryKind::kSymlink;
        e.body = &m->symlink_target;
      } else if (!m->directory) {
        e.kind = fs_.kind(m->source).value_or(EntryKind::kMissing);
      }
      return e;
    }
    Entry e{name, d.mount, EntryKind::kMissing};
    if (d.mount->kind != MountKind::kSynthetic) {
      auto k = fs_.kind(HostPath(host_of(d, name)));
      if (k) e.kind = *k;
      else error_ = k.error();
    }
    if (t_.is_mount_ancestor(guest) && e.kind == EntryKind::kMissing) {
      e = Entry{name, &t_.synthetic(), EntryKind::kDirectory, true};
      error_ = 0;
    }
    return e;
  }

  void push_frame(const Entry& e) {
    const Frame& d = frames_.back();
    const Mount* xdev = e.mount->kind == MountKind::kSynthetic ? d.xdev : e.mount;
    const std::size_t base = d.base;
    guest_ += '/';
    guest_ += e.name;
    // A synthetic directory's host path is the placeholder tree plus its
    // whole guest path (base 0), so each has its own, and getcwd and
    // /proc/PID/cwd inside one map back (MountTable::to_guest).
    const bool synthetic = e.mount->kind == MountKind::kSynthetic;
    frames_.push_back(
        Frame{guest_.size(), e.restart ? (synthetic ? 0 : guest_.size()) : base, e.mount, xdev});
  }

  void truncate(std::size_t depth) {
    frames_.resize(depth);
    guest_.resize(frames_.back().len);
  }

  bool crossed() const { return f_.no_xdev && frames_.back().xdev != start_; }

  Step dot_dot() {
    if (frames_.size() == floor_) {
      // handle_dots(): ".." at the root stays there; at a RESOLVE_BENEATH
      // base it would escape. The host kernel would climb above the root's
      // source (unless that is "/"): not the kernel's own walk.
      plain_ = false;
      return f_.beneath ? fail(EXDEV) : std::nullopt;
    }
    // Inside one mount, after real directories only (plain so far: no
    // symlink followed), ".." is the host parent the kernel goes to too.
    const std::size_t n = frames_.size();
    if (frames_[n - 1].mount != frames_[n - 2].mount) plain_ = false;
    truncate(frames_.size() - 1);
    return crossed() ? fail(EXDEV) : std::nullopt;
  }

  Step component(std::string_view name) {
    if (frames_.back().mount->kind == MountKind::kSynthetic || special(name)) {
      Entry e = lookup(name);
      if (error_) return fail(error_);
      return visit(e);
    }
    return segment(name);
  }

  // The fast path: the longest run of plain names that the mount table has
  // nothing to say about goes to the filesystem in one walk() call.
  Step segment(std::string_view first) {
    std::vector<std::string_view>& names = names_;
    names.assign(1, first);
    const std::size_t len = guest_.size();
    guest_ += '/';
    guest_ += first;
    for (auto it = todo_.rbegin(); it != todo_.rend() && plain(*it); ++it) {
      guest_ += '/';
      guest_ += *it;
      if (t_.find(guest_) || t_.is_mount_ancestor(guest_)) break;
      names.push_back(*it);
    }
    guest_.resize(len);
    if (Step s = lazy_end(names)) return s;
    auto step = fs_.walk(HostPath(host_of(frames_.back())), names);
    if (!step) return fail(step.error());
    for (std::size_t i = 0; i < step->dirs; ++i) {
      push_frame(Entry{names[i], frames_.back().mount, EntryKind::kDirectory});
    }
    const std::size_t used = std::min(names.size(), step->dirs + 1);
    todo_.resize(todo_.size() - (used - 1));
    if (step->dirs == names.size()) return std::nullopt;
    return visit(Entry{names[step->dirs], frames_.back().mount, step->stop});
  }

  // ResolveFlags::lazy_last, when the run of plain names ends the path: the
  // kernel will walk it as it is, so all that matters is that it meets no
  // symlink (Filesystem::plain_walk: one host call; none at all for a lone
  // name not followed). The names are taken as directories and the last as
  // kUnknown; a missing name is the kernel's ENOENT to give.
  Step lazy_end(const std::vector<std::string_view>& names) {
    // Not plain any more: the caller will rewrite, and may want the kind.
    if (!f_.lazy_last || !plain_ || dir_required_ || names.size() != todo_.size() + 1) {
      return std::nullopt;
    }
    if (f_.follow_last || names.size() > 1) {
      const auto walk = fs_.plain_walk(HostPath(host_of(frames_.back())), names, f_.follow_last);
      if (walk == Filesystem::PlainWalk::kUnsure) return std::nullopt;
    }
    todo_.clear();
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
      push_frame(Entry{names[i], frames_.back().mount, EntryKind::kDirectory});
    }
    return done(Entry{names.back(), frames_.back().mount, EntryKind::kUnknown});
  }

  Step visit(const Entry& e) {
    const bool last = todo_.empty();
    switch (e.kind) {
      case EntryKind::kDirectory:
        push_frame(e);
        return crossed() ? fail(EXDEV) : std::nullopt;
      case EntryKind::kSymlink:
        if (last && !f_.follow_last && !dir_required_) return done(e);
        return follow(e, last);
      case EntryKind::kOther:
        if (!last || dir_required_) return fail(ENOTDIR);
        if (f_.no_xdev && e.restart && e.mount != start_) return fail(EXDEV);
        return done(e);
      case EntryKind::kMissing:
        if (!last) return fail(ENOENT);
        return done(e);
      case EntryKind::kUnknown: break;  // only segment() makes one, and returns it
    }
    return fail(EINVAL);
  }

  std::string entry_host(const Entry& e) const {
    if (e.restart && e.mount->kind == MountKind::kSynthetic) {
      return e.mount->source.str() + guest_of(e.name);
    }
    return e.restart ? e.mount->source.str() : host_of(frames_.back(), e.name);
  }

  Step done(const Entry& e, bool magic = false) {
    return Resolved{GuestPath(guest_of(e.name)), HostPath(entry_host(e)), *e.mount, e.kind, magic,
                    plain_ && !magic && !e.restart};
  }

  Step follow(const Entry& e, bool last) {
    plain_ = false;
    const Frame& d = frames_.back();
    if (d.mount->kind == MountKind::kProc &&
        is_proc_magic_link(guest_.substr(d.base) + "/" + std::string(e.name))) {
      return follow_magic(e, last);
    }
    // pick_link(): RESOLVE_NO_SYMLINKS, then the MAXSYMLINKS budget.
    if (f_.no_symlinks || ++links_ > kMaxSymlinks) return fail(ELOOP);
    if (!e.body) {
      auto r = fs_.readlink(HostPath(entry_host(e)));
      if (!r) return fail(r.error());
      if (auto g = link_in_guest_terms(*e.mount, *r)) *r = std::move(*g);
      texts_.push_back(std::move(*r));
    }
    const std::string& body = e.body ? *e.body : texts_.back();
    if (body.empty()) return fail(ENOENT);
    // A link's trailing slash binds the final component like the caller's
    // own would (LOOKUP_DIRECTORY survives into the link body).
    if (last && body.back() == '/') dir_required_ = true;
    push_components(body);
    return body.front() == '/' ? jump_root() : std::nullopt;
  }

  // nd_jump_root(): absolute symlinks restart at the root, which
  // RESOLVE_IN_ROOT moves to the base and RESOLVE_BENEATH forbids.
  Step jump_root() {
    if (f_.beneath) return fail(EXDEV);
    truncate(f_.in_root ? floor_ : 1);
    return crossed() ? fail(EXDEV) : std::nullopt;
  }

  // nd_jump_link(): refused by RESOLVE_NO_MAGICLINKS (ELOOP) and by scoped
  // lookups (EXDEV). Last: the host kernel jumps itself. In the middle: the
  // link's target is a host path, which must be visible in the guest.
  Step follow_magic(const Entry& e, bool last) {
    if (f_.no_magiclinks || f_.no_symlinks) return fail(ELOOP);
    if (f_.beneath || f_.in_root) return fail(EXDEV);
    if (++links_ > kMaxSymlinks) return fail(ELOOP);
    // The last one is left to the host kernel to jump through, except
    // PID/root (its host target is "/", which the guest's root stands for)
    // and one with a trailing slash: that asks for the directory the link
    // stands for (path_resolution(7)), which the guest must see in its own
    // terms; the link's own host path, handed on, would lose the slash.
    if (last && !dir_required_ && e.name != "root") return done(e, /*magic=*/true);
    auto body = fs_.readlink(HostPath(entry_host(e)));
    if (!body) return fail(body.error());
    if (body->empty() || body->front() != '/') return fail(ENOTDIR);  // pipe:[N], socket:[N]
    auto guest = proc_link_in_guest(t_, entry_host(e), *body);
    if (!guest) return fail(ENOENT);
    // Continue from the object's guest path, as if from an absolute link.
    push_components(texts_.emplace_back(guest->str()));
    return jump_root();
  }

  const MountTable& t_;
  const Filesystem& fs_;
  ResolveFlags f_;
  std::string guest_;  // the current directory, "" for the root
  std::vector<Frame> frames_{Frame{0, 0, &t_.root(), &t_.root()}};
  std::size_t floor_ = 1;               // frames ".." never pops
  std::vector<std::string_view> todo_;  // components left, next at the back
  std::list<std::string> texts_;        // what todo_ views point into (stable)
  std::vector<std::string_view> names_; // segment()'s names, kept for its capacity
  const Mount* start_ = nullptr;        // RESOLVE_NO_XDEV's reference mount
  bool dir_required_ = false;           // trailing slash: follow, must be a directory
  int links_ = 0;
  bool plain_ = true;                   // see Resolved::plain
  int error_ = 0;                       // lookup()'s host error, if any
};

}  // namespace

std::expected<Resolved, int> Resolver::resolve(const GuestPath& path, const GuestPath& base_dir,
                                               ResolveFlags flags) const {
  return Walk(table_, fs_, flags).run(path.str(), base_dir);
}

}  // namespace cocoon::vfs

// The host side of union mounts (vfs/union.h): what a change under one
// makes in its upper layer, as overlayfs does it (Documentation/
// filesystems/overlayfs.rst): a lower entry is copied up before it is
// changed, a deleted lower name gets a whiteout, and a directory that is
// not the upper layer's alone cannot be renamed (EXDEV, overlayfs without
// redirect_dir). Done by the tracer with its own credentials, which are
// the guest's real ones: copies are owned by the caller (overlayfs keeps
// the owner, which only a privileged mounter can), with the mode, times
// and the extended attributes the caller may set.
#pragma once

#include <string>
#include <string_view>

#include "cocoon/vfs/mount_table.h"

namespace cocoon::syscalls {

// `rel` below: a path relative to the union's root, as vfs::union_lookup
// takes it. Each returns 0 or an errno for the guest.

// Makes the upper layer's copy of the entry at `rel` (and of the
// directories on the way to it), unless the upper layer has it already.
int union_copy_up(const vfs::Mount& m, std::string_view rel);
// The directories on the way to `rel`, for a name about to be created.
int union_copy_up_parents(const vfs::Mount& m, std::string_view rel);
// unlink(2) (`dir` false) or rmdir(2) of `rel`, done here: the upper
// layer's entry removed, a whiteout made when a lower layer has the name.
int union_remove(const vfs::Mount& m, std::string_view rel, bool dir);
// rename(2)/renameat2(2) of `from` to `to` in one union, done here.
int union_rename(const vfs::Mount& m, std::string_view from, std::string_view to, unsigned flags);
// Whether the caller may write to the directory holding `rel` (its
// visible one): the search and write permissions a create or delete asks.
int union_may_change_parent(const vfs::Mount& m, std::string_view rel);

}  // namespace cocoon::syscalls

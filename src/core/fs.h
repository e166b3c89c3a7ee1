/* core/fs.h - files that survive crashes and paths that stay beneath a
 * root. Atomic writes: temp file in the same directory, fsync, rename,
 * fsync the directory. Beneath: openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), so "..", absolute paths and symlinks leading out
 * of the root fail; a manual component walk with O_NOFOLLOW is the
 * fallback on kernels without openat2. */
#ifndef IK_CORE_FS_H
#define IK_CORE_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Replaces `path` with `len` bytes of `buf` atomically and durably.
 * Returns 0 or -errno (the old file is untouched on failure). */
int fs_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode);
/* The same relative to directory fd `dirfd`. */
int fs_write_atomic_at(int dirfd, const char *name, const void *buf,
    size_t len, mode_t mode);
/* fsync of a directory (after creating, renaming or unlinking in it). */
int fs_fsync_dir(const char *path);
int fs_fsync_dirfd(int dirfd);
/* mkdir -p; existing directories are fine. Returns 0 or -errno. */
int fs_mkdir_p(const char *path, mode_t mode);

/* Opens `path` relative to directory fd `rootfd`, never leaving it:
 * returns an fd, or -IK_EDENIED when the path escapes the root (absolute,
 * "..", or a symlink out), or -errno (ENOENT, ...). `flags` as open(2)
 * (O_CLOEXEC is added). */
int fs_open_beneath(int rootfd, const char *path, int flags, mode_t mode);
/* Opens the parent directory of `path` beneath `rootfd` and copies the
 * last component into `leaf` (cap bytes) so callers can mkdirat, unlinkat,
 * renameat on it. The leaf is never "", "." or ".." (-IK_EDENIED for
 * those, so the root itself cannot be removed or renamed). Returns the
 * directory fd or a negative code as fs_open_beneath. */
int fs_parent_beneath(int rootfd, const char *path, char *leaf, size_t cap);

#endif

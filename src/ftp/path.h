/* ftp/path.h - virtual paths: what a client names, made into an absolute
 * path beneath its root ("/" is the user's root directory). Pure and
 * lexical: ".", "..", repeated slashes. The file system check (symlinks
 * leading out) is fs_open_beneath's, on the relative form this gives. */
#ifndef IK_FTP_PATH_H
#define IK_FTP_PATH_H

#include <stddef.h>
#include <sys/types.h>

/* Joins `arg` to `cwd` (a normalised absolute virtual path) unless arg is
 * absolute, and normalises: "" is cwd, "." and empty components go, ".."
 * drops the component before it. Writes "/" or "/a/b" (no trailing
 * slash) into out. Returns the length, -IK_EDENIED when ".." would climb
 * above "/" (the client gets 550, never the root itself), or -IK_ELIMIT
 * when the result does not fit `cap`. */
ssize_t ftp_path_resolve(const char *cwd, const char *arg, char *out,
    size_t cap);
/* The form fs_open_beneath takes: "/" -> ".", "/a/b" -> "a/b". Points
 * into vpath. */
const char *ftp_path_rel(const char *vpath);
/* The last component of a normalised path ("/" for the root). Points
 * into vpath. */
const char *ftp_path_base(const char *vpath);

#endif

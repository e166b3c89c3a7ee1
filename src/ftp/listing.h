/* ftp/listing.h - directory listing lines: LIST in the "ls -l" form every
 * client parses, MLSD/MLST entries with RFC 3659 facts, and the time
 * formats of MDTM and "modify". Pure: given a struct stat and the time
 * now, no file system access. */
#ifndef IK_FTP_LISTING_H
#define IK_FTP_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Longest line these write, CRLF included (a name up to NAME_MAX plus a
 * symlink target up to PATH_MAX would not fit: the target is cut). */
#define FTP_LIST_LINE_MAX	768

/* One LIST line, "drwxr-xr-x   2 ftp      ftp          4096 Mar  1 12:34
 * name\r\n": owner and group show as "ftp" (uids of the server host mean
 * nothing to a client); the date shows the time of day when within six
 * months of `now`, else the year (ls's rule). `link` (may be NULL) is a
 * symlink's target, shown as "name -> link". Returns the length or
 * -IK_ETRUNC. */
ssize_t ftp_list_line(const char *name, const struct stat *st,
    const char *link, time_t now, char *buf, size_t cap);

/* What an MLSx entry's "type" fact says (RFC 3659 7.5.1). */
enum ftp_mlsx_kind {
	FTP_MLSX_ENTRY,		/* file or dir, from st_mode */
	FTP_MLSX_CDIR,		/* the listed directory itself */
	FTP_MLSX_PDIR,		/* its parent */
};

/* The facts part of an MLSx entry, "type=file;size=12;modify=...;perm=r;
 * unix.mode=0644; " (ending with the space before the name), for the
 * facts in `facts` (FTP_FACT_* from ftp/cmd.h). `can_write`: the user's
 * right to change things, which the perm fact reports (RFC 3659 7.5.5).
 * Returns the length or -IK_ETRUNC. */
ssize_t ftp_mlsx_facts(const struct stat *st, enum ftp_mlsx_kind kind,
    unsigned facts, bool can_write, char *buf, size_t cap);

/* "YYYYMMDDHHMMSS" in UTC (RFC 3659 2.3), for MDTM and "modify".
 * Returns the length (14) or -IK_ETRUNC / -IK_EPARSE (year beyond 9999 or
 * before 1). */
ssize_t ftp_time_format(time_t t, char *buf, size_t cap);

#endif

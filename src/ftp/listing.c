/* ftp/listing.c - LIST lines ("ls -l"), MLSx facts (RFC 3659 7) and the
 * FTP time format. Pure: stat results and the time come in. */
#include "ftp/listing.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "ftp/cmd.h"

/* ls shows the year for files older than about six months, or in the
 * future (RFC 959 leaves LIST's format open; this is what clients
 * parse). */
#define LIST_RECENT_S		(182 * 24 * 3600)

static char
type_char(mode_t m)
{
	if (S_ISDIR(m))
		return 'd';
	if (S_ISLNK(m))
		return 'l';
	if (S_ISCHR(m))
		return 'c';
	if (S_ISBLK(m))
		return 'b';
	if (S_ISFIFO(m))
		return 'p';
	if (S_ISSOCK(m))
		return 's';
	return '-';
}

static void
mode_string(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = type_char(m);
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

ssize_t
ftp_list_line(const char *name, const struct stat *st, const char *link,
    time_t now, char *buf, size_t cap)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char mode[11], when[16];
	struct tm tm;
	time_t t = st->st_mtime;
	int n;

	mode_string(st->st_mode, mode);
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (t > now || now - t > LIST_RECENT_S)
		n = snprintf(when, sizeof(when), "%s %2d  %4d",
		    mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_year + 1900);
	else
		n = snprintf(when, sizeof(when), "%s %2d %02d:%02d",
		    mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (n < 0 || (size_t)n >= sizeof(when))
		return -IK_ETRUNC;
	n = snprintf(buf, cap, "%s %3lu ftp      ftp      %12lld %s %s%s%.*s"
	    "\r\n", mode, (unsigned long)st->st_nlink,
	    (long long)st->st_size, when, name, link != NULL ? " -> " : "",
	    256, link != NULL ? link : "");
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	return n;
}

ssize_t
ftp_time_format(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1)
		return -IK_EPARSE;
	int n = snprintf(buf, cap, "%04d%02d%02d%02d%02d%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	return n;
}

/* The perm fact (RFC 3659 7.5.5): what this user may do to the entry. A
 * read-only user may read files and enter and list directories. */
static const char *
perm_of(mode_t m, enum ftp_mlsx_kind kind, bool can_write)
{
	if (S_ISDIR(m)) {
		if (!can_write)
			return "el";
		/* c: create files, m: make dirs, p: purge entries; d and f
		 * (delete, rename) are not offered for . and .. */
		return kind == FTP_MLSX_ENTRY ? "flcdmpe" : "flcmpe";
	}
	return can_write ? "adfrw" : "r";
}

/* Appends to buf like snprintf; the first overflow sticks in *len as
 * SIZE_MAX, so a caller formats everything and checks once. */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		*len = SIZE_MAX;
	else
		*len += (size_t)n;
}

ssize_t
ftp_mlsx_facts(const struct stat *st, enum ftp_mlsx_kind kind,
    unsigned facts, bool can_write, char *buf, size_t cap)
{
	size_t len = 0;
	char t[16];

	if (cap == 0)
		return -IK_ETRUNC;
	buf[0] = '\0';
	if (facts & FTP_FACT_TYPE) {
		const char *type = kind == FTP_MLSX_CDIR ? "cdir" :
		    kind == FTP_MLSX_PDIR ? "pdir" :
		    S_ISDIR(st->st_mode) ? "dir" :
		    S_ISREG(st->st_mode) ? "file" : "OS.unix=other";
		put(buf, cap, &len, "type=%s;", type);
	}
	if ((facts & FTP_FACT_SIZE) && !S_ISDIR(st->st_mode))
		put(buf, cap, &len, "size=%lld;", (long long)st->st_size);
	if ((facts & FTP_FACT_MODIFY) &&
	    ftp_time_format(st->st_mtime, t, sizeof(t)) > 0)
		put(buf, cap, &len, "modify=%s;", t);
	if (facts & FTP_FACT_PERM)
		put(buf, cap, &len, "perm=%s;",
		    perm_of(st->st_mode, kind, can_write));
	if (facts & FTP_FACT_UNIX_MODE)
		put(buf, cap, &len, "unix.mode=0%o;",
		    (unsigned)(st->st_mode & 07777));
	put(buf, cap, &len, " ");
	if (len >= cap)
		return -IK_ETRUNC;
	return (ssize_t)len;
}

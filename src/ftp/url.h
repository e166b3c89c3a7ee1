/* ftp/url.h - ftp:// URLs (RFC 1738 3.2, RFC 3986 syntax):
 * ftp://[user[:password]@]host[:port][/path][;type=a|i|d], the host a
 * name, an IPv4 address or an [IPv6] literal, user, password and path
 * with %-escapes. And "host[:port]" as the shell's "open" takes it.
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_FTP_URL_H
#define IK_FTP_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FTP_PORT		21
#define FTP_URL_USER_MAX	256	/* decoded, NUL included */
#define FTP_URL_PASS_MAX	256
#define FTP_URL_HOST_MAX	256
#define FTP_URL_PATH_MAX	4096

struct ftp_url {
	char		 user[FTP_URL_USER_MAX];	/* decoded, or "" */
	char		 pass[FTP_URL_PASS_MAX];
	char		 host[FTP_URL_HOST_MAX];	/* no brackets */
	/* Decoded, relative to the login directory: the URL's path
	 * without its first '/' (as curl reads it); "" is the login
	 * directory itself, "/x" (from "ftp://h//x") is absolute. A
	 * directory URL ends in '/'. */
	char		 path[FTP_URL_PATH_MAX];
	uint16_t	 port;		/* FTP_PORT unless given */
	bool		 has_user, has_pass, has_port;
	char		 type;		/* 'a', 'i', 'd' from ";type=", or 0 */
};

/* Parses a whole URL (scheme case-insensitive). Escapes that decode to
 * NUL, CR or LF are refused anywhere (they would end a command line), as
 * are raw control bytes. Returns 0, -IK_EPARSE, or -IK_ETRUNC (a part is
 * longer than its buffer). */
int ftp_url_parse(const char *s, struct ftp_url *out);

/* True when s starts with "ftp://" (any case). */
bool ftp_url_is(const char *s);

/* True when the URL names a directory: an empty path or one ending in
 * '/', or ";type=d". */
bool ftp_url_is_dir(const struct ftp_url *u);

/* Writes the URL back, escaping what needs it; the password as "***"
 * unless show_pass (so a URL can be logged). parse(format(u, true))
 * gives u again. Returns the length or -IK_ETRUNC. */
ssize_t ftp_url_format(const struct ftp_url *u, bool show_pass, char *buf,
    size_t cap);

/* Parses "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6
 * address (two colons or more, no port). *port is left alone when none
 * is given. Returns 0, -IK_EPARSE or -IK_ETRUNC. */
int ftp_hostport_parse(const char *s, char *host, size_t cap,
    uint16_t *port);

#endif

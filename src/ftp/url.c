/* ftp/url.c - ftp:// URLs to struct ftp_url and back, and the shell's
 * "host[:port]". Decoding refuses what could end or split an FTP command
 * line (NUL, CR, LF, other control bytes); a host is a name, IPv4 or a
 * bracketed IPv6 literal, never resolved here. */
#include "ftp/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/hex.h"

#define SCHEME		"ftp://"
#define SCHEME_LEN	6

bool
ftp_url_is(const char *s)
{
	return strncasecmp(s, SCHEME, SCHEME_LEN) == 0;
}

/* Decodes s[0..n) into out (cap bytes, NUL included). */
static int
pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return -IK_EPARSE;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -IK_EPARSE;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -IK_EPARSE;
		if (o + 1 >= cap)
			return -IK_ETRUNC;
		out[o++] = (char)c;
	}
	if (cap == 0)
		return -IK_ETRUNC;
	out[o] = '\0';
	return 0;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static bool
is_v6_literal(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, s, &a) == 1;
}

/* Copies a host (s[0..n), brackets stripped by the caller if any) into
 * host; checks its characters. */
static int
host_copy(const char *s, size_t n, bool is_bracketed, char *host,
    size_t cap)
{
	if (n == 0)
		return -IK_EPARSE;
	if (n >= cap)
		return -IK_ETRUNC;
	memcpy(host, s, n);
	host[n] = '\0';
	if (is_bracketed)
		return is_v6_literal(host) ? 0 : -IK_EPARSE;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return -IK_EPARSE;
	return 0;
}

static int
port_parse(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -IK_EPARSE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -IK_EPARSE;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -IK_EPARSE;
	*port = (uint16_t)v;
	return 0;
}

/* "host", "host:port", "[v6]", "[v6]:port" in s[0..n). */
static int
hostport(const char *s, size_t n, char *host, size_t cap, uint16_t *port,
    bool *has_port)
{
	const char *colon;
	int err;

	*has_port = false;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (rb == NULL)
			return -IK_EPARSE;
		if ((err = host_copy(s + 1, (size_t)(rb - s) - 1, true, host,
		    cap)) < 0)
			return err;
		size_t rest = n - (size_t)(rb - s) - 1;
		if (rest == 0)
			return 0;
		if (rb[1] != ':')
			return -IK_EPARSE;
		colon = rb + 1;
	} else {
		colon = memchr(s, ':', n);
		size_t hn = colon != NULL ? (size_t)(colon - s) : n;
		if ((err = host_copy(s, hn, false, host, cap)) < 0)
			return err;
		if (colon == NULL)
			return 0;
	}
	size_t pn = n - (size_t)(colon - s) - 1;
	if (pn == 0)
		return 0;	/* "host:" is the default port (RFC 3986) */
	*has_port = true;
	return port_parse(colon + 1, pn, port);
}

int
ftp_hostport_parse(const char *s, char *host, size_t cap, uint16_t *port)
{
	size_t n = strlen(s);
	const char *c1 = strchr(s, ':');
	bool has_port;

	if (s[0] != '[' && c1 != NULL && strchr(c1 + 1, ':') != NULL) {
		/* a bare IPv6 address: no port possible */
		return host_copy(s, n, true, host, cap);
	}
	return hostport(s, n, host, cap, port, &has_port);
}

/* Splits ";type=X" off the end of the raw path s[0..*n). */
static int
type_suffix(const char *s, size_t *n, char *type)
{
	static const char key[] = ";type=";
	size_t kn = sizeof(key) - 1;

	*type = 0;
	if (*n < kn + 1)
		return 0;
	const char *k = s + *n - kn - 1;
	if (strncasecmp(k, key, kn) != 0)
		return 0;
	char t = k[kn] | 0x20;
	if (t != 'a' && t != 'i' && t != 'd')
		return -IK_EPARSE;
	*type = t;
	*n -= kn + 1;
	return 0;
}

int
ftp_url_parse(const char *s, struct ftp_url *out)
{
	int err;

	*out = (struct ftp_url){ .port = FTP_PORT };
	if (!ftp_url_is(s))
		return -IK_EPARSE;
	s += SCHEME_LEN;
	size_t an = strcspn(s, "/");
	const char *path = s + an;
	/* The last '@' ends the user info: people type e-mail addresses
	 * as user names without escaping theirs. */
	const char *at = NULL;
	for (size_t i = 0; i < an; i++)
		if (s[i] == '@')
			at = s + i;
	const char *hs = s;
	if (at != NULL) {
		size_t un = (size_t)(at - s);
		const char *colon = memchr(s, ':', un);
		size_t nn = colon != NULL ? (size_t)(colon - s) : un;
		if ((err = pct_decode(s, nn, out->user,
		    sizeof(out->user))) < 0)
			return err;
		out->has_user = true;
		if (colon != NULL) {
			if ((err = pct_decode(colon + 1, un - nn - 1,
			    out->pass, sizeof(out->pass))) < 0)
				return err;
			out->has_pass = true;
		}
		hs = at + 1;
	}
	if ((err = hostport(hs, (size_t)(path - hs), out->host,
	    sizeof(out->host), &out->port, &out->has_port)) < 0)
		return err;
	if (*path == '\0')
		return 0;
	size_t pn = strlen(path + 1);
	if ((err = type_suffix(path + 1, &pn, &out->type)) < 0)
		return err;
	return pct_decode(path + 1, pn, out->path, sizeof(out->path));
}

bool
ftp_url_is_dir(const struct ftp_url *u)
{
	size_t n = strlen(u->path);

	return n == 0 || u->path[n - 1] == '/' || u->type == 'd';
}

/* Appends s, %-escaping every byte outside `keep` and the unreserved
 * set of RFC 3986. */
static void
enc_add(char *buf, size_t cap, size_t *n, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = is_name_char((char)c) || c == '~' ||
		    (c != 0 && strchr(keep, c) != NULL);
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };
		size_t k = plain ? 1 : 3;
		if (*n + k < cap)
			memcpy(buf + *n, plain ? (const char *)s : e, k);
		*n += k;
	}
}

static void
raw_add(char *buf, size_t cap, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k < cap)
		memcpy(buf + *n, s, k);
	*n += k;
}

ssize_t
ftp_url_format(const struct ftp_url *u, bool show_pass, char *buf,
    size_t cap)
{
	/* RFC 3986 sub-delims that may stay plain in a path segment, less
	 * ';' (it would start a ";type="). */
	static const char path_keep[] = "/!$&'()*+,=:@";
	static const char user_keep[] = "!$&'()*+,=";
	size_t n = 0;
	char port[8];

	raw_add(buf, cap, &n, SCHEME);
	if (u->has_user) {
		enc_add(buf, cap, &n, u->user, user_keep);
		if (u->has_pass) {
			raw_add(buf, cap, &n, ":");
			if (show_pass)
				enc_add(buf, cap, &n, u->pass, user_keep);
			else
				raw_add(buf, cap, &n, "***");
		}
		raw_add(buf, cap, &n, "@");
	}
	bool is_v6 = strchr(u->host, ':') != NULL;
	raw_add(buf, cap, &n, is_v6 ? "[" : "");
	raw_add(buf, cap, &n, u->host);
	raw_add(buf, cap, &n, is_v6 ? "]" : "");
	if (u->has_port) {
		snprintf(port, sizeof(port), ":%u", (unsigned)u->port);
		raw_add(buf, cap, &n, port);
	}
	if (u->path[0] != '\0' || u->type != 0)
		raw_add(buf, cap, &n, "/");
	enc_add(buf, cap, &n, u->path, path_keep);
	if (u->type != 0) {
		char t[8] = ";type=x";
		t[6] = u->type;
		raw_add(buf, cap, &n, t);
	}
	if (n >= cap)
		return -IK_ETRUNC;
	buf[n] = '\0';
	return (ssize_t)n;
}

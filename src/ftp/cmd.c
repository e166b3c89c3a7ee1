/* ftp/cmd.c - FTP command line codec: Telnet stripping, the verb split
 * used while a transfer runs, and the small argument grammars (TYPE, MODE,
 * STRU, REST, SITE CHMOD, LIST options, OPTS MLST). Replies are the
 * session's business; this file only says what was meant. */
#include "ftp/cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

#define TN_IAC		255
#define TN_DONT		254
#define TN_WILL		251

size_t
ftp_telnet_strip(char *line, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = (unsigned char)line[i];

		if (c != TN_IAC) {
			line[o++] = line[i++];
			continue;
		}
		if (i + 1 >= len) {		/* a lone IAC at the end */
			i++;
			continue;
		}
		unsigned char op = (unsigned char)line[i + 1];
		if (op == TN_IAC) {
			line[o++] = line[i];	/* escaped 0xff */
			i += 2;
		} else if (op >= TN_WILL && op <= TN_DONT) {
			i += 3;			/* option negotiation */
		} else {
			i += 2;			/* IP, DM, AO, ... */
		}
	}
	if (o > len)
		o = len;
	line[o] = '\0';
	return o;
}

int
ftp_cmd_split(const char *line, char *verb, const char **args)
{
	size_t n = strcspn(line, " ");

	if (n == 0 || n > FTP_VERB_MAX)
		return -IK_EPARSE;
	for (size_t i = 0; i < n; i++)
		verb[i] = (char)toupper((unsigned char)line[i]);
	verb[n] = '\0';
	*args = line[n] == ' ' ? line + n + 1 : line + n;
	return 0;
}

/* A one-letter code, case-insensitive, and what follows it. */
static int
code_of(const char *arg, const char **rest)
{
	if (arg[0] == '\0' || !isalpha((unsigned char)arg[0]))
		return -1;
	*rest = arg + 1;
	return toupper((unsigned char)arg[0]);
}

int
ftp_type_parse(const char *arg, enum ftp_type *out)
{
	const char *rest;
	int c = code_of(arg, &rest);

	switch (c) {
	case 'A':
		/* Format control: only N (non-print) is served. */
		if (rest[0] == '\0' || strcasecmp(rest, " N") == 0) {
			*out = FTP_TYPE_A;
			return 0;
		}
		if (rest[0] == ' ' && (strcasecmp(rest + 1, "T") == 0 ||
		    strcasecmp(rest + 1, "C") == 0))
			return -ENOTSUP;
		return -IK_EPARSE;
	case 'I':
		if (rest[0] != '\0')
			return -IK_EPARSE;
		*out = FTP_TYPE_I;
		return 0;
	case 'L':
		/* Local byte size 8 is image on an 8-bit host. */
		if (strcmp(rest, " 8") == 0) {
			*out = FTP_TYPE_I;
			return 0;
		}
		if (rest[0] == ' ' && isdigit((unsigned char)rest[1]))
			return -ENOTSUP;
		return -IK_EPARSE;
	case 'E':
		return rest[0] == '\0' || rest[0] == ' ' ? -ENOTSUP :
		    -IK_EPARSE;
	default:
		return -IK_EPARSE;
	}
}

/* One of `known` letters alone; `served` is the one this server does. */
static int
letter_parse(const char *arg, const char *known, int served)
{
	const char *rest;
	int c = code_of(arg, &rest);

	if (c < 0 || rest[0] != '\0' || strchr(known, c) == NULL)
		return -IK_EPARSE;
	return c == served ? 0 : -ENOTSUP;
}

int
ftp_mode_parse(const char *arg)
{
	return letter_parse(arg, "SBC", 'S');
}

int
ftp_stru_parse(const char *arg)
{
	return letter_parse(arg, "FRP", 'F');
}

int
ftp_rest_parse(const char *arg, uint64_t *out)
{
	uint64_t v = 0;

	if (arg[0] == '\0')
		return -IK_EPARSE;
	for (const char *p = arg; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -IK_EPARSE;
		if (v > (UINT64_MAX - 9) / 10)
			return -IK_EPARSE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	/* off_t is signed: larger offsets cannot name a file position. */
	if (v > (uint64_t)INT64_MAX)
		return -IK_EPARSE;
	*out = v;
	return 0;
}

int
ftp_chmod_parse(const char *arg, mode_t *mode, const char **path)
{
	mode_t m = 0;
	size_t n = 0;

	while (arg[n] >= '0' && arg[n] <= '7') {
		m = (mode_t)(m * 8 + (mode_t)(arg[n] - '0'));
		if (++n > 4)
			return -IK_EPARSE;
	}
	if (n == 0 || arg[n] != ' ' || arg[n + 1] == '\0' || m > 0777)
		return -IK_EPARSE;
	*mode = m;
	*path = arg + n + 1;
	return 0;
}

void
ftp_list_args(const char *arg, const char **path, bool *all)
{
	*all = false;
	/* "-la", "-a -l dir": words starting with '-' before the path. A
	 * file really named "-x" is reached as "./-x". */
	while (arg[0] == '-' && arg[1] != '\0' && arg[1] != ' ') {
		size_t n = strcspn(arg, " ");

		if (memchr(arg, 'a', n) != NULL || memchr(arg, 'A', n) != NULL)
			*all = true;
		arg += n;
		while (*arg == ' ')
			arg++;
	}
	*path = arg;
}

static const struct {
	const char	*name;
	unsigned	 bit;
} ftp_facts[] = {
	{ "type", FTP_FACT_TYPE },
	{ "size", FTP_FACT_SIZE },
	{ "modify", FTP_FACT_MODIFY },
	{ "perm", FTP_FACT_PERM },
	{ "unix.mode", FTP_FACT_UNIX_MODE },
};

unsigned
ftp_mlst_opts_parse(const char *arg)
{
	unsigned on = 0;

	while (*arg == ' ')
		arg++;
	for (const char *p = arg; *p != '\0';) {
		size_t n = strcspn(p, ";");

		for (size_t i = 0; i < sizeof(ftp_facts) / sizeof(ftp_facts[0]);
		    i++) {
			if (strlen(ftp_facts[i].name) == n &&
			    strncasecmp(p, ftp_facts[i].name, n) == 0)
				on |= ftp_facts[i].bit;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return on;
}

ssize_t
ftp_mlst_facts_format(unsigned on, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return -IK_ETRUNC;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ftp_facts) / sizeof(ftp_facts[0]); i++) {
		int n = snprintf(buf + len, cap - len, "%s%s;",
		    ftp_facts[i].name, (on & ftp_facts[i].bit) ? "*" : "");
		if (n < 0 || (size_t)n >= cap - len)
			return -IK_ETRUNC;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

ssize_t
ftp_quote_path(const char *path, char *buf, size_t cap)
{
	size_t o = 0;

	for (const char *p = path; *p != '\0'; p++) {
		size_t need = *p == '"' ? 2 : 1;

		if (o + need >= cap)
			return -IK_ETRUNC;
		buf[o++] = *p;
		if (*p == '"')
			buf[o++] = '"';
	}
	if (o >= cap)
		return -IK_ETRUNC;
	buf[o] = '\0';
	return (ssize_t)o;
}

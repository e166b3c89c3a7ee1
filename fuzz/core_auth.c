/* fuzz/core_auth.c - the input as a passwd-file for auth_db_load, written
 * to a memfd and loaded through /proc/self/fd/N. Invariants: a failed load
 * gives no db and only "path..." errors; a loaded db is sorted with unique,
 * non-empty names, each found by auth_db_find, and an unknown user is
 * always denied.
 *
 * crypt(3) costs are in the hash itself ("$6$rounds=999999999$", yescrypt
 * or scrypt parameters asking for gigabytes), and auth_db_load runs crypt
 * on every line. A passwd-file is trusted input, so an expensive hash is
 * no bug; inputs naming one are skipped to keep each run fast and small. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/auth.h"
#include "core/cfg.h"
#include "core/err.h"

#define FUZZ_FILE_MAX	(64u << 10)
#define FUZZ_HASHES_MAX	64	/* crypt calls per input */
#define FUZZ_SLOW_MAX	3	/* of them, memory-hard ones (~16 ms each) */

/* ---- the cost filter ---- */

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
b64_val(char c)
{
	const char *p = c != '\0' ? strchr(itoa64, c) : NULL;

	return p != NULL ? (int)(p - itoa64) : -1;
}

/* yescrypt "$y$j9T$": flavour j, N <= 2^12, r <= 32 (16 MiB), no more. */
static bool
yescrypt_ok(const char *p, size_t n)
{
	return n >= 4 && p[0] == 'j' && b64_val(p[1]) >= 0 &&
	    b64_val(p[1]) <= b64_val('9') && b64_val(p[2]) >= 0 &&
	    b64_val(p[2]) <= b64_val('T') && p[3] == '$';
}

/* bcrypt "$2b$NN$": cost at most 6. */
static bool
bcrypt_ok(const char *p, size_t n)
{
	return n >= 3 && isdigit((unsigned char)p[0]) &&
	    isdigit((unsigned char)p[1]) && p[2] == '$' &&
	    (p[0] - '0') * 10 + (p[1] - '0') <= 6;
}

/* scrypt "$7$": only N = 2^14, r = 8, p = 1. */
static bool
scrypt_ok(const char *p, size_t n)
{
	return n >= 11 && memcmp(p, "C6..../....", 11) == 0;
}

/* BSDi "_": only the usual 725 rounds. */
static bool
bsdi_ok(const char *p, size_t n)
{
	return n >= 4 && memcmp(p, "J9..", 4) == 0;
}

static bool
never_ok(const char *p, size_t n)
{
	(void)p;
	(void)n;
	return false;
}

static const struct cost_rule {
	const char	*prefix;
	bool		(*ok)(const char *rest, size_t n);
	bool		 is_slow;
} cost_rules[] = {
	{ "$y$", yescrypt_ok, true },
	{ "$gy$", yescrypt_ok, true },
	{ "$7$", scrypt_ok, true },
	{ "$2a$", bcrypt_ok, false },
	{ "$2b$", bcrypt_ok, false },
	{ "$2x$", bcrypt_ok, false },
	{ "$2y$", bcrypt_ok, false },
	{ "$sha1$", never_ok, false },	/* iterations in the hash */
	{ "$md5", never_ok, false },	/* SunMD5: rounds in the hash */
	{ "_", bsdi_ok, false },
	{ NULL, NULL, false },
};

/* The hash field of one line as auth.c reads it: after the first ':', up
 * to the next ':' or the end, "{CRYPT}" dropped. */
static void
hash_field(const char *line, size_t n, const char **h, size_t *hn)
{
	const char *c = memchr(line, ':', n);

	*h = NULL;
	*hn = 0;
	if (c == NULL)
		return;
	const char *s = c + 1, *end = line + n;
	const char *c2 = memchr(s, ':', (size_t)(end - s));
	if (c2 != NULL)
		end = c2;
	if ((size_t)(end - s) >= 7 && strncasecmp(s, "{CRYPT}", 7) == 0)
		s += 7;
	*h = s;
	*hn = (size_t)(end - s);
}

/* True if every hash in the file is cheap enough to try. */
static bool
costs_ok(const char *text, size_t len)
{
	size_t n_hashes = 0, n_slow = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - text) - i : len - i;
		const char *h;
		size_t hn;

		hash_field(text + i, n, &h, &hn);
		i += n + 1;
		if (h == NULL)
			continue;
		if (++n_hashes > FUZZ_HASHES_MAX)
			return false;
		if (memmem(h, hn, "rounds=", 7) != NULL)
			return false;
		for (const struct cost_rule *r = cost_rules; r->prefix; r++) {
			size_t pl = strlen(r->prefix);
			if (hn < pl || memcmp(h, r->prefix, pl) != 0)
				continue;
			if (!r->ok(h + pl, hn - pl))
				return false;
			if (r->is_slow && ++n_slow > FUZZ_SLOW_MAX)
				return false;
			break;
		}
	}
	return true;
}

/* ---- the target ---- */

static int
memfd_get(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("core_auth", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

static void
check_db(const struct auth_db *db, const char *path)
{
	if (db->path == NULL || strcmp(db->path, path) != 0)
		abort();
	for (size_t i = 0; i < db->n_users; i++) {
		const struct auth_user *u = &db->users[i];
		if (u->name == NULL || u->name[0] == '\0' ||
		    strchr(u->name, ':') != NULL || u->hash == NULL ||
		    u->hash[0] == '\0')
			abort();
		if (i > 0 && strcmp(db->users[i - 1].name, u->name) >= 0)
			abort();
		if (auth_db_find(db, u->name) != u)
			abort();
		if (u->home != NULL && u->home[0] == '\0')
			abort();
	}
	if (auth_db_find(db, "\x01no such user") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char path[64];
	struct auth_db *db = NULL;
	struct cfg_errs errs = { 0 };

	if (len > FUZZ_FILE_MAX || !costs_ok((const char *)data, len))
		return 0;
	int fd = memfd_get();
	if (ftruncate(fd, 0) < 0 ||
	    (len > 0 && pwrite(fd, data, len, 0) != (ssize_t)len))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	int rc = auth_db_load(path, &db, &errs);
	if (rc == 0) {
		if (db == NULL || errs.n != 0)
			abort();
		check_db(db, path);
		/* Unknown users are denied whatever the dummy hash says;
		 * one crypt of the default cost, so only now and then. */
		if (len % 8 == 0 && auth_verify(db, "\x01no such user",
		    "inetkit-no-such-user", NULL) != -IK_EDENIED)
			abort();
	} else {
		if (db != NULL || (rc == -IK_ECONFIG && errs.n == 0))
			abort();
		for (size_t i = 0; i < errs.n; i++)
			if (strncmp(errs.msg[i], path, strlen(path)) != 0)
				abort();
	}
	auth_db_free(&db);
	cfg_errs_clear(&errs);
	return 0;
}

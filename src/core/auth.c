/* core/auth.c - passwd-file users and crypt(3) password checks.
 * Entry points: auth_db_load/free, auth_db_find, auth_verify,
 * auth_hash_password. The file is parsed and every hash checked at load,
 * so a broken line fails the load, never a later login. No logging: load
 * errors go to cfg_errs, verification returns a code. */
#include "core/auth.h"

#include <assert.h>
#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/cfg.h"
#include "core/err.h"

#define AUTH_CRYPT_PREFIX	"{CRYPT}"
/* Fields before "extra": user:hash:uid:gid:gecos:home:shell. */
#define AUTH_FIELDS		7
#define AUTH_FIELD_HOME		5

/* The db as allocated: the public struct first, so a struct auth_db *
 * from auth_db_load is also a struct auth_db_priv *. The dummy hash stays
 * out of auth.h because no caller has any business with it. */
struct auth_db_priv {
	struct auth_db	 pub;
	char		 dummy[CRYPT_OUTPUT_SIZE];	/* unknown users */
};

/* A user while loading, with the line it came from for messages. */
struct auth_ent {
	struct auth_user u;
	int		 line;
};

static void
str_free(char **sp)
{
	if (*sp == NULL)
		return;
	OPENSSL_cleanse(*sp, strlen(*sp));
	free(*sp);
	*sp = NULL;
}

static void
user_clear(struct auth_user *u)
{
	str_free(&u->name);
	str_free(&u->hash);
	str_free(&u->home);
	str_free(&u->extra);
}

static struct crypt_data *
cd_new(void)
{
	/* ~32 KiB: too big for a small thread stack, so on the heap. */
	return calloc(1, sizeof(struct crypt_data));
}

static void
cd_free(struct crypt_data **cdp)
{
	if (*cdp == NULL)
		return;
	OPENSSL_cleanse(*cdp, sizeof(**cdp));
	free(*cdp);
	*cdp = NULL;
}

/* NULL unless libcrypt can verify against `hash`. A password only changes
 * the part after the setting, so a hash whose crypt() output differs in
 * length (cut short, "$6$salt$" alone, junk appended) can never match and
 * is refused as well. */
static const char *
hash_check(const char *hash, struct crypt_data *cd)
{
	const char *r;

	if (hash[0] == '\0')
		return "empty password hash";
	if (hash[0] == '{')
		return "unsupported password scheme (only {CRYPT})";
	r = crypt_rn("", hash, cd, sizeof(*cd));
	if (r == NULL || r[0] == '*')
		return "password hash not recognised by libcrypt";
	if (strlen(r) != strlen(hash))
		return "malformed password hash";
	return NULL;
}

/* Splits `line` (modified in place) into e. Returns 0, -ENOMEM, or
 * -IK_EPARSE with *why saying what is wrong with the line. */
static int
line_parse(char *line, struct crypt_data *cd, struct auth_ent *e,
    const char **why)
{
	char *f[AUTH_FIELDS] = { 0 };
	char *extra = NULL;
	char *p = line;
	size_t nf = 0;

	if (strchr(line, ':') == NULL) {
		*why = "missing ':' after the user name";
		return -IK_EPARSE;
	}
	while (nf < AUTH_FIELDS) {
		f[nf++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (p != NULL)
		extra = p;
	if (f[0][0] == '\0') {
		*why = "empty user name";
		return -IK_EPARSE;
	}
	/* Dovecot writes scheme names in any case. */
	char *hash = f[1];
	if (strncasecmp(hash, AUTH_CRYPT_PREFIX, strlen(AUTH_CRYPT_PREFIX)) ==
	    0)
		hash += strlen(AUTH_CRYPT_PREFIX);
	if ((*why = hash_check(hash, cd)) != NULL)
		return -IK_EPARSE;
	if ((e->u.name = strdup(f[0])) == NULL ||
	    (e->u.hash = strdup(hash)) == NULL)
		return -ENOMEM;
	if (f[AUTH_FIELD_HOME] != NULL && f[AUTH_FIELD_HOME][0] != '\0' &&
	    (e->u.home = strdup(f[AUTH_FIELD_HOME])) == NULL)
		return -ENOMEM;
	if (extra != NULL && extra[0] != '\0' &&
	    (e->u.extra = strdup(extra)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct auth_ent *x = a, *y = b;
	int c = strcmp(x->u.name, y->u.name);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int
user_cmp(const void *key, const void *elem)
{
	const struct auth_user *u = elem;

	return strcmp(key, u->name);
}

/* Reads every line into *entsp; collects line errors in errs. Returns the
 * number of errors, or -errno / -ENOMEM. */
static int
file_read(FILE *fp, const char *path, struct crypt_data *cd,
    struct auth_ent **entsp, size_t *np, struct cfg_errs *errs)
{
	struct auth_ent *ents = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t len;
	int lineno = 0;
	int n_err = 0;
	int err;

	for (;;) {
		/* getline says -1 for EOF and for ENOMEM alike. */
		errno = 0;
		if ((len = getline(&line, &line_cap, fp)) < 0)
			break;
		lineno++;
		if ((size_t)len != strlen(line)) {
			cfg_errf(errs, path, lineno, "NUL byte in line");
			n_err++;
			continue;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		const char *s = line + strspn(line, " \t");
		if (*s == '\0' || *s == '#')
			continue;
		if (n == cap) {
			size_t ncap = cap != 0 ? cap * 2 : 16;
			struct auth_ent *v = reallocarray(ents, ncap,
			    sizeof(*v));
			if (v == NULL) {
				err = -ENOMEM;
				goto out;
			}
			ents = v;
			cap = ncap;
		}
		struct auth_ent *e = &ents[n];
		memset(e, 0, sizeof(*e));
		e->line = lineno;
		const char *why = NULL;
		int r = line_parse(line, cd, e, &why);
		if (r == -IK_EPARSE) {
			cfg_errf(errs, path, lineno, "%s", why);
			n_err++;
			continue;
		}
		n++;	/* counted first so out: frees a half-built entry */
		if (r < 0) {
			err = r;
			goto out;
		}
	}
	if (ferror(fp) || !feof(fp)) {
		err = errno != 0 ? -errno : -EIO;
		goto out;
	}
	err = n_err;
out:
	if (line != NULL)
		OPENSSL_cleanse(line, line_cap);
	free(line);
	if (err < 0) {
		for (size_t i = 0; i < n; i++)
			user_clear(&ents[i].u);
		free(ents);
		ents = NULL;
		n = 0;
	}
	*entsp = ents;
	*np = n;
	return err;
}

int
auth_db_load(const char *path, struct auth_db **out,
    struct cfg_errs *errs)
{
	struct auth_db_priv *db = NULL;
	struct crypt_data *cd = NULL;
	struct auth_ent *ents = NULL;
	size_t n = 0;
	FILE *fp = NULL;
	int n_err;
	int err;

	*out = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		err = -errno;
		cfg_errf(errs, path, 0, "%s", ik_strerror(err));
		goto out;
	}
	if ((cd = cd_new()) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	n_err = file_read(fp, path, cd, &ents, &n, errs);
	if (n_err < 0) {
		err = n_err;
		cfg_errf(errs, path, 0, "%s", ik_strerror(err));
		goto out;
	}
	/* Sorted by name, then line: a duplicate follows its first. */
	if (n > 0)
		qsort(ents, n, sizeof(*ents), ent_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(ents[i].u.name, ents[i - 1].u.name) != 0)
			continue;
		size_t first = i - 1;
		while (first > 0 && strcmp(ents[first - 1].u.name,
		    ents[i].u.name) == 0)
			first--;
		cfg_errf(errs, path, ents[i].line,
		    "duplicate user \"%s\" (first on line %d)", ents[i].u.name,
		    ents[first].line);
		n_err++;
	}
	if (n_err > 0) {
		err = -IK_ECONFIG;
		goto out;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->pub.path = strdup(path)) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	/* The cost an unknown user pays: a hash like auth_hash_password's,
	 * fresh salt per load. Its password is no secret: auth_verify denies
	 * an unknown user whatever crypt says. */
	err = auth_hash_password("inetkit-no-such-user", db->dummy,
	    sizeof(db->dummy));
	if (err < 0) {
		cfg_errf(errs, path, 0, "cannot make the dummy hash: %s",
		    ik_strerror(err));
		goto out;
	}
	if (n > 0 && (db->pub.users = calloc(n, sizeof(*db->pub.users))) ==
	    NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		db->pub.users[i] = ents[i].u;	/* ownership moves */
	db->pub.n_users = n;
	n = 0;
	*out = &db->pub;
	db = NULL;
	err = 0;
out:
	for (size_t i = 0; i < n; i++)
		user_clear(&ents[i].u);
	free(ents);
	if (db != NULL) {
		struct auth_db *pub = &db->pub;
		auth_db_free(&pub);
	}
	cd_free(&cd);
	if (fp != NULL)
		fclose(fp);
	return err;
}

void
auth_db_free(struct auth_db **dbp)
{
	struct auth_db_priv *db;

	if (dbp == NULL || *dbp == NULL)
		return;
	db = (struct auth_db_priv *)*dbp;
	for (size_t i = 0; i < db->pub.n_users; i++)
		user_clear(&db->pub.users[i]);
	free(db->pub.users);
	free(db->pub.path);
	OPENSSL_cleanse(db, sizeof(*db));
	free(db);
	*dbp = NULL;
}

const struct auth_user *
auth_db_find(const struct auth_db *db, const char *name)
{
	if (db == NULL || name == NULL || db->n_users == 0)
		return NULL;
	return bsearch(name, db->users, db->n_users, sizeof(*db->users),
	    user_cmp);
}

int
auth_verify(const struct auth_db *db, const char *name, const char *pass,
    const struct auth_user **user_out)
{
	const struct auth_db_priv *priv = (const struct auth_db_priv *)db;
	struct crypt_data *cd = NULL;
	const struct auth_user *u;
	const char *hash;
	const char *r;
	int err;

	assert(db != NULL && name != NULL && pass != NULL);
	if (user_out != NULL)
		*user_out = NULL;
	u = auth_db_find(db, name);
	/* An unknown user costs one crypt like a known one, so response
	 * time does not tell which user names exist. */
	hash = u != NULL ? u->hash : priv->dummy;
	if ((cd = cd_new()) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	r = crypt_rn(pass, hash, cd, sizeof(*cd));
	size_t len = strlen(hash);
	bool same = r != NULL && r[0] != '*' && strlen(r) == len &&
	    CRYPTO_memcmp(r, hash, len) == 0;
	if (u == NULL || !same) {
		err = -IK_EDENIED;
		goto out;
	}
	if (user_out != NULL)
		*user_out = u;
	err = 0;
out:
	cd_free(&cd);
	return err;
}

int
auth_hash_password(const char *pass, char *out, size_t cap)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	const char *r;
	int err;

	/* "$y$" with count 0 and no entropy: libcrypt's default yescrypt
	 * cost, salt from the kernel's random source. */
	errno = 0;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
		err = errno != 0 ? -errno : -EINVAL;
		goto out;
	}
	if ((cd = cd_new()) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	errno = 0;
	r = crypt_rn(pass, salt, cd, sizeof(*cd));
	if (r == NULL || r[0] == '*') {
		err = errno != 0 ? -errno : -EINVAL;
		goto out;
	}
	size_t len = strlen(r);
	if (len >= cap) {
		err = -IK_ETRUNC;
		goto out;
	}
	memcpy(out, r, len + 1);
	err = 0;
out:
	cd_free(&cd);
	OPENSSL_cleanse(salt, sizeof(salt));
	return err;
}

/* core/auth.h - users from a passwd-file, passwords as crypt(3) hashes.
 * Format, one user per line (Dovecot's passwd-file, a subset):
 *     user:HASH[:uid:gid:gecos:home:shell:extra]
 * HASH is any crypt string libcrypt verifies ($y$ yescrypt, $6$ sha512,
 * ...), optionally after "{CRYPT}". Blank lines and '#' comments are
 * ignored. Verification uses crypt_rn; an unknown user is checked against
 * a dummy hash of the same cost, so it takes as long as a wrong password. */
#ifndef IK_CORE_AUTH_H
#define IK_CORE_AUTH_H

#include <stddef.h>

struct cfg_errs;

struct auth_user {
	char		*name;
	char		*hash;
	char		*home;	/* field 6, or NULL when empty/absent */
	char		*extra;	/* fields after the 7th, raw, or NULL */
};

struct auth_db {
	char		*path;
	struct auth_user *users;	/* sorted by name */
	size_t		 n_users;
};

/* Loads `path`. Malformed lines (no ':', empty name, a hash libcrypt does
 * not recognise, a duplicate user) are errors "path:line: why" in `errs`
 * and the load fails as a whole (-IK_ECONFIG), so a reload never half-
 * applies; -errno when the file cannot be read. Returns 0 and *out owned. */
int auth_db_load(const char *path, struct auth_db **out,
    struct cfg_errs *errs);
void auth_db_free(struct auth_db **dbp);
/* NULL when absent. Borrowed, valid while db lives. */
const struct auth_user *auth_db_find(const struct auth_db *db,
    const char *name);
/* 0 if `pass` matches; -IK_EDENIED for a wrong password or an unknown
 * user (same cost either way); -ENOMEM. *user_out (optional) is set on
 * success. */
int auth_verify(const struct auth_db *db, const char *name, const char *pass,
    const struct auth_user **user_out);
/* Writes a yescrypt hash of `pass` into out. Returns 0, -IK_ETRUNC, or
 * -errno if libcrypt or the random source fails. */
int auth_hash_password(const char *pass, char *out, size_t cap);

#endif

/* tests/unit/core/test_auth.c - passwd-file loading (good files, every
 * kind of bad line, each reported as file:line) and password checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/auth.h"
#include "core/cfg.h"
#include "core/err.h"

/* crypt("sha-pass", "$6$inetkitsalt$") and
 * crypt("yes-pass", "$y$j9T$inetkitsaltinetkitsa$"), made with libxcrypt. */
#define SHA_HASH	"$6$inetkitsalt$Ak1/u3caAAM1IaHZy0UMPDNfYg.VKp9lQIOX/" \
			"bUkF/mMieQIocmtKlj7BVtdh4oAiEOfVUSPwq0iwwWekPkiQ/"
#define YES_HASH	"$y$j9T$inetkitsaltinetkitsa$WARxbOuOHK5gj.nBDqfBwd7M" \
			"lLOo.IH8luqYlaQO4W9"

struct fixture {
	char		 dir[64];
	char		 path[PATH_MAX];	/* dir/passwd */
	struct cfg_errs	 errs;
	struct auth_db	*db;
};

static int
fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ik-auth-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_true(snprintf(fx->path, sizeof(fx->path), "%s/passwd",
	    fx->dir) < (int)sizeof(fx->path));
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fixture *fx = *state;

	auth_db_free(&fx->db);
	cfg_errs_clear(&fx->errs);
	(void)unlink(fx->path);	/* absent if a test wrote none */
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

/* Writes `len` bytes (NULs allowed) as the passwd file. */
static void
put_passwd(struct fixture *fx, const char *text, size_t len)
{
	FILE *fp = fopen(fx->path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int
load_text(struct fixture *fx, const char *text)
{
	put_passwd(fx, text, strlen(text));
	return auth_db_load(fx->path, &fx->db, &fx->errs);
}

/* Asserts errs holds exactly `want` (n strings, "passwd:" meaning the
 * full path), in order. */
static void
errs_expect(struct fixture *fx, const char *const *want, size_t n)
{
	bool same = fx->errs.n == n;

	for (size_t i = 0; same && i < n; i++) {
		char full[PATH_MAX + 128];

		assert_true(snprintf(full, sizeof(full), "%s%s", fx->dir,
		    want[i]) < (int)sizeof(full));
		same = strcmp(fx->errs.msg[i], full) == 0;
	}
	if (!same) {
		for (size_t i = 0; i < fx->errs.n; i++)
			print_error("  got: %s\n", fx->errs.msg[i]);
		fail_msg("%zu errors, want %zu as listed", fx->errs.n, n);
	}
}

static const char good_file[] =
    "# inetkit passwd-file\n"
    "\n"
    "   \n"
    "\t# indented comment\n"
    "zed:" SHA_HASH "\n"
    "alice:{CRYPT}" YES_HASH ":1000:1000:Alice:/home/alice:/bin/sh:"
        "userdb_quota=1G:x\n"
    "bob:{crypt}" SHA_HASH "::::::\n"
    "carol:" YES_HASH "::::/srv/carol\r\n"
    "dave:" SHA_HASH;			/* last line without a newline */

static void
test_load_good(void **state)
{
	struct fixture *fx = *state;
	const struct auth_user *u;

	assert_int_equal(load_text(fx, good_file), 0);
	assert_int_equal(fx->errs.n, 0);
	assert_non_null(fx->db);
	assert_string_equal(fx->db->path, fx->path);
	assert_int_equal(fx->db->n_users, 5);
	/* sorted, whatever the file order */
	for (size_t i = 1; i < fx->db->n_users; i++)
		assert_true(strcmp(fx->db->users[i - 1].name,
		    fx->db->users[i].name) < 0);

	u = auth_db_find(fx->db, "alice");
	assert_non_null(u);
	assert_string_equal(u->hash, YES_HASH);	/* {CRYPT} stripped */
	assert_string_equal(u->home, "/home/alice");
	assert_string_equal(u->extra, "userdb_quota=1G:x");
	u = auth_db_find(fx->db, "bob");
	assert_non_null(u);
	assert_string_equal(u->hash, SHA_HASH);	/* {crypt} too */
	assert_null(u->home);			/* empty field */
	assert_null(u->extra);
	u = auth_db_find(fx->db, "carol");
	assert_non_null(u);
	assert_string_equal(u->home, "/srv/carol");	/* CR dropped */
	assert_null(u->extra);
	u = auth_db_find(fx->db, "zed");
	assert_non_null(u);
	assert_null(u->home);
	assert_non_null(auth_db_find(fx->db, "dave"));
	assert_null(auth_db_find(fx->db, "mallory"));
	assert_null(auth_db_find(fx->db, ""));
	assert_null(auth_db_find(fx->db, "alic"));
	assert_null(auth_db_find(fx->db, "alicee"));
	assert_null(auth_db_find(fx->db, "# inetkit passwd-file"));
}

static void
test_verify(void **state)
{
	struct fixture *fx = *state;
	const struct auth_user *u = (const void *)1;

	assert_int_equal(load_text(fx, good_file), 0);

	/* yescrypt behind {CRYPT} */
	assert_int_equal(auth_verify(fx->db, "alice", "yes-pass", &u), 0);
	assert_non_null(u);
	assert_string_equal(u->name, "alice");
	/* sha512 */
	assert_int_equal(auth_verify(fx->db, "zed", "sha-pass", NULL), 0);
	assert_int_equal(auth_verify(fx->db, "bob", "sha-pass", NULL), 0);
	assert_int_equal(auth_verify(fx->db, "carol", "yes-pass", NULL), 0);

	/* wrong passwords, near misses */
	u = (const void *)1;
	assert_int_equal(auth_verify(fx->db, "alice", "yes-pasS", &u),
	    -IK_EDENIED);
	assert_null(u);
	assert_int_equal(auth_verify(fx->db, "alice", "sha-pass", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "zed", "sha-pas", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "zed", "sha-pass ", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "zed", "", NULL), -IK_EDENIED);
	/* the hash itself is not a password */
	assert_int_equal(auth_verify(fx->db, "zed", SHA_HASH, NULL),
	    -IK_EDENIED);

	/* unknown users, with a password some user has, and with the
	 * dummy's own password */
	u = (const void *)1;
	assert_int_equal(auth_verify(fx->db, "mallory", "yes-pass", &u),
	    -IK_EDENIED);
	assert_null(u);
	assert_int_equal(auth_verify(fx->db, "", "sha-pass", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "ALICE", "yes-pass", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "nobody-here",
	    "inetkit-no-such-user", NULL), -IK_EDENIED);
}

static void
test_load_bad_lines(void **state)
{
	static const char *const want[] = {
		"/passwd:2: missing ':' after the user name",
		"/passwd:3: empty user name",
		"/passwd:4: password hash not recognised by libcrypt",
		"/passwd:5: password hash not recognised by libcrypt",
		"/passwd:6: unsupported password scheme (only {CRYPT})",
		"/passwd:7: unsupported password scheme (only {CRYPT})",
		"/passwd:8: empty password hash",
		"/passwd:9: empty password hash",
		"/passwd:10: malformed password hash",
		"/passwd:11: malformed password hash",
		"/passwd:12: password hash not recognised by libcrypt",
		"/passwd:13: password hash not recognised by libcrypt",
		/* duplicates come last: found after sorting */
		"/passwd:15: duplicate user \"ok\" (first on line 1)",
		"/passwd:16: duplicate user \"ok\" (first on line 1)",
	};
	struct fixture *fx = *state;

	assert_int_equal(load_text(fx,
	    "ok:" SHA_HASH "\n"				/* 1 */
	    "just-a-name\n"				/* 2 */
	    ":" SHA_HASH "\n"				/* 3 */
	    "u4:$9$abc$def\n"				/* 4 unknown $9$ */
	    "u5:$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA\n" /* 5 */
	    "u6:{PLAIN}secret\n"			/* 6 */
	    "u7:{SHA512-CRYPT}" SHA_HASH "\n"		/* 7 */
	    "u8:\n"					/* 8 */
	    "u9:{CRYPT}\n"				/* 9 */
	    "u10:$6$inetkitsalt$\n"			/* 10 setting only */
	    "u11:" SHA_HASH "junk\n"			/* 11 */
	    "u12:" SHA_HASH " \n"			/* 12 space */
	    "u13:*\n"					/* 13 locked */
	    "fine:" YES_HASH "\n"			/* 14 */
	    "ok:" YES_HASH "\n"				/* 15 */
	    "ok:" SHA_HASH "\n"),			/* 16 */
	    -IK_ECONFIG);
	assert_null(fx->db);
	errs_expect(fx, want, sizeof(want) / sizeof(want[0]));
}

static void
test_load_nul_byte(void **state)
{
	static const char text[] = "a:" SHA_HASH "\nb\0:" SHA_HASH "\n";
	static const char *const want[] = { "/passwd:2: NUL byte in line" };
	struct fixture *fx = *state;

	put_passwd(fx, text, sizeof(text) - 1);
	assert_int_equal(auth_db_load(fx->path, &fx->db, &fx->errs),
	    -IK_ECONFIG);
	assert_null(fx->db);
	errs_expect(fx, want, 1);
}

static void
test_load_missing_and_empty(void **state)
{
	struct fixture *fx = *state;
	struct auth_db *db = (void *)1;

	assert_int_equal(auth_db_load(fx->path, &db, &fx->errs), -ENOENT);
	assert_null(db);
	assert_int_equal(fx->errs.n, 1);
	cfg_errs_clear(&fx->errs);

	/* a file of comments only: a valid, empty db */
	assert_int_equal(load_text(fx, "# nobody yet\n\n"), 0);
	assert_int_equal(fx->errs.n, 0);
	assert_int_equal(fx->db->n_users, 0);
	assert_null(auth_db_find(fx->db, "x"));
	assert_int_equal(auth_verify(fx->db, "x", "y", NULL), -IK_EDENIED);
	auth_db_free(&fx->db);
	assert_null(fx->db);
	auth_db_free(&fx->db);	/* twice is fine */
	auth_db_free(NULL);

	/* errs may be NULL when the caller wants the code only */
	put_passwd(fx, "bad\n", 4);
	assert_int_equal(auth_db_load(fx->path, &fx->db, NULL), -IK_ECONFIG);
	assert_null(fx->db);
}

static void
test_hash_password(void **state)
{
	struct fixture *fx = *state;
	char h1[CRYPT_OUTPUT_SIZE], h2[CRYPT_OUTPUT_SIZE];
	char text[2 * CRYPT_OUTPUT_SIZE + 32];

	assert_int_equal(auth_hash_password("s3cret: with colon", h1,
	    sizeof(h1)), 0);
	assert_int_equal(strncmp(h1, "$y$", 3), 0);
	assert_int_equal(auth_hash_password("s3cret: with colon", h2,
	    sizeof(h2)), 0);
	assert_string_not_equal(h1, h2);	/* fresh salt each time */
	assert_int_equal(auth_hash_password("", h2, sizeof(h2)), 0);

	/* what it writes loads and verifies */
	assert_true(snprintf(text, sizeof(text), "u:%s\nempty:%s\n", h1, h2) <
	    (int)sizeof(text));
	assert_int_equal(load_text(fx, text), 0);
	assert_int_equal(auth_verify(fx->db, "u", "s3cret: with colon", NULL),
	    0);
	assert_int_equal(auth_verify(fx->db, "u", "s3cret", NULL),
	    -IK_EDENIED);
	assert_int_equal(auth_verify(fx->db, "empty", "", NULL), 0);
	assert_int_equal(auth_verify(fx->db, "empty", " ", NULL),
	    -IK_EDENIED);

	/* too small: an error, never a cut hash */
	size_t len = strlen(h1);
	memset(h2, 'x', sizeof(h2));
	assert_int_equal(auth_hash_password("p", h2, len), -IK_ETRUNC);
	assert_int_equal(auth_hash_password("p", h2, 0), -IK_ETRUNC);
	assert_int_equal(auth_hash_password("p", h2, len + 1), 0);
	assert_int_equal(strlen(h2), len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_good, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_load_bad_lines, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_load_nul_byte, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_load_missing_and_empty,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hash_password, fx_setup,
		    fx_teardown),
	};

	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}

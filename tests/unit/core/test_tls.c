/* tests/unit/core/test_tls.c - server contexts from PEM files and the
 * development certificate: made once, reused, key 0600, usable by a
 * strict verifying client, and clear errors for missing or mismatched
 * files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/log.h"
#include "core/tls.h"

struct tdir {
	char	 path[64];
};

static void
tdir_make(struct tdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/ik-test-tls-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

/* Removes the directory tree (two levels are all these tests make). */
static void
rm_tree(const char *path)
{
	DIR *dp = opendir(path);
	struct dirent *de;

	if (dp == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		char sub[512];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_tree(sub);
	}
	closedir(dp);
	rmdir(path);
}

static char *
slurp(const char *path, size_t *len_out)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len_out = (size_t)n;
	return buf;
}

static void
test_dev_cert_made_once(void **state)
{
	char sub[128], cert[256], key[256];
	struct stat c1, k1, c2, k2;
	size_t n1, n2;
	struct tdir d;

	(void)state;
	tdir_make(&d);
	/* A directory that does not exist yet is made. */
	snprintf(sub, sizeof(sub), "%s/tls", d.path);
	assert_int_equal(tls_dev_cert_ensure(sub, cert, key, sizeof(cert)), 0);
	assert_non_null(strstr(cert, "/tls/dev-cert.pem"));
	assert_non_null(strstr(key, "/tls/dev-key.pem"));
	assert_int_equal(stat(cert, &c1), 0);
	assert_int_equal(stat(key, &k1), 0);
	assert_int_equal(k1.st_mode & 07777, 0600);
	char *pem1 = slurp(cert, &n1);

	/* The second call keeps both files: same inodes, same bytes. */
	assert_int_equal(tls_dev_cert_ensure(sub, cert, key, sizeof(cert)), 0);
	assert_int_equal(stat(cert, &c2), 0);
	assert_int_equal(stat(key, &k2), 0);
	assert_true(c1.st_ino == c2.st_ino);
	assert_true(k1.st_ino == k2.st_ino);
	char *pem2 = slurp(cert, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(pem1, pem2, n1);
	free(pem1);
	free(pem2);

	/* A missing key means a new pair. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(tls_dev_cert_ensure(sub, cert, key, sizeof(cert)), 0);
	assert_int_equal(stat(cert, &c2), 0);
	assert_int_equal(stat(key, &k2), 0);
	assert_true(c1.st_ino != c2.st_ino);
	assert_int_equal(k2.st_mode & 07777, 0600);
	rm_tree(d.path);
}

static void
test_dev_cert_contents(void **state)
{
	char cert[256], key[256];
	struct tdir d;

	(void)state;
	tdir_make(&d);
	assert_int_equal(tls_dev_cert_ensure(d.path, cert, key, sizeof(cert)),
	    0);
	FILE *fp = fopen(cert, "r");
	assert_non_null(fp);
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);

	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "example.test", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "10.0.0.1", 0), 0);
	/* Self-signed (a leaf: no keyCertSign), about a year. */
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)), 0);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(x)), 1);
	assert_int_equal(X509_check_ca(x), 0);
	int days = 0, secs = 0;
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)), 1);
	assert_in_range(days, 365, 366);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	assert_non_null(pk);
	assert_true(EVP_PKEY_is_a(pk, "EC"));
	assert_int_equal(EVP_PKEY_get_bits(pk), 256);
	X509_free(x);
	rm_tree(d.path);
}

static void
test_dev_cert_path_too_long(void **state)
{
	char cert[16], key[16];

	(void)state;
	assert_int_equal(tls_dev_cert_ensure("/tmp/some/long/dir", cert, key,
	    sizeof(cert)), -IK_ETRUNC);
}

/* Runs a handshake between two SSL objects joined by a BIO pair. */
static int
handshake(SSL *cli, SSL *srv)
{
	int rc = 0, rs = 0;

	for (int i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
		if (rc != 1) {
			rc = SSL_connect(cli);
			if (rc != 1 && SSL_get_error(cli, rc) !=
			    SSL_ERROR_WANT_READ)
				return -1;
		}
		if (rs != 1) {
			rs = SSL_accept(srv);
			if (rs != 1 && SSL_get_error(srv, rs) !=
			    SSL_ERROR_WANT_READ)
				return -1;
		}
	}
	return rc == 1 && rs == 1 ? 0 : -1;
}

static void
test_server_ctx_works(void **state)
{
	char cert[256], key[256], err[512];
	struct tdir d;

	(void)state;
	tdir_make(&d);
	assert_int_equal(tls_dev_cert_ensure(d.path, cert, key, sizeof(cert)),
	    0);
	SSL_CTX *sctx = tls_server_ctx_new(cert, key, err, sizeof(err));
	assert_non_null(sctx);
	assert_int_equal(SSL_CTX_get_min_proto_version(sctx), TLS1_2_VERSION);

	/* A client that trusts the dev cert, checks "localhost" and runs
	 * OpenSSL's strict checks (as Python 3.13 does) accepts it. */
	SSL_CTX *cctx = tls_client_ctx_new(false);
	assert_non_null(cctx);
	assert_int_equal(SSL_CTX_load_verify_locations(cctx, cert, NULL), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(cctx),
	    X509_V_FLAG_X509_STRICT);
	SSL *cli = SSL_new(cctx), *srv = SSL_new(sctx);
	assert_non_null(cli);
	assert_non_null(srv);
	assert_int_equal(SSL_set1_host(cli, "localhost"), 1);
	BIO *bc, *bs;
	assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
	SSL_set_bio(cli, bc, bc);
	SSL_set_bio(srv, bs, bs);
	int r = handshake(cli, srv);
	if (r != 0)
		ERR_print_errors_fp(stderr);
	assert_int_equal(r, 0);
	assert_int_equal(SSL_get_verify_result(cli), X509_V_OK);

	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	rm_tree(d.path);
}

static void
test_server_ctx_missing_files(void **state)
{
	char cert[256], key[256], err[512], nope[256];
	struct tdir d;

	(void)state;
	tdir_make(&d);
	snprintf(nope, sizeof(nope), "%s/missing.pem", d.path);
	assert_null(tls_server_ctx_new(nope, nope, err, sizeof(err)));
	assert_non_null(strstr(err, nope));
	assert_non_null(strstr(err, "No such file"));

	/* The certificate loads, the key is missing: the key is named. */
	assert_int_equal(tls_dev_cert_ensure(d.path, cert, key, sizeof(cert)),
	    0);
	assert_null(tls_server_ctx_new(cert, nope, err, sizeof(err)));
	assert_non_null(strstr(err, "private key"));
	assert_non_null(strstr(err, nope));

	/* A file that is not PEM. */
	assert_null(tls_server_ctx_new("/dev/null", key, err, sizeof(err)));
	assert_non_null(strstr(err, "/dev/null"));
	/* The error queue is left empty for whoever comes next. */
	assert_int_equal(ERR_peek_error(), 0);
	rm_tree(d.path);
}

static void
test_server_ctx_mismatch(void **state)
{
	char c1[256], k1[256], c2[256], k2[256], err[512];
	struct tdir a, b;

	(void)state;
	tdir_make(&a);
	tdir_make(&b);
	assert_int_equal(tls_dev_cert_ensure(a.path, c1, k1, sizeof(c1)), 0);
	assert_int_equal(tls_dev_cert_ensure(b.path, c2, k2, sizeof(c2)), 0);
	assert_null(tls_server_ctx_new(c1, k2, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	assert_non_null(strstr(err, c1));
	assert_non_null(strstr(err, k2));
	/* A tiny buffer is fine: cut, terminated. */
	char small[8];
	assert_null(tls_server_ctx_new(c1, k2, small, sizeof(small)));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	rm_tree(a.path);
	rm_tree(b.path);
}

static void
test_client_ctx(void **state)
{
	(void)state;
	SSL_CTX *v = tls_client_ctx_new(true);
	SSL_CTX *n = tls_client_ctx_new(false);

	assert_non_null(v);
	assert_non_null(n);
	assert_int_equal(SSL_CTX_get_verify_mode(v), SSL_VERIFY_PEER);
	assert_int_equal(SSL_CTX_get_verify_mode(n), SSL_VERIFY_NONE);
	assert_int_equal(SSL_CTX_get_min_proto_version(v), TLS1_2_VERSION);
	SSL_CTX_free(v);
	SSL_CTX_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_cert_made_once),
		cmocka_unit_test(test_dev_cert_contents),
		cmocka_unit_test(test_dev_cert_path_too_long),
		cmocka_unit_test(test_server_ctx_works),
		cmocka_unit_test(test_server_ctx_missing_files),
		cmocka_unit_test(test_server_ctx_mismatch),
		cmocka_unit_test(test_client_ctx),
	};

	log_init("test", LOG_LV_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

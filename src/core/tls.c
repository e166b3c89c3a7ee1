/* core/tls.c - OpenSSL contexts: the servers' (TLS 1.2 and up, chain and
 * key from PEM files), a self-signed development certificate made on first
 * use, and a client context. Connections themselves are line.c's job (and
 * per-connection host name checks are the client's: SSL_set1_host). */
#include "core/tls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/log.h"

#define TLS_DEV_CERT		"dev-cert.pem"
#define TLS_DEV_KEY		"dev-key.pem"
#define TLS_DEV_DAYS		365
/* A dev certificate this close to expiry is made anew. */
#define TLS_DEV_RENEW_S		(24 * 3600)
#define TLS_SERIAL_BYTES	16

/* Writes the message, ": ", and OpenSSL's first error into err, and
 * empties OpenSSL's error queue. */
static void __attribute__((format(printf, 3, 4)))
tls_errf(char *err, size_t errcap, const char *fmt, ...)
{
	char reason[256] = "unknown error";
	unsigned long e = ERR_get_error();
	va_list ap;

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	if (errcap == 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errcap)
		snprintf(err + n, errcap - (size_t)n, ": %s", reason);
}

static bool
tls_err_is_mismatch(void)
{
	unsigned long e = ERR_peek_error();

	return ERR_GET_LIB(e) == ERR_LIB_X509 &&
	    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

SSL_CTX *
tls_server_ctx_new(const char *cert, const char *key, char *err,
    size_t errcap)
{
	SSL_CTX *ctx = NULL;
	bool ok = false;

	ERR_clear_error();
	if (errcap > 0)
		err[0] = '\0';
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_errf(err, errcap, "cannot make a TLS context");
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		tls_errf(err, errcap, "cannot require TLS 1.2");
		goto out;
	}
	/* No compression (CRIME); no renegotiation, which a client could use
	 * to make the server do handshakes on demand. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)"inetkit", 7) != 1) {
		tls_errf(err, errcap, "cannot set the session id context");
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_errf(err, errcap, "cannot load certificate chain %s", cert);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		/* A key of the certificate's type is checked against it
		 * while loading. */
		if (tls_err_is_mismatch())
			tls_errf(err, errcap, "private key %s does not match "
			    "certificate %s", key, cert);
		else
			tls_errf(err, errcap, "cannot load private key %s",
			    key);
		goto out;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_errf(err, errcap, "private key %s does not match "
		    "certificate %s", key, cert);
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* True when both files are there and the certificate parses and is not
 * about to expire. */
static bool
dev_cert_usable(const char *cert, const char *key)
{
	struct stat st;
	bool ok = false;

	if (stat(key, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	FILE *fp = fopen(cert, "re");
	if (fp == NULL)
		return false;
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x != NULL) {
		time_t soon = time(NULL) + TLS_DEV_RENEW_S;

		ok = X509_cmp_time(X509_get0_notAfter(x), &soon) > 0;
		X509_free(x);
	}
	ERR_clear_error();
	return ok;
}

static int
dev_cert_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok;

	if (e == NULL)
		return -EIO;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -EIO;
}

/* A self-signed end-entity certificate for localhost. Returns it owned,
 * or NULL. */
static X509 *
dev_cert_build(EVP_PKEY *pk)
{
	static const struct {
		int		 nid;
		const char	*value;
	} exts[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "serverAuth" },
		{ NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1" },
		/* The key id first: the authority key id copies it. */
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
	};
	unsigned char rnd[TLS_SERIAL_BYTES];
	BIGNUM *serial = NULL;
	X509 *x = NULL;
	bool ok = false;

	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	/* RFC 5280 4.1.2.2: positive, at most 20 octets, unpredictable. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	rnd[0] = (unsigned char)((rnd[0] & 0x7f) | 0x40);
	if ((serial = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL)
		goto out;
	/* A little in the past, for clients whose clock is behind. */
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)TLS_DEV_DAYS * 24 * 3600) == NULL)
		goto out;
	X509_NAME *name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pk) != 1)
		goto out;

	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (dev_cert_add_ext(x, &v3, exts[i].nid, exts[i].value) < 0)
			goto out;
	}
	if (X509_sign(x, pk, EVP_sha256()) <= 0)
		goto out;
	ok = true;
out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Makes a key and certificate and writes them, key first. Returns 0,
 * -EIO (OpenSSL failed; logged) or fs_write_atomic's error. */
static int
dev_cert_make(const char *cert, const char *key)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *kb = NULL, *cb = NULL;
	char *p;
	long n;
	int err = -EIO;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = dev_cert_build(pk)) == NULL)
		goto out;
	/* Secure-heap memory is wiped when freed. */
	if ((kb = BIO_new(BIO_s_secmem())) == NULL ||
	    (cb = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if (PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1)
		goto out;
	if ((n = BIO_get_mem_data(kb, &p)) <= 0)
		goto out;
	if ((err = fs_write_atomic(key, p, (size_t)n, 0600)) < 0)
		goto out;
	err = -EIO;
	if ((n = BIO_get_mem_data(cb, &p)) <= 0)
		goto out;
	err = fs_write_atomic(cert, p, (size_t)n, 0644);
out:
	if (err == -EIO) {
		char reason[256] = "unknown error";
		unsigned long e = ERR_get_error();

		if (e != 0)
			ERR_error_string_n(e, reason, sizeof(reason));
		log_err("tls: cannot make a development certificate: %s",
		    reason);
	}
	ERR_clear_error();
	BIO_free(kb);
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(pk);
	return err;
}

int
tls_dev_cert_ensure(const char *dir, char *cert, char *key, size_t cap)
{
	int n, err;

	n = snprintf(cert, cap, "%s/%s", dir, TLS_DEV_CERT);
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	n = snprintf(key, cap, "%s/%s", dir, TLS_DEV_KEY);
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	if (dev_cert_usable(cert, key))
		return 0;
	if ((err = fs_mkdir_p(dir, 0700)) < 0)
		return err;
	if ((err = dev_cert_make(cert, key)) < 0)
		return err;
	log_info("tls: made a self-signed development certificate %s", cert);
	return 0;
}

SSL_CTX *
tls_client_ctx_new(bool verify)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	bool ok = false;

	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto out;
	if (verify) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1)
			goto out;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ok = true;
out:
	if (!ok) {
		ERR_clear_error();
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

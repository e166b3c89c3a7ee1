/* core/tls.h - OpenSSL server contexts for the TLS-capable services, and a
 * self-signed development certificate when none is configured. */
#ifndef IK_CORE_TLS_H
#define IK_CORE_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* A server context (TLS 1.2 minimum) from PEM files: `cert` may hold the
 * chain. On error returns NULL and writes a one-line reason naming the
 * file into `err`. Returned owned: SSL_CTX_free(). */
SSL_CTX *tls_server_ctx_new(const char *cert, const char *key, char *err,
    size_t errcap);

/* Makes sure `dir` holds dev-cert.pem and dev-key.pem (a self-signed
 * certificate for "localhost" and 127.0.0.1/::1, EC P-256, valid 1 year),
 * generating them (key mode 0600, atomic writes) when either is missing.
 * Writes their paths into cert/key (cap bytes each). Returns 0 or -errno
 * / -IK_ETRUNC. */
int tls_dev_cert_ensure(const char *dir, char *cert, char *key, size_t cap);

/* A client context that verifies against the system store, or none when
 * `verify` is false (for tests against the dev certificate). */
SSL_CTX *tls_client_ctx_new(bool verify);

#endif

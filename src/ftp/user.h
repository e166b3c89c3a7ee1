/* ftp/user.h - what the FTP server reads from a passwd-file user (the
 * extra field's ftp=rw and ftp_upload_max=SIZE), and the per-address
 * limit on failed logins. Pure: times come in as milliseconds. */
#ifndef IK_FTP_USER_H
#define IK_FTP_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"

struct ftp_user_opts {
	bool		 can_write;	/* ftp=rw; default read-only */
	uint64_t	 upload_max;	/* bytes per upload; 0: no cap */
};

/* Parses the extra field ("ftp=rw ftp_upload_max=1G other=x"): keys it
 * does not know are other services' and skipped. `extra` may be NULL.
 * Returns 0 or -IK_EPARSE (a bad ftp= or ftp_upload_max= value; the user
 * cannot log in then, rather than get rights nobody meant). */
int ftp_user_opts_parse(const char *extra, struct ftp_user_opts *out);

/* Failed logins per client address in a sliding minute. A fixed table:
 * when full, the stalest entry is reused (an attacker with more addresses
 * than slots gets no more than the limit per address, minus evictions). */
#define FTP_LOGIN_SLOTS		1024
#define FTP_LOGIN_WINDOW_MS	60000

struct ftp_login_slot {
	uint8_t		 ip[16];	/* IPv4 as IPv4-mapped IPv6 */
	uint64_t	 first_ms;	/* start of the current window */
	unsigned	 fails;
	bool		 used;
};

struct ftp_login_limit {
	struct ftp_login_slot	 slot[FTP_LOGIN_SLOTS];
};

/* True when `ip` may try to log in now: fewer than `max` failures in the
 * window (max 0: no limit). */
bool ftp_login_allowed(const struct ftp_login_limit *l,
    const struct net_addr *ip, unsigned max, uint64_t now_ms);
/* Counts a failed login from `ip`. */
void ftp_login_failed(struct ftp_login_limit *l, const struct net_addr *ip,
    uint64_t now_ms);

#endif

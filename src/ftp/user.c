/* ftp/user.c - FTP rights from a passwd-file user's extra field, and the
 * failed-login counter per client address (issue #6: login attempts are
 * rate-limited per IP). */
#include "ftp/user.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cfg.h"
#include "core/err.h"

int
ftp_user_opts_parse(const char *extra, struct ftp_user_opts *out)
{
	char val[64];

	memset(out, 0, sizeof(*out));
	if (extra == NULL)
		return 0;
	for (const char *p = extra; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		const char *eq = memchr(p, '=', n);

		if (eq != NULL) {
			size_t kn = (size_t)(eq - p), vn = n - kn - 1;

			if (vn >= sizeof(val))
				vn = sizeof(val) - 1;	/* fails below */
			memcpy(val, eq + 1, vn);
			val[vn] = '\0';
			if (kn == 3 && strncmp(p, "ftp", 3) == 0) {
				if (strcmp(val, "rw") == 0)
					out->can_write = true;
				else if (strcmp(val, "ro") == 0)
					out->can_write = false;
				else
					return -IK_EPARSE;
			} else if (kn == 14 &&
			    strncmp(p, "ftp_upload_max", 14) == 0) {
				if (cfg_parse_size(val, &out->upload_max) < 0)
					return -IK_EPARSE;
			}
		}
		p += n;
	}
	return 0;
}

/* The address as 16 bytes, IPv4 mapped, so both forms of one client
 * share a slot. */
static void
ip_key(const struct net_addr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&a->ss;
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &sin->sin_addr, 4);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a->ss;
		memcpy(out, &sin6->sin6_addr, 16);
	}
}

static size_t
slot_hash(const uint8_t ip[16])
{
	uint32_t h = 2166136261u;		/* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h % FTP_LOGIN_SLOTS;
}

/* Probes a few slots from the hash: the index of the address's own, or
 * FTP_LOGIN_SLOTS when it has none. */
#define FTP_LOGIN_PROBE		8

static size_t
slot_find(const struct ftp_login_limit *l, const uint8_t ip[16])
{
	size_t h = slot_hash(ip);

	for (size_t i = 0; i < FTP_LOGIN_PROBE; i++) {
		size_t k = (h + i) % FTP_LOGIN_SLOTS;

		if (l->slot[k].used && memcmp(l->slot[k].ip, ip, 16) == 0)
			return k;
	}
	return FTP_LOGIN_SLOTS;
}

bool
ftp_login_allowed(const struct ftp_login_limit *l, const struct net_addr *ip,
    unsigned max, uint64_t now_ms)
{
	uint8_t key[16];

	if (max == 0)
		return true;
	ip_key(ip, key);
	size_t k = slot_find(l, key);
	if (k == FTP_LOGIN_SLOTS ||
	    now_ms - l->slot[k].first_ms >= FTP_LOGIN_WINDOW_MS)
		return true;
	return l->slot[k].fails < max;
}

void
ftp_login_failed(struct ftp_login_limit *l, const struct net_addr *ip,
    uint64_t now_ms)
{
	uint8_t key[16];
	struct ftp_login_slot *s = NULL;

	ip_key(ip, key);
	size_t k = slot_find(l, key);
	if (k < FTP_LOGIN_SLOTS)
		s = &l->slot[k];
	if (s == NULL) {
		/* A free probe slot, else the one whose window began first. */
		size_t h = slot_hash(key);
		for (size_t i = 0; i < FTP_LOGIN_PROBE; i++) {
			struct ftp_login_slot *c =
			    &l->slot[(h + i) % FTP_LOGIN_SLOTS];
			if (!c->used) {
				s = c;
				break;
			}
			if (s == NULL || c->first_ms < s->first_ms)
				s = c;
		}
		memset(s, 0, sizeof(*s));
		memcpy(s->ip, key, 16);
		s->used = true;
		s->first_ms = now_ms;
	}
	if (now_ms - s->first_ms >= FTP_LOGIN_WINDOW_MS) {
		s->first_ms = now_ms;
		s->fails = 0;
	}
	s->fails++;
}

/* dhcp/conf.h - the [dhcp], [subnet CIDR] and [host NAME] sections, and
 * their compilation into what the server logic reads. */
#ifndef IK_DHCP_CONF_H
#define IK_DHCP_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/svc.h"
#include "dhcp/server.h"

struct dhcp_conf {
	struct svc_conf		 base;
	char			*interfaces;
	char			*lease_file;
	char			*probe;
	uint64_t		 probe_timeout_ms;
	uint64_t		 offer_hold_ms;
	uint64_t		 decline_hold_ms;
	bool			 authoritative;
};

struct dhcp_subnet_conf {
	char			*pool;
	char			*router;
	char			*dns;
	char			*domain;
	char			*ntp;
	uint64_t		 lease_ms, t1_ms, t2_ms;
};

struct dhcp_host_conf {
	char			*mac;
	char			*client_id;
	char			*address;
	char			*hostname;
};

extern const struct cfg_section dhcp_section;
extern const struct cfg_section *const dhcp_extra[];

/* The interface names of [dhcp] interfaces, split: at most `cap`, each
 * shorter than IF_NAMESIZE. Returns how many, or -IK_ECONFIG. */
int dhcp_conf_interfaces(const struct dhcp_conf *dc, char (*names)[16],
    size_t cap);

/* An interface the server answers on, as the I/O layer found it. */
struct dhcp_conf_iface {
	int		 ifindex;
	uint32_t	 addr;		/* host order; 0: none */
	uint8_t		 prefix;
};

/* Compiles the config into `out` (owned: dhcp_server_conf_free). Subnets
 * on one of `ifs` become direct. Problems that make it unusable go to
 * errs (with file and line) and return -IK_ECONFIG; a subnet without a
 * pool or reachable interface is fine (relayed, or reservations only). */
int dhcp_server_conf_build(const struct cfg *c,
    const struct dhcp_conf_iface *ifs, size_t n_ifs,
    struct dhcp_server_conf *out, struct cfg_errs *errs);
void dhcp_server_conf_free(struct dhcp_server_conf *sc);

#endif

/* dhcp/conf.c - DHCP server config: section tables, value checks with
 * file:line, and compilation into struct dhcp_server_conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/hex.h"
#include "dhcp/conf.h"
#include "dhcp/options.h"

#define OFF(f)	offsetof(struct dhcp_conf, f)
static const struct cfg_key dhcp_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "interfaces", CFG_STR, OFF(interfaces), "", 0, 0,
	    "interfaces whose clients are served directly (names)" },
	{ "lease_file", CFG_PATH, OFF(lease_file), "", 0, 0,
	    "the lease journal; empty: DATA_DIR/dhcp/leases" },
	{ "probe", CFG_STR, OFF(probe), "arp", 0, 0,
	    "check an address is unused before offering: arp, icmp, none" },
	{ "probe_timeout", CFG_DURATION, OFF(probe_timeout_ms), "500ms", 10,
	    10000, "how long to wait for an answer to a probe" },
	{ "offer_hold", CFG_DURATION, OFF(offer_hold_ms), "30s", 1000,
	    3600000, "how long an offered address waits for its REQUEST" },
	{ "decline_hold", CFG_DURATION, OFF(decline_hold_ms), "1h", 1000,
	    30ll * 86400000, "quarantine of a declined or conflicting "
	    "address" },
	{ "authoritative", CFG_BOOL, OFF(authoritative), "yes", 0, 0,
	    "NAK requests for addresses that are wrong here" },
	{ 0 },
};
#undef OFF

static int
dhcp_check(void *obj, const char *name, struct cfg_errs *e, const char *file,
    int line)
{
	const struct dhcp_conf *dc = obj;
	char names[8][16];

	(void)name;
	if (strcmp(dc->probe, "arp") != 0 && strcmp(dc->probe, "icmp") != 0 &&
	    strcmp(dc->probe, "none") != 0) {
		cfg_errf(e, file, line, "[dhcp] probe: \"%s\" is not arp, icmp "
		    "or none", dc->probe);
		return -IK_ECONFIG;
	}
	if (dhcp_conf_interfaces(dc, names, 8) < 0) {
		cfg_errf(e, file, line, "[dhcp] interfaces: at most 8 names of "
		    "at most 15 characters");
		return -IK_ECONFIG;
	}
	if (dc->base.enabled && dhcp_conf_interfaces(dc, names, 8) == 0) {
		cfg_errf(e, file, line, "[dhcp] interfaces: name the "
		    "interfaces to serve");
		return -IK_ECONFIG;
	}
	return 0;
}

const struct cfg_section dhcp_section = {
	"dhcp", 0, sizeof(struct dhcp_conf), dhcp_keys, dhcp_check,
};

#define SOFF(f)	offsetof(struct dhcp_subnet_conf, f)
static const struct cfg_key subnet_keys[] = {
	{ "pool", CFG_STR, SOFF(pool), "", 0, 0,
	    "address ranges to hand out: A-B [C-D ...]" },
	{ "router", CFG_STR, SOFF(router), "", 0, 0,
	    "default routers (option 3)" },
	{ "dns", CFG_STR, SOFF(dns), "", 0, 0, "DNS servers (option 6)" },
	{ "domain", CFG_STR, SOFF(domain), "", 0, 253,
	    "domain name (option 15)" },
	{ "ntp", CFG_STR, SOFF(ntp), "", 0, 0, "NTP servers (option 42)" },
	{ "lease_time", CFG_DURATION, SOFF(lease_ms), "1h", 4000,
	    365ll * 86400000, "lease length (option 51)" },
	{ "t1", CFG_DURATION, SOFF(t1_ms), "0", 0, 365ll * 86400000,
	    "renewal time (option 58); 0: half the lease" },
	{ "t2", CFG_DURATION, SOFF(t2_ms), "0", 0, 365ll * 86400000,
	    "rebinding time (option 59); 0: 87.5% of the lease" },
	{ 0 },
};
#undef SOFF

#define HOFF(f)	offsetof(struct dhcp_host_conf, f)
static const struct cfg_key host_keys[] = {
	{ "mac", CFG_STR, HOFF(mac), "", 0, 0,
	    "the client's hardware address (52:54:00:12:34:56)" },
	{ "client_id", CFG_STR, HOFF(client_id), "", 0, 0,
	    "or its client identifier (option 61), hex bytes" },
	{ "address", CFG_STR, HOFF(address), NULL, 0, 0,
	    "the address reserved for it" },
	{ "hostname", CFG_STR, HOFF(hostname), "", 0, DHCP_HOSTNAME_MAX,
	    "its host name (option 12); default: the section name" },
	{ 0 },
};
#undef HOFF

static int
parse_ip(const char *s, size_t len, uint32_t *out)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr ia;

	if (len == 0 || len >= sizeof(buf))
		return -IK_EPARSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &ia) != 1)
		return -IK_EPARSE;
	*out = ntohl(ia.s_addr);
	return 0;
}

/* Next space-separated word of *sp; NULL at the end. */
static const char *
word(const char **sp, size_t *len)
{
	const char *s = *sp;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return NULL;
	const char *w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != ',')
		s++;
	*len = (size_t)(s - w);
	*sp = s;
	return w;
}

/* A list of addresses. Returns how many (at most cap) or -IK_EPARSE. */
static int
parse_ips(const char *s, uint32_t *out, size_t cap)
{
	const char *w;
	size_t len, n = 0;

	while ((w = word(&s, &len)) != NULL) {
		if (n == cap || parse_ip(w, len, &out[n]) < 0)
			return -IK_EPARSE;
		n++;
	}
	return (int)n;
}

/* Hex bytes, with or without ':' or '-' between them. Returns the count
 * or -IK_EPARSE. */
static int
parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		int v = 0;
		if (*s == ':' || *s == '-') {
			s++;
			continue;
		}
		for (int k = 0; k < 2; k++, s++) {
			int d = hex_digit(*s);
			if (d < 0)
				return -IK_EPARSE;
			v = v << 4 | d;
		}
		if (n == cap)
			return -IK_EPARSE;
		out[n++] = (uint8_t)v;
	}
	return (int)n;
}

static int
parse_subnet_name(const char *name, uint32_t *net, uint8_t *prefix)
{
	const char *slash = strchr(name, '/');
	char *end;
	uint32_t a;

	if (slash == NULL || parse_ip(name, (size_t)(slash - name), &a) < 0)
		return -IK_EPARSE;
	errno = 0;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == slash + 1 || p < 8 || p > 30)
		return -IK_EPARSE;
	uint32_t mask = (uint32_t)(0xffffffffull << (32 - p));
	if ((a & mask) != a)
		return -IK_EPARSE;
	*net = a;
	*prefix = (uint8_t)p;
	return 0;
}

/* Parses the pool ranges; n_out set. Returns 0 or -IK_EPARSE with
 * *why. */
static int
parse_pools(const char *s, uint32_t net, uint32_t mask,
    struct dhcp_range *out, size_t cap, size_t *n_out, const char **why)
{
	const char *w;
	size_t len, n = 0;

	while ((w = word(&s, &len)) != NULL) {
		const char *dash = memchr(w, '-', len);
		struct dhcp_range r;
		if (n == cap) {
			*why = "too many ranges";
			return -IK_EPARSE;
		}
		if (dash == NULL) {
			if (parse_ip(w, len, &r.lo) < 0)
				goto bad;
			r.hi = r.lo;
		} else if (parse_ip(w, (size_t)(dash - w), &r.lo) < 0 ||
		    parse_ip(dash + 1, len - (size_t)(dash - w) - 1, &r.hi) < 0)
			goto bad;
		if (r.lo > r.hi) {
			*why = "a range ends before it starts";
			return -IK_EPARSE;
		}
		if ((r.lo & mask) != net || (r.hi & mask) != net) {
			*why = "a range is outside the subnet";
			return -IK_EPARSE;
		}
		if (r.lo == net || r.hi == (net | ~mask)) {
			*why = "a range holds the network or broadcast address";
			return -IK_EPARSE;
		}
		for (size_t i = 0; i < n; i++)
			if (r.lo <= out[i].hi && out[i].lo <= r.hi) {
				*why = "ranges overlap";
				return -IK_EPARSE;
			}
		out[n++] = r;
	}
	*n_out = n;
	return 0;
bad:
	*why = "not A-B or A (IPv4 addresses)";
	return -IK_EPARSE;
}

#define POOLS_MAX	64
#define ADDRS_MAX	16

static int
subnet_check(void *obj, const char *name, struct cfg_errs *e,
    const char *file, int line)
{
	const struct dhcp_subnet_conf *sc = obj;
	struct dhcp_range pools[POOLS_MAX];
	uint32_t net, addrs[ADDRS_MAX];
	uint8_t prefix;
	const char *why = "";
	size_t n;
	int bad = 0;

	if (parse_subnet_name(name, &net, &prefix) < 0) {
		cfg_errf(e, file, line, "[subnet %s]: not an IPv4 network "
		    "A.B.C.D/8..30 with no host bits", name);
		return -IK_ECONFIG;
	}
	uint32_t mask = (uint32_t)(0xffffffffull << (32 - prefix));
	if (parse_pools(sc->pool, net, mask, pools, POOLS_MAX, &n, &why) < 0) {
		cfg_errf(e, file, line, "[subnet %s] pool: %s", name, why);
		bad = -IK_ECONFIG;
	}
	const struct { const char *key; const char *val; } lists[] = {
		{ "router", sc->router }, { "dns", sc->dns },
		{ "ntp", sc->ntp },
	};
	for (size_t i = 0; i < 3; i++)
		if (parse_ips(lists[i].val, addrs, ADDRS_MAX) < 0) {
			cfg_errf(e, file, line, "[subnet %s] %s: not a list of "
			    "at most %d IPv4 addresses", name, lists[i].key,
			    ADDRS_MAX);
			bad = -IK_ECONFIG;
		}
	uint64_t t1 = sc->t1_ms ? sc->t1_ms : sc->lease_ms / 2;
	uint64_t t2 = sc->t2_ms ? sc->t2_ms : sc->lease_ms / 8 * 7;
	if (!(t1 < t2 && t2 < sc->lease_ms)) {
		cfg_errf(e, file, line, "[subnet %s]: need t1 < t2 < lease_time",
		    name);
		bad = -IK_ECONFIG;
	}
	return bad;
}

static int
host_check(void *obj, const char *name, struct cfg_errs *e, const char *file,
    int line)
{
	const struct dhcp_host_conf *hc = obj;
	uint8_t buf[DHCP_CID_MAX];
	uint32_t a;
	int bad = 0;

	if (hc->mac[0] == '\0' && hc->client_id[0] == '\0') {
		cfg_errf(e, file, line, "[host %s]: set mac or client_id", name);
		bad = -IK_ECONFIG;
	}
	if (hc->mac[0] != '\0' && parse_hex(hc->mac, buf, sizeof(buf)) != 6) {
		cfg_errf(e, file, line, "[host %s] mac: not six hex bytes",
		    name);
		bad = -IK_ECONFIG;
	}
	if (hc->client_id[0] != '\0' &&
	    parse_hex(hc->client_id, buf, sizeof(buf)) < 1) {
		cfg_errf(e, file, line, "[host %s] client_id: not 1..%d hex "
		    "bytes", name, DHCP_CID_MAX);
		bad = -IK_ECONFIG;
	}
	if (parse_ip(hc->address, strlen(hc->address), &a) < 0) {
		cfg_errf(e, file, line, "[host %s] address: not an IPv4 "
		    "address", name);
		bad = -IK_ECONFIG;
	}
	return bad;
}

static const struct cfg_section subnet_section = {
	"subnet", CFG_SEC_NAMED, sizeof(struct dhcp_subnet_conf), subnet_keys,
	subnet_check,
};
static const struct cfg_section host_section = {
	"host", CFG_SEC_NAMED, sizeof(struct dhcp_host_conf), host_keys,
	host_check,
};

const struct cfg_section *const dhcp_extra[] = {
	&subnet_section, &host_section, NULL,
};

int
dhcp_conf_interfaces(const struct dhcp_conf *dc, char (*names)[16],
    size_t cap)
{
	const char *s = dc->interfaces, *w;
	size_t len, n = 0;

	while ((w = word(&s, &len)) != NULL) {
		if (n == cap || len >= 16)
			return -IK_ECONFIG;
		memcpy(names[n], w, len);
		names[n][len] = '\0';
		n++;
	}
	return (int)n;
}

/* Encodes the options every reply on the subnet may carry. */
static int
subnet_options(struct dhcp_subnet *s, const struct dhcp_subnet_conf *sc)
{
	uint32_t addrs[ADDRS_MAX];
	uint8_t *d;
	int n;

	if ((s->opt_data = malloc(1024)) == NULL ||
	    (s->opts = calloc(8, sizeof(*s->opts))) == NULL)
		return -ENOMEM;
	d = s->opt_data;
#define ADD_ADDRS(code, list, cnt) do {					\
	s->opts[s->n_opts++] = (struct dhcp_opt){ (code), 4 * (size_t)(cnt), d }; \
	for (int i_ = 0; i_ < (cnt); i_++, d += 4) {			\
		d[0] = (uint8_t)((list)[i_] >> 24);			\
		d[1] = (uint8_t)((list)[i_] >> 16);			\
		d[2] = (uint8_t)((list)[i_] >> 8);			\
		d[3] = (uint8_t)(list)[i_];				\
	}								\
} while (0)
	ADD_ADDRS(DHCP_OPT_SUBNET_MASK, &s->mask, 1);
	if ((n = parse_ips(sc->router, addrs, ADDRS_MAX)) > 0)
		ADD_ADDRS(DHCP_OPT_ROUTER, addrs, n);
	if ((n = parse_ips(sc->dns, addrs, ADDRS_MAX)) > 0)
		ADD_ADDRS(DHCP_OPT_DNS, addrs, n);
	if (sc->domain[0] != '\0') {
		size_t len = strlen(sc->domain);
		memcpy(d, sc->domain, len);
		s->opts[s->n_opts++] = (struct dhcp_opt){ DHCP_OPT_DOMAIN_NAME,
		    len, d };
		d += len;
	}
	uint32_t brd = s->net | ~s->mask;
	ADD_ADDRS(DHCP_OPT_BROADCAST, &brd, 1);
	if ((n = parse_ips(sc->ntp, addrs, ADDRS_MAX)) > 0)
		ADD_ADDRS(DHCP_OPT_NTP, addrs, n);
#undef ADD_ADDRS
	return 0;
}

int
dhcp_server_conf_build(const struct cfg *c, const struct dhcp_conf_iface *ifs,
    size_t n_ifs, struct dhcp_server_conf *out, struct cfg_errs *errs)
{
	const struct dhcp_conf *dc = cfg_get(c, "dhcp");
	const struct cfg_item *it;
	size_t iter = 0, n_sub = 0, n_host = 0;
	const char *why;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (cfg_next(c, "subnet", &iter) != NULL)
		n_sub++;
	iter = 0;
	while (cfg_next(c, "host", &iter) != NULL)
		n_host++;
	out->subnets = calloc(n_sub + 1, sizeof(*out->subnets));
	out->hosts = calloc(n_host + 1, sizeof(*out->hosts));
	if (out->subnets == NULL || out->hosts == NULL)
		goto nomem;
	out->probe = strcmp(dc->probe, "arp") == 0 ? DHCP_PROBE_ARP :
	    strcmp(dc->probe, "icmp") == 0 ? DHCP_PROBE_ICMP : DHCP_PROBE_NONE;
	out->offer_hold_s = (uint32_t)(dc->offer_hold_ms / 1000);
	out->decline_hold_s = (uint32_t)(dc->decline_hold_ms / 1000);
	out->probe_fresh_s = out->offer_hold_s;
	out->authoritative = dc->authoritative;

	iter = 0;
	while ((it = cfg_next(c, "subnet", &iter)) != NULL) {
		const struct dhcp_subnet_conf *sc = it->obj;
		struct dhcp_subnet *s = &out->subnets[out->n_subnets];
		if (parse_subnet_name(it->name, &s->net, &s->prefix) < 0)
			continue;	/* subnet_check reported it */
		s->mask = (uint32_t)(0xffffffffull << (32 - s->prefix));
		for (size_t i = 0; i < out->n_subnets; i++) {
			const struct dhcp_subnet *o = &out->subnets[i];
			if ((s->net & o->mask) == o->net ||
			    (o->net & s->mask) == s->net) {
				cfg_errf(errs, c->path, it->line, "[subnet %s]:"
				    " overlaps another subnet", it->name);
				err = -IK_ECONFIG;
			}
		}
		if ((s->pools = calloc(POOLS_MAX, sizeof(*s->pools))) == NULL)
			goto nomem;
		if (parse_pools(sc->pool, s->net, s->mask, s->pools, POOLS_MAX,
		    &s->n_pools, &why) < 0)
			err = -IK_ECONFIG;	/* reported by the check */
		s->cursor = s->n_pools > 0 ? s->pools[0].lo : 0;
		s->lease_s = (uint32_t)(sc->lease_ms / 1000);
		s->t1_s = (uint32_t)((sc->t1_ms ? sc->t1_ms : sc->lease_ms / 2) /
		    1000);
		s->t2_s = (uint32_t)((sc->t2_ms ? sc->t2_ms :
		    sc->lease_ms / 8 * 7) / 1000);
		for (size_t i = 0; i < n_ifs; i++)
			if (ifs[i].addr != 0 && (ifs[i].addr & s->mask) ==
			    s->net) {
				s->ifindex = ifs[i].ifindex;
				s->if_addr = ifs[i].addr;
				break;
			}
		if (subnet_options(s, sc) < 0)
			goto nomem;
		out->n_subnets++;
	}

	iter = 0;
	while ((it = cfg_next(c, "host", &iter)) != NULL) {
		const struct dhcp_host_conf *hc = it->obj;
		struct dhcp_host *h = &out->hosts[out->n_hosts];
		int n;
		if (parse_ip(hc->address, strlen(hc->address), &h->addr) < 0)
			continue;
		const struct dhcp_subnet *hs = dhcp_subnet_of(out, h->addr);
		if (hs == NULL) {
			cfg_errf(errs, c->path, it->line, "[host %s] address: "
			    "in no [subnet]", it->name);
			err = -IK_ECONFIG;
		} else if (h->addr == hs->net || h->addr == (hs->net |
		    ~hs->mask)) {
			/* The server never hands these out. */
			cfg_errf(errs, c->path, it->line, "[host %s] address: "
			    "the network or broadcast address", it->name);
			err = -IK_ECONFIG;
		}
		if (hc->mac[0] != '\0' &&
		    parse_hex(hc->mac, h->mac, sizeof(h->mac)) == 6)
			h->has_mac = true;
		if (hc->client_id[0] != '\0' && (n = parse_hex(hc->client_id,
		    h->cid, sizeof(h->cid))) > 0)
			h->cid_len = (uint8_t)n;
		for (size_t i = 0; i < out->n_hosts; i++) {
			const struct dhcp_host *o = &out->hosts[i];
			if ((h->has_mac && o->has_mac &&
			    memcmp(h->mac, o->mac, 6) == 0) || (h->cid_len > 0 &&
			    h->cid_len == o->cid_len && memcmp(h->cid, o->cid,
			    h->cid_len) == 0)) {
				cfg_errf(errs, c->path, it->line, "[host %s]: "
				    "the same client as [host %s]", it->name,
				    o->name);
				err = -IK_ECONFIG;
			}
		}
		for (size_t i = 0; i < out->n_hosts; i++)
			if (out->hosts[i].addr == h->addr) {
				cfg_errf(errs, c->path, it->line, "[host %s] "
				    "address: also reserved for [host %s]",
				    it->name, out->hosts[i].name);
				err = -IK_ECONFIG;
			}
		const char *hn = hc->hostname[0] != '\0' ? hc->hostname :
		    it->name;
		snprintf(h->hostname, sizeof(h->hostname), "%s", hn);
		if ((h->name = strdup(it->name)) == NULL)
			goto nomem;
		out->n_hosts++;
	}
	if (err < 0)
		dhcp_server_conf_free(out);
	return err;
nomem:
	dhcp_server_conf_free(out);
	return -ENOMEM;
}

void
dhcp_server_conf_free(struct dhcp_server_conf *sc)
{
	for (size_t i = 0; sc->subnets != NULL && i < sc->n_subnets; i++) {
		free(sc->subnets[i].pools);
		free(sc->subnets[i].opts);
		free(sc->subnets[i].opt_data);
	}
	/* A subnet being filled when memory ran out. */
	if (sc->subnets != NULL) {
		free(sc->subnets[sc->n_subnets].pools);
		free(sc->subnets[sc->n_subnets].opts);
		free(sc->subnets[sc->n_subnets].opt_data);
	}
	for (size_t i = 0; sc->hosts != NULL && i < sc->n_hosts; i++)
		free(sc->hosts[i].name);
	free(sc->subnets);
	free(sc->hosts);
	memset(sc, 0, sizeof(*sc));
}

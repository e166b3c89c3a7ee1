/* dns/service.c - the dns service: the [dns] and [zone NAME] sections,
 * loading zones (and, on reload, reloading only changed files while the
 * old db keeps answering), and wiring UDP workers, TCP and the control
 * commands. Entry point: dns_svc, registered in src/cli/services.c. */
#include "dns/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/clock.h"
#include "core/err.h"
#include "dns/recurse.h"
#include "dns/tcp.h"
#include "dns/udp.h"
#include "dns/zone.h"

#define RETIRE_POLL_MS	100

#define OFF(f)	offsetof(struct dns_conf, f)
static const struct cfg_key dns_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "listen", CFG_ADDRPORTS, OFF(listen), "127.0.0.1:5353", 53, 0,
	    "addresses to answer on, UDP and TCP" },
	{ "threads", CFG_INT, OFF(threads), "0", 0, 64,
	    "UDP worker threads (one socket each); 0: one per CPU" },
	{ "udp_size", CFG_INT, OFF(udp_size), "1232", 512, 4096,
	    "largest UDP response with EDNS (RFC 6891)" },
	{ "tcp_idle_timeout", CFG_DURATION, OFF(tcp_idle_ms), "10s", 100,
	    3600000, "close a silent TCP connection after this" },
	{ "tcp_max_clients", CFG_INT, OFF(tcp_max_clients), "1024", 1,
	    100000, "TCP connections at once" },
	{ "query_log", CFG_BOOL, OFF(query_log), "no", 0, 0,
	    "log every query (slow: for debugging)" },
	{ "recursion", CFG_BOOL, OFF(recursion), "no", 0, 0,
	    "resolve names in no local zone for allowed clients" },
	{ "allow_recursion", CFG_CIDRS, OFF(allow_recursion),
	    "127.0.0.0/8 ::1", 0, 0,
	    "clients that may recurse; others get REFUSED" },
	{ "root_hints", CFG_PATH, OFF(root_hints),
	    "/usr/share/dns/root.hints", 0, 0,
	    "the root servers (named.root format)" },
	{ "forward", CFG_ADDRPORTS, OFF(forward), "", 53, 0,
	    "send queries to these resolvers instead of iterating" },
	{ "cache_size", CFG_SIZE, OFF(cache_size), "64M", 65536,
	    1ll << 40, "memory for cached answers (LRU beyond it)" },
	{ "qname_minimisation", CFG_BOOL, OFF(qname_minimisation), "yes",
	    0, 0, "ask each server only what it needs (RFC 9156)" },
	{ "use_0x20", CFG_BOOL, OFF(use_0x20), "no", 0, 0,
	    "randomise query name case against forgery" },
	{ "resolve_timeout", CFG_DURATION, OFF(resolve_timeout_ms), "5s",
	    200, 60000, "give up (SERVFAIL) after this long" },
	{ "prefetch", CFG_BOOL, OFF(prefetch), "no", 0, 0,
	    "refresh a cached answer asked for in its TTL's last tenth" },
	{ "serve_stale", CFG_DURATION, OFF(serve_stale_ms), "0", 0,
	    7 * 86400000ll, "when resolving fails, answer from data "
	    "expired less than this long ago (RFC 8767); 0: off" },
	{ "upstream_port", CFG_INT, OFF(upstream_port), "53", 1, 65535,
	    "port of the authoritative servers (53; tests use others)" },
	{ "max_resolutions", CFG_INT, OFF(max_resolutions), "10000", 1,
	    1000000, "resolutions at once; more are dropped" },
	{ 0 },
};
#undef OFF

static const struct cfg_section dns_section = {
	"dns", 0, sizeof(struct dns_conf), dns_keys, NULL,
};

#define ZOFF(f)	offsetof(struct dns_zone_conf, f)
static const struct cfg_key zone_keys[] = {
	{ "file", CFG_PATH, ZOFF(file), NULL, 0, 0,
	    "the zone's master file (RFC 1035 format)" },
	{ "allow_axfr", CFG_CIDRS, ZOFF(allow_axfr), "", 0, 0,
	    "clients that may transfer the zone (AXFR over TCP)" },
	{ 0 },
};
#undef ZOFF

static int
apex_of(const char *name, struct dns_name *out)
{
	/* "[zone example.test]" and "[zone example.test.]" both mean the
	 * absolute name; "." is the root. */
	struct dns_name root;

	dns_name_root(&root);
	return dns_name_from_text(name, strlen(name), &root, out);
}

static int
zone_check(void *obj, const char *name, struct cfg_errs *e,
    const char *file, int line)
{
	struct dns_name apex;

	(void)obj;
	if (apex_of(name, &apex) < 0) {
		cfg_errf(e, file, line, "[zone %s]: not a domain name", name);
		return -IK_ECONFIG;
	}
	return 0;
}

static const struct cfg_section zone_section = {
	"zone", CFG_SEC_NAMED, sizeof(struct dns_zone_conf), zone_keys,
	zone_check,
};

static const struct cfg_section *const dns_extra[] = { &zone_section, NULL };

static const struct svc_listen dns_listens[] = {
	{ .key = "listen", .off = offsetof(struct dns_conf, listen),
	    .socktype = SOCK_DGRAM,
	    .count_off = offsetof(struct dns_conf, threads) },
	{ .key = "listen", .off = offsetof(struct dns_conf, listen),
	    .socktype = SOCK_STREAM },
	{ 0 },
};

/* ---- zones ---- */

struct load_ctx {
	struct zone	*z;
	const char	*file;
	struct cfg_errs	*errs;
	size_t		 n_bad;
	struct zone_pos	 pos;
};

static int
add_rr(void *arg, const struct dns_rr *rr)
{
	struct load_ctx *lc = arg;
	const char *why = "";
	char name[DNS_NAME_TEXT_MAX];
	zone_set_pos(lc->z, lc->pos.file, lc->pos.line);
	int err = zone_add(lc->z, rr, &why);

	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		dns_name_to_text(&rr->name, name, sizeof(name));
		cfg_errf(lc->errs, lc->pos.file ? lc->pos.file : lc->file,
		    lc->pos.line, "%s: %s", name, why);
		/* Keep going so every bad record is reported. */
		lc->n_bad++;
	}
	return 0;
}

int
dns_zone_load(const char *file, const struct dns_name *apex,
    struct zone **out, struct cfg_errs *errs)
{
	struct load_ctx lc = { .file = file, .errs = errs };
	struct stat st;
	int err;

	*out = NULL;
	if ((lc.z = zone_new(apex)) == NULL)
		return -ENOMEM;
	if (stat(file, &st) == 0) {
		lc.z->mtime = st.st_mtim;
		lc.z->size = st.st_size;
		lc.z->ino = st.st_ino;
	}
	if ((lc.z->file = strdup(file)) == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	struct zone_parse p = {
		.origin = apex, .add = add_rr, .arg = &lc, .errs = errs,
		.max_errors = 20, .pos = &lc.pos,
	};
	if ((err = dns_zone_parse_file(file, &p)) < 0)
		goto fail;
	lc.z->has_include = lc.pos.n_includes > 0;
	if (lc.n_bad > 0) {
		err = -IK_EPARSE;
		goto fail;
	}
	if ((err = zone_finish(lc.z, errs, file)) < 0)
		goto fail;
	*out = lc.z;
	return 0;
fail:
	zone_free(&lc.z);
	return err;
}

static bool
file_unchanged(const struct zone *z, const char *file)
{
	struct stat st;

	/* Included files are not tracked: such zones always reload. */
	return z->file != NULL && !z->has_include &&
	    strcmp(z->file, file) == 0 &&
	    stat(file, &st) == 0 && st.st_ino == z->ino &&
	    st.st_size == z->size &&
	    st.st_mtim.tv_sec == z->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == z->mtime.tv_nsec;
}

struct zonedb *
dns_zones_load(const struct cfg *c, const struct zonedb *old,
    struct cfg_errs *errs)
{
	struct zonedb *db = zonedb_new();
	const struct cfg_item *it;
	size_t iter = 0;

	if (db == NULL)
		return NULL;
	while ((it = cfg_next(c, "zone", &iter)) != NULL) {
		const struct dns_zone_conf *zc = it->obj;
		struct dns_name apex;
		struct zone *z = NULL, *prev = NULL;

		if (apex_of(it->name, &apex) < 0)
			continue;	/* zone_check reported it */
		if (old != NULL)
			prev = zonedb_get(old, &apex);
		if (prev != NULL && file_unchanged(prev, zc->file)) {
			z = prev;
		} else if (dns_zone_load(zc->file, &apex, &z, errs) < 0) {
			cfg_errf(errs, c->path, it->line, "[zone %s] not "
			    "loaded%s", it->name, prev != NULL ?
			    "; the previous version keeps serving" : "");
			z = prev;
		}
		if (z == NULL)
			continue;
		/* allow_axfr follows the config even for a reused zone;
		 * only the main thread reads it (TCP). */
		free(z->allow_axfr.v);
		z->allow_axfr.n = 0;
		z->allow_axfr.v = NULL;
		if (zc->allow_axfr.n > 0 && (z->allow_axfr.v = malloc(
		    zc->allow_axfr.n * sizeof(*z->allow_axfr.v))) != NULL) {
			memcpy(z->allow_axfr.v, zc->allow_axfr.v,
			    zc->allow_axfr.n * sizeof(*z->allow_axfr.v));
			z->allow_axfr.n = zc->allow_axfr.n;
		}
		int err = zonedb_add(db, z);
		if (err < 0 && z != prev)
			zone_free(&z);
		if (err == -ENOMEM) {
			zonedb_free(&db);
			return NULL;
		}
	}
	return db;
}

/* ---- recursion ---- */

static int
recurse_conf(const struct dns_conf *dc, struct dns_recurse_conf *rc,
    struct cfg_errs *errs)
{
	memset(rc, 0, sizeof(*rc));
	rc->allow = dc->allow_recursion;
	rc->forward = dc->forward.v;
	rc->n_forward = (unsigned)dc->forward.n;
	rc->port = (uint16_t)dc->upstream_port;
	rc->qname_minimise = dc->qname_minimisation;
	rc->use_0x20 = dc->use_0x20;
	rc->timeout_ms = dc->resolve_timeout_ms;
	rc->cache_size = (size_t)dc->cache_size;
	rc->stale_s = (uint32_t)(dc->serve_stale_ms / 1000);
	rc->prefetch = dc->prefetch;
	rc->udp_max = (uint16_t)dc->udp_size;
	rc->max_jobs = (unsigned)dc->max_resolutions;
	if (rc->n_forward > 0)
		return 0;
	return rslv_hints_load(dc->root_hints, rc->port, &rc->hints, errs);
}

static int
dns_verify(const struct cfg *c, struct cfg_errs *errs)
{
	size_t before = errs->n;
	struct zonedb *db = dns_zones_load(c, NULL, errs);
	const struct dns_conf *dc = svc_conf_of(c, &dns_svc);
	struct dns_recurse_conf rc;

	zonedb_free(&db);
	if (dc->recursion)
		(void)recurse_conf(dc, &rc, errs);
	return errs->n > before ? -IK_ECONFIG : 0;
}

/* ---- the running service ---- */

struct retired {
	struct zonedb	*db;
	uint64_t	 epoch;
	struct retired	*next;
};

struct dns_state {
	struct svc		*sv;
	struct dns_shared	 sh;
	struct dns_udp		*udp;
	struct dns_tcp		*tcp;
	struct dns_tcp_opts	 tcp_opts;
	struct retired		*retired;
	struct event		*ev_retire;
	time_t			 loaded_at;
	struct dns_recurse	*recurse;
};

static void
log_zones(const struct zonedb *db, double secs)
{
	char name[DNS_NAME_TEXT_MAX];

	for (size_t i = 0; i < db->n; i++) {
		const struct zone *z = db->v[i];
		dns_name_to_text(&z->apex, name, sizeof(name));
		log_info("zone %s serial=%u records=%zu names=%zu", name,
		    z->serial, z->n_records, z->n_nodes);
	}
	log_info("zones loaded count=%zu seconds=%.3f", db->n, secs);
}

/* Frees retired dbs once no worker can still be reading them. */
static void
on_retire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct dns_state *ds = arg;
	struct timeval tv = { 0, RETIRE_POLL_MS * 1000 };

	for (struct retired **rp = &ds->retired; *rp != NULL;) {
		struct retired *r = *rp;
		if (ds->udp != NULL && !dns_udp_passed(ds->udp, r->epoch)) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		zonedb_free(&r->db);
		free(r);
	}
	if (ds->retired != NULL)
		evtimer_add(ds->ev_retire, &tv);
}

static void
swap_db(struct dns_state *ds, struct zonedb *db)
{
	struct zonedb *old = atomic_exchange(&ds->sh.db, db);
	uint64_t epoch = atomic_fetch_add(&ds->sh.epoch, 1) + 1;
	struct retired *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		/* Leaking beats freeing what a worker may read. */
		log_err("out of memory retiring the old zones");
		return;
	}
	r->db = old;
	r->epoch = epoch;
	r->next = ds->retired;
	ds->retired = r;
	on_retire(-1, 0, ds);
}

static int
dns_reload(struct svc *sv, const struct cfg *nc)
{
	struct dns_state *ds = sv->priv;
	struct cfg_errs errs = { 0 };
	uint64_t t0;

	t0 = clock_mono_ms();
	struct zonedb *db = dns_zones_load(nc, atomic_load(&ds->sh.db),
	    &errs);
	svc_log_errs(&errs);
	if (db == NULL)
		return -ENOMEM;
	const struct dns_conf *dc = svc_conf_of(nc, &dns_svc);
	atomic_store(&ds->sh.query_log, dc->query_log);
	if (ds->recurse != NULL) {
		struct dns_recurse_conf rc;
		if (recurse_conf(dc, &rc, &errs) < 0)
			log_err("reload: resolver settings kept: root hints "
			    "did not load");
		else
			dns_recurse_set_conf(ds->recurse, &rc);
		svc_log_errs(&errs);
	} else if (dc->recursion) {
		log_warn("reload: turning recursion on needs a restart");
	}
	log_zones(db, (double)(clock_mono_ms() - t0) / 1000.0);
	swap_db(ds, db);
	ds->loaded_at = time(NULL);
	return 0;
}

static void
stats_block(struct evbuffer *out, const char *prefix,
    const struct dns_stats *s)
{
	static const char *const rcodes[17] = {
		"noerror", "formerr", "servfail", "nxdomain", "notimp",
		"refused", "yxdomain", "yxrrset", "nxrrset", "notauth",
		"notzone", "rcode11", "rcode12", "rcode13", "rcode14",
		"rcode15", "badvers",
	};

	evbuffer_add_printf(out, "%squeries=%llu\n%sudp=%llu\n%stcp=%llu\n"
	    "%sedns=%llu\n%struncated=%llu\n%sdropped=%llu\n%saxfr=%llu\n"
	    "%saxfr_refused=%llu\n", prefix,
	    (unsigned long long)s->queries, prefix,
	    (unsigned long long)s->udp, prefix, (unsigned long long)s->tcp,
	    prefix, (unsigned long long)s->edns, prefix,
	    (unsigned long long)s->truncated, prefix,
	    (unsigned long long)s->dropped, prefix,
	    (unsigned long long)s->axfr, prefix,
	    (unsigned long long)s->axfr_refused);
	for (unsigned i = 0; i < 17; i++)
		if (s->rcode[i] != 0 || i <= 5)
			evbuffer_add_printf(out, "%srcode.%s=%llu\n", prefix,
			    rcodes[i], (unsigned long long)s->rcode[i]);
	for (unsigned i = 0; i < DNS_ST_N; i++)
		evbuffer_add_printf(out, "%sqtype.%s=%llu\n", prefix,
		    dns_stat_type_name(i), (unsigned long long)s->qtype[i]);
}

static void
dns_stats_out(struct svc *sv, struct evbuffer *out)
{
	struct dns_state *ds = sv->priv;
	struct dns_stats sum = { 0 };

	if (ds->udp != NULL)
		dns_udp_stats(ds->udp, &sum);
	if (ds->tcp != NULL) {
		dns_stats_add(&sum, dns_tcp_stats(ds->tcp));
		evbuffer_add_printf(out, "tcp_current=%zu\n",
		    dns_tcp_current(ds->tcp));
	}
	const struct zonedb *db = atomic_load(&ds->sh.db);
	evbuffer_add_printf(out, "zones=%zu\nzones_loaded_at=%lld\n", db->n,
	    (long long)ds->loaded_at);
	stats_block(out, "", &sum);
	evbuffer_add_printf(out, "recursive=%llu\n",
	    (unsigned long long)sum.recursive);
	if (ds->recurse != NULL) {
		struct dns_recurse_stats rs;
		struct cache_stats cs;
		dns_recurse_stats(ds->recurse, &rs, &cs);
		evbuffer_add_printf(out, "resolver.requests=%llu\n"
		    "resolver.cache_answers=%llu\nresolver.resolved=%llu\n"
		    "resolver.servfail=%llu\nresolver.refused=%llu\n"
		    "resolver.upstream=%llu\nresolver.upstream_tcp=%llu\n"
		    "resolver.timeouts=%llu\nresolver.dropped=%llu\n"
		    "resolver.coalesced=%llu\nresolver.stale=%llu\n"
		    "resolver.prefetches=%llu\n"
		    "resolver.in_flight=%llu\ncache.hits=%llu\n"
		    "cache.misses=%llu\ncache.neg_hits=%llu\n"
		    "cache.inserts=%llu\ncache.evictions=%llu\n"
		    "cache.expired=%llu\ncache.entries=%llu\n"
		    "cache.bytes=%llu\ncache.limit=%llu\n",
		    (unsigned long long)rs.requests,
		    (unsigned long long)rs.cache_answers,
		    (unsigned long long)rs.resolved,
		    (unsigned long long)rs.servfail,
		    (unsigned long long)rs.refused,
		    (unsigned long long)rs.upstream,
		    (unsigned long long)rs.upstream_tcp,
		    (unsigned long long)rs.timeouts,
		    (unsigned long long)rs.dropped,
		    (unsigned long long)rs.coalesced,
		    (unsigned long long)rs.stale,
		    (unsigned long long)rs.prefetches,
		    (unsigned long long)rs.jobs,
		    (unsigned long long)cs.hits,
		    (unsigned long long)cs.misses,
		    (unsigned long long)cs.neg_hits,
		    (unsigned long long)cs.inserts,
		    (unsigned long long)cs.evictions,
		    (unsigned long long)cs.expired,
		    (unsigned long long)cs.entries,
		    (unsigned long long)cs.bytes,
		    (unsigned long long)cs.limit);
	}
}

static int
cmd_zones(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;
	struct dns_state *ds = sv->priv;
	const struct zonedb *db = atomic_load(&ds->sh.db);
	char name[DNS_NAME_TEXT_MAX];

	(void)args;
	for (size_t i = 0; i < db->n; i++) {
		const struct zone *z = db->v[i];
		dns_name_to_text(&z->apex, name, sizeof(name));
		evbuffer_add_printf(out, "%s serial=%u records=%zu names=%zu "
		    "file=%s\n", name, z->serial, z->n_records, z->n_nodes,
		    z->file ? z->file : "");
	}
	return 0;
}

static int
cmd_flush(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;
	struct dns_state *ds = sv->priv;
	struct dns_name name, root;
	size_t n;

	if (ds->recurse == NULL) {
		evbuffer_add_printf(out, "error: recursion is off: no cache\n");
		return -IK_EDENIED;
	}
	if (args[0] == '\0') {
		n = dns_recurse_flush(ds->recurse, NULL, false);
	} else {
		dns_name_root(&root);
		bool below = strncmp(args, "-r ", 3) == 0;
		const char *nm = below ? args + 3 : args;
		if (dns_name_from_text(nm, strlen(nm), &root, &name) < 0) {
			evbuffer_add_printf(out, "error: bad name\n");
			return -IK_EPARSE;
		}
		n = dns_recurse_flush(ds->recurse, &name, below);
	}
	evbuffer_add_printf(out, "flushed=%zu\n", n);
	return 0;
}

static const struct ctl_cmd dns_cmds[] = {
	{ "zones", "zones  list the zones served", cmd_zones },
	{ "flush", "flush [[-r] NAME]  drop cached answers (all, at NAME, "
	    "or at and below it)", cmd_flush },
	{ 0 },
};

static bool
dns_is_idle(struct svc *sv)
{
	struct dns_state *ds = sv->priv;

	return ds->tcp == NULL || dns_tcp_current(ds->tcp) == 0;
}

static void
dns_stop(struct svc *sv)
{
	struct dns_state *ds = sv->priv;

	dns_udp_stop(&ds->udp);
	if (ds->tcp != NULL)
		dns_tcp_shutdown(ds->tcp);
	svc_stop_when(sv, dns_is_idle);
}

static void
dns_free(struct svc *sv)
{
	struct dns_state *ds = sv->priv;

	if (ds == NULL)
		return;
	dns_udp_stop(&ds->udp);
	dns_tcp_free(&ds->tcp);
	dns_recurse_free(&ds->recurse);
	while (ds->retired != NULL) {
		struct retired *r = ds->retired;
		ds->retired = r->next;
		zonedb_free(&r->db);
		free(r);
	}
	if (ds->ev_retire != NULL)
		event_free(ds->ev_retire);
	struct zonedb *db = atomic_load(&ds->sh.db);
	zonedb_free(&db);
	free(ds);
	sv->priv = NULL;
}

static int
dns_start(struct svc *sv)
{
	const struct dns_conf *dc = sv->conf;
	struct dns_state *ds = calloc(1, sizeof(*ds));
	struct cfg_errs errs = { 0 };
	uint64_t t0;
	int err = 0;

	if (ds == NULL)
		return -ENOMEM;
	sv->priv = ds;
	sv->cmds = dns_cmds;
	sv->reload = dns_reload;
	sv->stats = dns_stats_out;
	sv->stop = dns_stop;
	sv->free = dns_free;
	ds->sv = sv;
	ds->sh.opts.udp_max = (uint16_t)dc->udp_size;
	ds->sh.query_log = dc->query_log;
	ds->tcp_opts.idle_ms = dc->tcp_idle_ms;
	ds->tcp_opts.max_clients = (unsigned)dc->tcp_max_clients;
	if ((ds->ev_retire = evtimer_new(sv->base, on_retire, ds)) == NULL)
		return -ENOMEM;

	if (dc->recursion) {
		struct dns_recurse_conf rc;
		if ((err = recurse_conf(dc, &rc, &errs)) < 0) {
			svc_log_errs(&errs);
			return err;
		}
		/* A resolver thread per UDP worker: cold lookups run on as
		 * many cores as the answers do. */
		for (size_t i = 0; i < sv->n_socks; i++)
			rc.lanes += sv->socks[i].spec->socktype == SOCK_DGRAM;
		if ((ds->recurse = dns_recurse_new(sv->base, &rc, &err)) ==
		    NULL)
			return err;
		ds->sh.recurse = ds->recurse;
		log_info("recursion on: %s, allow=%zu prefixes, threads=%u",
		    rc.n_forward > 0 ? "forwarding" : "iterating from the "
		    "root hints", rc.allow.n, rc.lanes > 8 ? 8 : rc.lanes);
	}
	t0 = clock_mono_ms();
	struct zonedb *db = dns_zones_load(sv->cfg, NULL, &errs);
	svc_log_errs(&errs);
	if (db == NULL)
		return -ENOMEM;
	log_zones(db, (double)(clock_mono_ms() - t0) / 1000.0);
	atomic_store(&ds->sh.db, db);
	ds->loaded_at = time(NULL);

	int *udp = calloc(sv->n_socks + 1, sizeof(int));
	int *tcp = calloc(sv->n_socks + 1, sizeof(int));
	size_t n_udp = 0, n_tcp = 0;
	if (udp == NULL || tcp == NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sv->n_socks; i++) {
		if (sv->socks[i].spec->socktype == SOCK_DGRAM)
			udp[n_udp++] = sv->socks[i].fd;
		else
			tcp[n_tcp++] = sv->socks[i].fd;
		sv->socks[i].fd = -1;	/* taken below */
	}
	if ((ds->tcp = dns_tcp_start(sv->base, tcp, n_tcp, &ds->sh,
	    &ds->tcp_opts, &err)) == NULL) {
		for (size_t i = 0; i < n_udp; i++)
			close(udp[i]);
		goto out;
	}
	if ((ds->udp = dns_udp_start(udp, n_udp, &ds->sh, &err)) == NULL)
		goto out;
	/* After the workers are on the lanes' loops. */
	if (ds->recurse != NULL && (err = dns_recurse_run(ds->recurse)) < 0)
		goto out;
	log_info("serving udp_workers=%zu tcp_listeners=%zu", n_udp, n_tcp);
out:
	free(udp);
	free(tcp);
	return err;
}

const struct svc_def dns_svc = {
	.name = "dns",
	.summary = "DNS: authoritative zones and a recursive resolver",
	.sec = &dns_section,
	.extra = dns_extra,
	.listens = dns_listens,
	.start = dns_start,
	.verify = dns_verify,
	.try_hint = "dig @{host} -p {port} www.example.test",
};

/* dns/zonedb.h - zones in memory for answering: one hash table of nodes
 * per zone keyed by the owner name, every node holding its RRsets, with
 * the empty non-terminals between a name and its apex present (so NODATA
 * and NXDOMAIN differ correctly) and delegation points marked. A zonedb
 * is a set of zones, selected by longest match. Built once, then only
 * read (by many threads); a reload builds a new one and swaps it. */
#ifndef IK_DNS_ZONEDB_H
#define IK_DNS_ZONEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/net.h"
#include "dns/name.h"
#include "dns/rr.h"

struct cfg_errs;

/* An RRset: records of one type at one name. data holds each record as
 * a 16-bit length then its expanded-wire RDATA. */
struct zrrset {
	uint16_t	 type;
	uint16_t	 n;
	uint32_t	 ttl;
	uint32_t	 len;	/* bytes of data */
	uint8_t		*data;
};

#define ZNODE_DELEG	0x01	/* NS below the apex: a zone cut */
#define ZNODE_ENT	0x02	/* empty non-terminal (no RRsets) */
#define ZNODE_GLUE	0x04	/* at or below a zone cut (occluded) */

struct znode {
	struct znode	*hnext;
	uint32_t	 hash;		/* dns_name_hash of the owner */
	uint8_t		 flags;
	uint8_t		 n_sets;
	uint8_t		 owner_len;	/* bytes of owner (wire form) */
	uint8_t		 n_labels;
	struct zrrset	*sets;
	const uint8_t	*owner;		/* wire form, case as in the file */
};

struct zone {
	struct dns_name	 apex;
	char		*file;		/* as configured */
	struct net_cidrs allow_axfr;	/* owned copy */
	uint32_t	 serial;
	uint32_t	 neg_ttl;	/* min(SOA TTL, SOA minimum), RFC 2308 */
	const struct znode *apex_node;
	struct znode	**buckets;
	uint32_t	 mask;		/* buckets - 1 */
	size_t		 n_nodes, n_records;
	unsigned	 refs;		/* zonedbs holding it (one thread) */
	struct timespec	 mtime;		/* of the file when loaded */
	off_t		 size;
	ino_t		 ino;
	bool		 has_include;	/* reload cannot trust mtime */
	const char	*pos_file;	/* where zone_add's records come from */
	int		 pos_line;
	struct arena	*mem;		/* nodes, names and RDATA */
	struct zrec	*recs;		/* while building: records added */
	size_t		 n_recs, cap_recs;
};

/* A set of zones. A zone may sit in two sets while a reload swaps them
 * (an unchanged zone is shared, not parsed again). */
struct zonedb {
	struct zone	**v;
	size_t		 n, cap;
};

/* Starts an empty zone. NULL on ENOMEM. */
struct zone *zone_new(const struct dns_name *apex);
/* Adds a copy of `rr`. Returns 0, -IK_EPARSE with *why for a record that
 * is outside the zone, of class other than IN, or of a meta type, or
 * -ENOMEM. Duplicates (same type, same RDATA) are dropped silently, as
 * RFC 2181 5 makes them one. An RRset takes the smallest TTL of its
 * records (RFC 2181 5.2 wants them equal). */
int zone_add(struct zone *z, const struct dns_rr *rr, const char **why);
/* Records where the following zone_add calls' records were read, so
 * zone_finish can name file:line. `file` is copied. */
void zone_set_pos(struct zone *z, const char *file, int line);
/* Checks and indexes: exactly one SOA at the apex, NS at the apex, no
 * CNAME beside other data (RFC 1034 3.6.2), no DNAME with descendants
 * outside occluded data; marks zone cuts and glue, adds empty
 * non-terminals. Problems go to `errs` naming `file`. Returns 0 or
 * -IK_ECONFIG. */
int zone_finish(struct zone *z, struct cfg_errs *errs, const char *file);
void zone_free(struct zone **zp);

/* The owner of `n` as a name. */
void znode_name(const struct znode *n, struct dns_name *out);
/* The node for `name` (any case), or NULL. */
const struct znode *zone_find(const struct zone *z,
    const struct dns_name *name);
/* The RRset of `type` at `n`, or NULL. */
const struct zrrset *znode_rrset(const struct znode *n, uint16_t type);

struct zonedb *zonedb_new(void);
/* Adds `z` and takes a reference to it. Returns 0, -ENOMEM, or -EEXIST
 * if a zone with that apex is there. */
int zonedb_add(struct zonedb *db, struct zone *z);
/* The zone with the longest apex that `name` is at or below, or NULL. */
const struct zone *zonedb_find(const struct zonedb *db,
    const struct dns_name *name);
/* The zone whose apex is exactly `apex`, or NULL. */
struct zone *zonedb_get(const struct zonedb *db, const struct dns_name *apex);
/* Drops the db's references; zones no other db holds are freed. */
void zonedb_free(struct zonedb **dbp);

/* Iterates an RRset: pass *off = 0 first; returns 0 and the next RDATA,
 * or -1 at the end. */
int zrrset_next(const struct zrrset *s, uint32_t *off, const uint8_t **rdata,
    uint16_t *rdlen);

#endif

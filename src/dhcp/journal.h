/* dhcp/journal.h - the lease journal: an append-only text file, one
 * checksummed line per lease change, fsynced before the ACK it backs
 * (many changes share one fdatasync: group commit). At open it is
 * replayed (the last line per address wins; a torn or damaged line is
 * skipped) and rewritten compacted, atomically; it is compacted again
 * when it has grown well past the live table.
 * Line format (all on one line, fields separated by one space):
 *   L1 ADDR STATE START ENDS HTYPE CHADDR CID HOSTNAME CRC
 * ADDR dotted quad; STATE bound|released|expired|declined; START/ENDS
 * Unix seconds; HTYPE decimal; CHADDR and CID hex ("-" when empty);
 * HOSTNAME letters, digits, '-', '.', '_' or "-"; CRC the CRC-32 of the
 * line before " CRC", 8 hex digits. */
#ifndef IK_DHCP_JOURNAL_H
#define IK_DHCP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp/leases.h"

#define DHCP_JOURNAL_LINE_MAX	512

/* Codec: one record as a line with its newline. Returns the length or
 * -IK_ETRUNC. Offered records are not written (-EINVAL). */
ssize_t dhcp_journal_format(const struct dhcp_lease *l, char *buf,
    size_t cap);
/* Parses one line (without its newline) into the fields of `out` that
 * the journal holds (addr, state, has_owner/owner, start, ends,
 * hostname). Returns 0, -IK_EPARSE (bad syntax or checksum) or
 * -IK_ELIMIT (a field too long). */
int dhcp_journal_parse(const char *line, size_t len, struct dhcp_lease *out);

struct dhcp_journal;

struct dhcp_journal_stats {
	size_t	 lines;		/* read at open */
	size_t	 bad;		/* skipped: damaged or torn */
	size_t	 leases;	/* records after replay */
};

/* Opens (or creates, mode 0600) the journal at `path`, replays it into
 * `leases` (which should be empty), and rewrites it compacted. Returns 0
 * or -errno / -IK_ENOTFOUND. */
int dhcp_journal_open(const char *path, struct dhcp_leases *leases,
    struct dhcp_journal **out, struct dhcp_journal_stats *st);
/* Queues a line for `l` (not written yet). Returns 0 or -ENOMEM. */
int dhcp_journal_append(struct dhcp_journal *j, const struct dhcp_lease *l);
/* Writes the queued lines and waits for them to reach the disk. Returns
 * 0 or -errno; on error the lines stay queued and nothing they back may
 * be acknowledged. */
int dhcp_journal_commit(struct dhcp_journal *j);
/* The two halves of a commit, for a caller that syncs elsewhere
 * (core/bgsync.h): write the queued lines (returns 0 or -errno, the
 * lines staying queued), then fdatasync the descriptor dhcp_journal_fd()
 * gives. Compaction replaces that descriptor: not while a sync runs. */
int dhcp_journal_write(struct dhcp_journal *j);
int dhcp_journal_fd(const struct dhcp_journal *j);
/* Rewrites the journal from `leases` when it holds more than twice as
 * many lines as records (and at least min_lines). Returns 1 if it did,
 * 0 if not needed, -errno. */
int dhcp_journal_maybe_compact(struct dhcp_journal *j,
    const struct dhcp_leases *leases, size_t min_lines);
size_t dhcp_journal_lines(const struct dhcp_journal *j);
void dhcp_journal_close(struct dhcp_journal **jp);

#endif

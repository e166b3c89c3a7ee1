/* dhcp/journal.c - the lease journal: text lines, CRC-32 per line,
 * O_APPEND writes and fdatasync; compaction by atomic replace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/textbuf.h"
#include "core/fs.h"
#include "dhcp/journal.h"

struct dhcp_journal {
	char		*path;
	int		 fd;
	size_t		 lines;		/* in the file */
	char		*queue;		/* lines not yet written */
	size_t		 qlen, qcap;
};

/* CRC-32 (IEEE 802.3, as zlib's crc32), a byte at a time from a table
 * built on first use: every ACK's line passes through here. */
static uint32_t crc_table[256];

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
		crc_table[i] = c;
	}
}

static uint32_t
line_crc(const char *p, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint32_t c = 0xffffffffu;

	pthread_once(&once, crc_init);
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

static const char *const state_names[] = {
	[DHCP_LEASE_BOUND] = "bound",
	[DHCP_LEASE_RELEASED] = "released",
	[DHCP_LEASE_EXPIRED] = "expired",
	[DHCP_LEASE_DECLINED] = "declined",
};

/* Formatted with core/textbuf, not snprintf: a line per ACK, on the
 * loop. Owner bytes in lower-case hex, "-" for none. */
static void
put_hex_or_dash(struct textbuf *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		textbuf_put(b, "-", 1);
	else
		textbuf_hex(b, p, n, false);
}

ssize_t
dhcp_journal_format(const struct dhcp_lease *l, char *buf, size_t cap)
{
	struct in_addr ia = { htonl(l->addr) };
	char addr[INET_ADDRSTRLEN], crc_hex[8];
	const struct dhcp_client *o = &l->owner;
	bool owned = l->has_owner;
	struct textbuf b = TEXTBUF_INIT(buf, cap);

	if (l->state == DHCP_LEASE_OFFERED || l->state > DHCP_LEASE_DECLINED)
		return -EINVAL;
	inet_ntop(AF_INET, &ia, addr, sizeof(addr));
	textbuf_puts(&b, "L1 ");
	textbuf_puts(&b, addr);
	textbuf_puts(&b, " ");
	textbuf_puts(&b, state_names[l->state]);
	textbuf_puts(&b, " ");
	textbuf_i64(&b, l->start);
	textbuf_puts(&b, " ");
	textbuf_i64(&b, l->ends);
	textbuf_puts(&b, " ");
	textbuf_u64(&b, owned ? o->htype : 0);
	textbuf_puts(&b, " ");
	put_hex_or_dash(&b, o->chaddr, owned ? o->hlen : 0);
	textbuf_puts(&b, " ");
	put_hex_or_dash(&b, o->cid, owned ? o->cid_len : 0);
	textbuf_puts(&b, " ");
	textbuf_puts(&b, l->hostname[0] != '\0' ? l->hostname : "-");
	uint32_t crc = line_crc(buf, b.len);
	for (int i = 7; i >= 0; i--, crc >>= 4)
		crc_hex[i] = "0123456789abcdef"[crc & 15];
	textbuf_puts(&b, " ");
	textbuf_put(&b, crc_hex, sizeof(crc_hex));
	textbuf_puts(&b, "\n");
	return textbuf_end(&b);
}

static int
hex_get(const char *s, size_t len, uint8_t *out, size_t cap, uint8_t *n)
{
	if (len == 1 && s[0] == '-') {
		*n = 0;
		return 0;
	}
	if (len % 2 != 0 || len == 0)
		return -IK_EPARSE;
	if (len / 2 > cap)
		return -IK_ELIMIT;
	for (size_t i = 0; i < len; i += 2) {
		int v = 0;
		for (size_t k = 0; k < 2; k++) {
			int d = hex_digit(s[i + k]);
			/* Lower case only: what the formatter writes. */
			if (d < 0 || (s[i + k] >= 'A' && s[i + k] <= 'F'))
				return -IK_EPARSE;
			v = v << 4 | d;
		}
		out[i / 2] = (uint8_t)v;
	}
	*n = (uint8_t)(len / 2);
	return 0;
}

static int
parse_i64(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return -IK_EPARSE;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -IK_EPARSE;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
dhcp_journal_parse(const char *line, size_t len, struct dhcp_lease *out)
{
	const char *f[10];
	size_t flen[10], nf = 0, i = 0;
	char tmp[INET_ADDRSTRLEN];
	struct in_addr ia;
	int64_t v;
	int err;

	if (len > DHCP_JOURNAL_LINE_MAX)
		return -IK_ELIMIT;
	while (i < len) {
		if (nf == 10)
			return -IK_EPARSE;
		f[nf] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		flen[nf] = (size_t)(line + i - f[nf]);
		if (flen[nf] == 0)
			return -IK_EPARSE;
		nf++;
		if (i < len)
			i++;
		if (i == len && line[len - 1] == ' ')
			return -IK_EPARSE;
	}
	if (nf != 10 || flen[0] != 2 || memcmp(f[0], "L1", 2) != 0 ||
	    flen[9] != 8)
		return -IK_EPARSE;
	/* The checksum covers everything before " CRC". */
	size_t body = (size_t)(f[9] - line) - 1;
	uint32_t want = 0;
	for (size_t k = 0; k < 8; k++) {
		int d = hex_digit(f[9][k]);
		if (d < 0 || (f[9][k] >= 'A' && f[9][k] <= 'F'))
			return -IK_EPARSE;
		want = want << 4 | (uint32_t)d;
	}
	if (line_crc(line, body) != want)
		return -IK_EPARSE;

	memset(out, 0, sizeof(*out));
	if (flen[1] >= sizeof(tmp))
		return -IK_EPARSE;
	memcpy(tmp, f[1], flen[1]);
	tmp[flen[1]] = '\0';
	if (inet_pton(AF_INET, tmp, &ia) != 1)
		return -IK_EPARSE;
	out->addr = ntohl(ia.s_addr);
	bool found = false;
	for (size_t s = DHCP_LEASE_BOUND; s <= DHCP_LEASE_DECLINED; s++)
		if (strlen(state_names[s]) == flen[2] &&
		    memcmp(state_names[s], f[2], flen[2]) == 0) {
			out->state = (uint8_t)s;
			found = true;
		}
	if (!found)
		return -IK_EPARSE;
	if ((err = parse_i64(f[3], flen[3], &out->start)) < 0 ||
	    (err = parse_i64(f[4], flen[4], &out->ends)) < 0 ||
	    (err = parse_i64(f[5], flen[5], &v)) < 0)
		return err;
	if (v > 255)
		return -IK_EPARSE;
	out->owner.htype = (uint8_t)v;
	if ((err = hex_get(f[6], flen[6], out->owner.chaddr, DHCP_CHADDR_LEN,
	    &out->owner.hlen)) < 0 ||
	    (err = hex_get(f[7], flen[7], out->owner.cid, DHCP_CID_MAX,
	    &out->owner.cid_len)) < 0)
		return err;
	out->has_owner = out->owner.hlen > 0 || out->owner.cid_len > 0;
	if (!(flen[8] == 1 && f[8][0] == '-')) {
		if (flen[8] > DHCP_HOSTNAME_MAX)
			return -IK_ELIMIT;
		for (size_t k = 0; k < flen[8]; k++) {
			char ch = f[8][k];
			if (!((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '.' || ch == '_'))
				return -IK_EPARSE;
		}
		memcpy(out->hostname, f[8], flen[8]);
		out->hostname[flen[8]] = '\0';
	}
	return 0;
}

static int
queue_add(struct dhcp_journal *j, const char *s, size_t n)
{
	if (j->qlen + n > j->qcap) {
		size_t cap = j->qcap ? j->qcap * 2 : 16384;
		while (cap < j->qlen + n)
			cap *= 2;
		char *q = realloc(j->queue, cap);
		if (q == NULL)
			return -ENOMEM;
		j->queue = q;
		j->qcap = cap;
	}
	memcpy(j->queue + j->qlen, s, n);
	j->qlen += n;
	return 0;
}

int
dhcp_journal_append(struct dhcp_journal *j, const struct dhcp_lease *l)
{
	char line[DHCP_JOURNAL_LINE_MAX];
	ssize_t n = dhcp_journal_format(l, line, sizeof(line));

	if (n < 0)
		return n == -EINVAL ? 0 : (int)n;
	return queue_add(j, line, (size_t)n);
}

int
dhcp_journal_commit(struct dhcp_journal *j)
{
	bool had = j->qlen > 0;
	int err = dhcp_journal_write(j);

	if (err < 0 || !had)
		return err;
	if (fdatasync(j->fd) < 0)
		return -errno;
	return 0;
}

int
dhcp_journal_fd(const struct dhcp_journal *j)
{
	return j->fd;
}

int
dhcp_journal_write(struct dhcp_journal *j)
{
	size_t off = 0;

	if (j->qlen == 0)
		return 0;
	while (off < j->qlen) {
		ssize_t n = write(j->fd, j->queue + off, j->qlen - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			/* What did reach the file is a prefix of whole
			 * lines at best; the rest is retried whole. */
			memmove(j->queue, j->queue + off, j->qlen - off);
			j->qlen -= off;
			return err;
		}
		off += (size_t)n;
	}
	for (size_t i = 0; i < j->qlen; i++)
		if (j->queue[i] == '\n')
			j->lines++;
	j->qlen = 0;
	return 0;
}

struct snap {
	char	*buf;
	size_t	 len, cap, lines;
	int	 err;
};

static int
snap_one(const struct dhcp_lease *l, void *arg)
{
	struct snap *s = arg;
	char line[DHCP_JOURNAL_LINE_MAX];
	ssize_t n = dhcp_journal_format(l, line, sizeof(line));

	if (n < 0)
		return 0;	/* offers are not kept */
	if (s->len + (size_t)n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		while (cap < s->len + (size_t)n)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (b == NULL) {
			s->err = -ENOMEM;
			return 1;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, line, (size_t)n);
	s->len += (size_t)n;
	s->lines++;
	return 0;
}

/* Replaces the file with the table's records and reopens it. */
static int
compact(struct dhcp_journal *j, const struct dhcp_leases *leases)
{
	struct snap s = { 0 };
	int fd, err;

	dhcp_leases_walk(leases, snap_one, &s);
	if (s.err < 0) {
		free(s.buf);
		return s.err;
	}
	err = fs_write_atomic(j->path, s.buf != NULL ? s.buf : "", s.len,
	    0600);
	free(s.buf);
	if (err < 0)
		return err;
	if ((fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return -errno;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->lines = s.lines;
	return 0;
}

static int
replay(FILE *f, struct dhcp_leases *leases, struct dhcp_journal_stats *st)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		struct dhcp_lease rec, *l;
		st->lines++;
		/* A line without its newline was cut by a crash. */
		if (n == 0 || line[n - 1] != '\n' ||
		    dhcp_journal_parse(line, (size_t)n - 1, &rec) < 0) {
			st->bad++;
			continue;
		}
		if ((l = dhcp_leases_get(leases, rec.addr)) == NULL) {
			free(line);
			return -ENOMEM;
		}
		dhcp_lease_set_owner(leases, l, rec.has_owner ? &rec.owner :
		    NULL);
		l->state = rec.state;
		l->start = rec.start;
		l->ends = rec.ends;
		memcpy(l->hostname, rec.hostname, sizeof(l->hostname));
	}
	free(line);
	/* Replayed records are on disk already. */
	dhcp_leases_take_dirty(leases);
	st->leases = dhcp_leases_count(leases);
	return ferror(f) ? -EIO : 0;
}

int
dhcp_journal_open(const char *path, struct dhcp_leases *leases,
    struct dhcp_journal **out, struct dhcp_journal_stats *st)
{
	struct dhcp_journal *j;
	FILE *f;
	int err;

	memset(st, 0, sizeof(*st));
	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->path = strdup(path)) == NULL) {
		free(j);
		return -ENOMEM;
	}
	j->fd = -1;
	if ((f = fopen(path, "re")) != NULL) {
		err = replay(f, leases, st);
		fclose(f);
		if (err < 0)
			goto fail;
	} else if (errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	if ((err = compact(j, leases)) < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	dhcp_journal_close(&j);
	return err;
}

int
dhcp_journal_maybe_compact(struct dhcp_journal *j,
    const struct dhcp_leases *leases, size_t min_lines)
{
	if (j->qlen > 0 || j->lines < min_lines ||
	    j->lines <= 2 * dhcp_leases_count(leases))
		return 0;
	int err = compact(j, leases);
	return err < 0 ? err : 1;
}

size_t
dhcp_journal_lines(const struct dhcp_journal *j)
{
	return j->lines;
}

void
dhcp_journal_close(struct dhcp_journal **jp)
{
	struct dhcp_journal *j = *jp;

	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->queue);
	free(j->path);
	free(j);
	*jp = NULL;
}

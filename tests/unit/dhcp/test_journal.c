/* tests/unit/dhcp/test_journal.c - the lease journal: the line format
 * (exact text, CRC-32 checked against an independent implementation),
 * format/parse round trips, every way a line can be damaged; replay of
 * files written by hand (last record per address wins, damaged and torn
 * lines skipped and counted); compaction at open and by threshold; a
 * journal reopened after appends and commits holds every committed
 * lease, and nothing that was only queued. Files live in a mkdtemp
 * directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "dhcp/journal.h"
#include "dhcp/leases.h"

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define NOW		1700000000

struct fx {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ik-journal-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/leases", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char tmp[192];

	/* The journal and whatever temp file an atomic write left. */
	unlink(fx->path);
	snprintf(tmp, sizeof(tmp), "%s/sub/leases", fx->dir);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/sub", fx->dir);
	rmdir(tmp);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* CRC-32 (IEEE) written differently from the journal's: table driven. */
static uint32_t
crc32_ref(const char *p, size_t n)
{
	static uint32_t table[256];
	uint32_t c;

	if (table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

/* `body` with its CRC and newline appended, into buf. */
static void
with_crc(const char *body, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %08x\n", body,
	    (unsigned)crc32_ref(body, strlen(body)));
}

static int
parse_str(const char *line, struct dhcp_lease *out)
{
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '\n')
		n--;
	return dhcp_journal_parse(line, n, out);
}

static void
mk_lease(struct dhcp_lease *l, uint32_t addr, uint8_t st, uint8_t last,
    const char *cid, const char *host)
{
	memset(l, 0, sizeof(*l));
	l->addr = addr;
	l->state = st;
	l->start = NOW;
	l->ends = NOW + 3600;
	if (last != 0) {
		l->has_owner = true;
		l->owner.htype = 1;
		l->owner.hlen = 6;
		memcpy(l->owner.chaddr, "\x52\x54\x00\xaa\xbb", 5);
		l->owner.chaddr[5] = last;
	}
	if (cid != NULL) {
		l->has_owner = true;
		l->owner.cid_len = (uint8_t)strlen(cid);
		memcpy(l->owner.cid, cid, l->owner.cid_len);
	}
	if (host != NULL)
		snprintf(l->hostname, sizeof(l->hostname), "%s", host);
}

/* The journal's fields of two records are equal. */
static void
assert_same_record(const struct dhcp_lease *a, const struct dhcp_lease *b)
{
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->ends, b->ends);
	assert_int_equal(a->has_owner, b->has_owner);
	if (a->has_owner) {
		assert_true(dhcp_client_same(&a->owner, &b->owner));
		assert_int_equal(a->owner.htype, b->owner.htype);
		assert_int_equal(a->owner.hlen, b->owner.hlen);
		assert_memory_equal(a->owner.chaddr, b->owner.chaddr,
		    a->owner.hlen);
		assert_int_equal(a->owner.cid_len, b->owner.cid_len);
	}
	assert_string_equal(a->hostname, b->hostname);
}

static void
test_format_exact(void **state)
{
	struct dhcp_lease l;
	char buf[DHCP_JOURNAL_LINE_MAX], want[DHCP_JOURNAL_LINE_MAX];
	(void)state;

	mk_lease(&l, IP(10, 77, 0, 100), DHCP_LEASE_BOUND, 0xcc,
	    "\x01\x52\x54", "laptop");
	ssize_t n = dhcp_journal_format(&l, buf, sizeof(buf));
	with_crc("L1 10.77.0.100 bound 1700000000 1700003600 1 525400aabbcc "
	    "015254 laptop", want, sizeof(want));
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_string_equal(buf, want);

	/* Declined: no owner, no hostname. */
	mk_lease(&l, IP(192, 168, 1, 2), DHCP_LEASE_DECLINED, 0, NULL, NULL);
	l.start = 5;
	l.ends = 0;
	n = dhcp_journal_format(&l, buf, sizeof(buf));
	with_crc("L1 192.168.1.2 declined 5 0 0 - - -", want, sizeof(want));
	assert_string_equal(buf, want);
	assert_int_equal(n, (ssize_t)strlen(want));

	mk_lease(&l, IP(10, 0, 0, 1), DHCP_LEASE_RELEASED, 1, NULL, NULL);
	dhcp_journal_format(&l, buf, sizeof(buf));
	with_crc("L1 10.0.0.1 released 1700000000 1700003600 1 525400aabb01 - "
	    "-", want, sizeof(want));
	assert_string_equal(buf, want);
	l.state = DHCP_LEASE_EXPIRED;
	dhcp_journal_format(&l, buf, sizeof(buf));
	assert_non_null(strstr(buf, " expired "));

	/* Offers are never journalled; a short buffer is -IK_ETRUNC. */
	l.state = DHCP_LEASE_OFFERED;
	assert_int_equal(dhcp_journal_format(&l, buf, sizeof(buf)), -EINVAL);
	l.state = DHCP_LEASE_BOUND;
	size_t need = (size_t)dhcp_journal_format(&l, buf, sizeof(buf));
	assert_int_equal(dhcp_journal_format(&l, buf, need), -IK_ETRUNC);
	assert_int_equal(dhcp_journal_format(&l, buf, need + 1), (ssize_t)need);
	assert_int_equal(dhcp_journal_format(&l, buf, 10), -IK_ETRUNC);
}

static void
test_round_trip(void **state)
{
	struct dhcp_lease in[6], out;
	char buf[DHCP_JOURNAL_LINE_MAX];
	char longcid[DHCP_CID_MAX + 1], longhost[DHCP_HOSTNAME_MAX + 1];
	(void)state;

	memset(longcid, 0xfe, DHCP_CID_MAX);
	longcid[DHCP_CID_MAX] = '\0';
	memset(longhost, 'h', DHCP_HOSTNAME_MAX);
	longhost[DHCP_HOSTNAME_MAX] = '\0';
	mk_lease(&in[0], IP(10, 77, 0, 100), DHCP_LEASE_BOUND, 0xcc, NULL,
	    "a-b.c_d");
	mk_lease(&in[1], IP(10, 77, 0, 101), DHCP_LEASE_RELEASED, 1,
	    "\x01\x02", NULL);
	mk_lease(&in[2], IP(255, 255, 255, 255), DHCP_LEASE_EXPIRED, 2,
	    longcid, longhost);
	mk_lease(&in[3], 0, DHCP_LEASE_DECLINED, 0, NULL, NULL);
	/* A client known only by its id (hlen 0). */
	mk_lease(&in[4], IP(10, 1, 2, 3), DHCP_LEASE_BOUND, 0, "\x02\x01",
	    NULL);
	in[4].owner.htype = 0;
	/* A 16-byte hardware address, other htype, huge times. */
	mk_lease(&in[5], IP(10, 1, 2, 4), DHCP_LEASE_BOUND, 3, NULL, NULL);
	in[5].owner.htype = 32;
	in[5].owner.hlen = DHCP_CHADDR_LEN;
	memset(in[5].owner.chaddr, 0xab, DHCP_CHADDR_LEN);
	in[5].start = 0;
	in[5].ends = 999999999999999999LL;

	for (size_t i = 0; i < 6; i++) {
		ssize_t n = dhcp_journal_format(&in[i], buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(buf[n - 1], '\n');
		assert_null(memchr(buf, '\n', (size_t)n - 1));
		memset(&out, 0x5a, sizeof(out));
		assert_int_equal(dhcp_journal_parse(buf, (size_t)n - 1, &out),
		    0);
		assert_same_record(&in[i], &out);
	}
}

static void
test_parse_rejects(void **state)
{
	static const struct {
		const char	*body;	/* CRC appended */
		int		 want;
	} bad[] = {
		{ "L2 10.0.0.1 bound 1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbcc -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbcc - - x", -IK_EPARSE },
		{ "L1 10.0.0.256 bound 1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0 bound 1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 offered 1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 Bound 1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound -1 2 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2x 1 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 1234567890123456789 1 525400aabbcc - -",
		    -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 256 525400aabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400AABBCC - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 5254zzaabbcc - -", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbcc 01 a/b", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbcc 01 a\tb", -IK_EPARSE },
		{ "L1 10.0.0.1 bound 1 2 1 525400aabbcc - -  ", -IK_EPARSE },
		{ "L1  10.0.0.1 bound 1 2 1 525400aabbcc - -", -IK_EPARSE },
		/* 17 bytes of chaddr */
		{ "L1 10.0.0.1 bound 1 2 1 00112233445566778899aabbccddeeff00 "
		    "- -", -IK_ELIMIT },
	};
	struct dhcp_lease out;
	char line[1024];
	(void)state;

	/* The good line first, so each bad one differs in one way. */
	with_crc("L1 10.0.0.1 bound 1 2 1 525400aabbcc 01 h", line,
	    sizeof(line));
	assert_int_equal(parse_str(line, &out), 0);
	assert_int_equal(out.addr, IP(10, 0, 0, 1));
	assert_string_equal(out.hostname, "h");
	assert_int_equal(out.owner.cid_len, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_crc(bad[i].body, line, sizeof(line));
		int rc = parse_str(line, &out);
		if (rc != bad[i].want)
			fail_msg("bad[%zu] \"%s\": got %d, want %d", i,
			    bad[i].body, rc, bad[i].want);
	}

	/* One byte over the client id and hostname limits; at them, fine. */
	char body[512], cid[2 * DHCP_CID_MAX + 3], host[DHCP_HOSTNAME_MAX + 2];
	memset(cid, '0', sizeof(cid) - 1);
	cid[sizeof(cid) - 1] = '\0';
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(body, sizeof(body), "L1 10.0.0.1 bound 1 2 1 - %s -", cid);
	with_crc(body, line, sizeof(line));
	assert_int_equal(parse_str(line, &out), -IK_ELIMIT);
	cid[2 * DHCP_CID_MAX] = '\0';
	snprintf(body, sizeof(body), "L1 10.0.0.1 bound 1 2 1 - %s -", cid);
	with_crc(body, line, sizeof(line));
	assert_int_equal(parse_str(line, &out), 0);
	assert_int_equal(out.owner.cid_len, DHCP_CID_MAX);
	snprintf(body, sizeof(body), "L1 10.0.0.1 bound 1 2 1 - 01 %s", host);
	with_crc(body, line, sizeof(line));
	assert_int_equal(parse_str(line, &out), -IK_ELIMIT);
	host[DHCP_HOSTNAME_MAX] = '\0';
	snprintf(body, sizeof(body), "L1 10.0.0.1 bound 1 2 1 - 01 %s", host);
	with_crc(body, line, sizeof(line));
	assert_int_equal(parse_str(line, &out), 0);
	assert_int_equal(strlen(out.hostname), DHCP_HOSTNAME_MAX);

	/* Checksums: one flipped bit in the body, in the CRC, uppercase
	 * hex, a short CRC. */
	with_crc("L1 10.0.0.1 bound 1 2 1 525400aabbcc - -", line,
	    sizeof(line));
	line[5] ^= 1;
	assert_int_equal(parse_str(line, &out), -IK_EPARSE);
	line[5] ^= 1;
	assert_int_equal(parse_str(line, &out), 0);
	size_t n = strlen(line);
	line[n - 2] = line[n - 2] == '0' ? '1' : '0';
	assert_int_equal(parse_str(line, &out), -IK_EPARSE);
	snprintf(line, sizeof(line), "L1 10.0.0.1 bound 1 2 1 - - - %08X",
	    (unsigned)crc32_ref("L1 10.0.0.1 bound 1 2 1 - - -", 29));
	bool has_letter = strpbrk(line + 30, "ABCDEF") != NULL;
	if (has_letter)
		assert_int_equal(parse_str(line, &out), -IK_EPARSE);
	assert_int_equal(parse_str("L1 10.0.0.1 bound 1 2 1 - - - 1234567",
	    &out), -IK_EPARSE);
	assert_int_equal(parse_str("", &out), -IK_EPARSE);
	assert_int_equal(dhcp_journal_parse(" ", 1, &out), -IK_EPARSE);

	/* A line with a NUL in it (read from a damaged file). */
	with_crc("L1 10.0.0.1 bound 1 2 1 - - -", line, sizeof(line));
	n = strlen(line) - 1;
	line[20] = '\0';
	assert_int_equal(dhcp_journal_parse(line, n, &out), -IK_EPARSE);

	/* Over DHCP_JOURNAL_LINE_MAX bytes: -IK_ELIMIT before anything. */
	char *big = malloc(DHCP_JOURNAL_LINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'L', DHCP_JOURNAL_LINE_MAX + 1);
	assert_int_equal(dhcp_journal_parse(big, DHCP_JOURNAL_LINE_MAX + 1,
	    &out), -IK_ELIMIT);
	free(big);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The file's contents (owned) and its line count. */
static char *
read_text(const char *path, size_t *lines)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	*lines = 0;
	for (size_t i = 0; i < n; i++)
		*lines += buf[i] == '\n';
	return buf;
}

static void
append_line(char *text, size_t cap, const char *body, bool newline)
{
	char line[DHCP_JOURNAL_LINE_MAX];

	with_crc(body, line, sizeof(line));
	if (!newline)
		line[strlen(line) - 1] = '\0';
	strncat(text, line, cap - strlen(text) - 1);
}

/* Replay: last record per address wins, damage is skipped and counted,
 * a torn last line (no newline) is skipped even with a good checksum;
 * the file is then rewritten with one line per live record. */
static void
test_replay_and_compact_at_open(void **state)
{
	struct fx *fx = *state;
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_journal *j = NULL;
	struct dhcp_journal_stats st;
	char text[4096] = "";
	size_t lines;
	(void)state;

	append_line(text, sizeof(text), "L1 10.77.0.100 bound 100 3700 1 "
	    "525400000001 - one", true);
	append_line(text, sizeof(text), "L1 10.77.0.101 bound 100 3700 1 "
	    "525400000002 - -", true);
	append_line(text, sizeof(text), "L1 10.77.0.100 released 100 200 1 "
	    "525400000001 - one", true);
	strcat(text, "L1 10.77.0.102 bound 1 2 1 525400000003 - - deadbeef\n");
	strcat(text, "garbage\n\n");
	append_line(text, sizeof(text), "L1 10.77.0.101 declined 300 4000 0 "
	    "- - -", true);
	append_line(text, sizeof(text), "L1 10.77.0.100 bound 400 4000 1 "
	    "525400000001 01aa one", true);
	/* Torn: the crash came before the newline. */
	append_line(text, sizeof(text), "L1 10.77.0.103 bound 500 4100 1 "
	    "525400000004 - -", false);
	write_file(fx->path, text);

	assert_int_equal(dhcp_journal_open(fx->path, t, &j, &st), 0);
	assert_non_null(j);
	assert_int_equal(st.lines, 9);
	assert_int_equal(st.bad, 4);
	assert_int_equal(st.leases, 2);
	assert_int_equal(dhcp_leases_count(t), 2);
	assert_null(dhcp_leases_by_addr(t, IP(10, 77, 0, 102)));
	assert_null(dhcp_leases_by_addr(t, IP(10, 77, 0, 103)));

	struct dhcp_lease *l = dhcp_leases_by_addr(t, IP(10, 77, 0, 100));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_BOUND);
	assert_int_equal(l->start, 400);
	assert_int_equal(l->ends, 4000);
	assert_true(l->has_owner);
	assert_int_equal(l->owner.cid_len, 2);
	assert_int_equal(l->owner.cid[1], 0xaa);
	assert_string_equal(l->hostname, "one");
	/* The owner index follows the replay: found by the new identity. */
	struct dhcp_client c = l->owner;
	assert_ptr_equal(dhcp_leases_by_client(t, &c, NULL, NULL), l);
	l = dhcp_leases_by_addr(t, IP(10, 77, 0, 101));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_DECLINED);
	assert_false(l->has_owner);
	c.cid_len = 0;
	c.chaddr[5] = 2;
	assert_null(dhcp_leases_by_client(t, &c, NULL, NULL));
	/* Replayed records are on disk: nothing dirty. */
	assert_null(dhcp_leases_take_dirty(t));

	/* Compacted: one line per record, superseded ones gone. */
	assert_int_equal(dhcp_journal_lines(j), 2);
	char *now_text = read_text(fx->path, &lines);
	assert_int_equal(lines, 2);
	assert_null(strstr(now_text, "released"));
	assert_null(strstr(now_text, "garbage"));
	assert_non_null(strstr(now_text, "L1 10.77.0.100 bound 400 4000 1 "
	    "525400000001 01aa one "));
	assert_non_null(strstr(now_text, "L1 10.77.0.101 declined 300 4000 0 "
	    "- - - "));
	free(now_text);
	struct stat sb;
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	dhcp_journal_close(&j);
	assert_null(j);
	dhcp_journal_close(&j);
	dhcp_leases_free(&t);
}

static void
test_open_missing_and_bad_dir(void **state)
{
	struct fx *fx = *state;
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_journal *j = NULL;
	struct dhcp_journal_stats st;
	char path[192];

	/* A new file is created, empty. */
	assert_int_equal(dhcp_journal_open(fx->path, t, &j, &st), 0);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.leases, 0);
	assert_int_equal(dhcp_journal_lines(j), 0);
	assert_int_equal(access(fx->path, F_OK), 0);
	assert_int_equal(dhcp_journal_commit(j), 0);	/* nothing queued */
	dhcp_journal_close(&j);

	/* A directory that does not exist: an error, no journal. */
	snprintf(path, sizeof(path), "%s/sub/leases", fx->dir);
	j = (struct dhcp_journal *)&path;	/* must be cleared */
	int rc = dhcp_journal_open(path, t, &j, &st);
	assert_true(rc < 0);
	assert_null(j);
	dhcp_leases_free(&t);
}

/* What a server does: change leases, append the dirty ones, commit. */
static void
journal_dirty(struct dhcp_journal *j, struct dhcp_leases *t)
{
	for (struct dhcp_lease *l = dhcp_leases_take_dirty(t); l != NULL;
	    l = l->next_dirty)
		assert_int_equal(dhcp_journal_append(j, l), 0);
	assert_int_equal(dhcp_journal_commit(j), 0);
}

static struct dhcp_lease *
set_lease(struct dhcp_leases *t, uint32_t addr, uint8_t st, uint8_t who,
    int64_t ends)
{
	struct dhcp_lease *l = dhcp_leases_get(t, addr);
	struct dhcp_client c;

	assert_non_null(l);
	memset(&c, 0, sizeof(c));
	c.htype = 1;
	c.hlen = 6;
	c.chaddr[5] = who;
	dhcp_lease_set_owner(t, l, who != 0 ? &c : NULL);
	l->state = st;
	l->start = ends - 100;
	l->ends = ends;
	snprintf(l->hostname, sizeof(l->hostname), "h%u", who);
	dhcp_lease_touch(t, l);
	return l;
}

static int
count_live(const struct dhcp_lease *l, void *arg)
{
	size_t *n = arg;

	*n += l->state != DHCP_LEASE_OFFERED;
	return 0;
}

struct cmp_arg {
	const struct dhcp_leases *other;
	size_t n;
};

static int
same_in_other(const struct dhcp_lease *l, void *arg)
{
	struct cmp_arg *ca = arg;

	if (l->state == DHCP_LEASE_OFFERED)
		return 0;
	const struct dhcp_lease *o = dhcp_leases_by_addr(ca->other, l->addr);
	if (o == NULL)
		fail_msg("lease %08x missing after reopen", l->addr);
	assert_same_record(l, o);
	ca->n++;
	return 0;
}

static void
test_reopen_holds_committed(void **state)
{
	struct fx *fx = *state;
	struct dhcp_leases *t = dhcp_leases_new(), *t2 = dhcp_leases_new();
	struct dhcp_journal *j = NULL;
	struct dhcp_journal_stats st;

	assert_int_equal(dhcp_journal_open(fx->path, t, &j, &st), 0);
	for (uint8_t i = 1; i <= 40; i++)
		set_lease(t, IP(10, 77, 0, i), DHCP_LEASE_BOUND, i,
		    NOW + i);
	journal_dirty(j, t);
	assert_int_equal(dhcp_journal_lines(j), 40);
	/* Changes over several commits: release, decline, rebind to
	 * another client, an offer (never journalled). */
	set_lease(t, IP(10, 77, 0, 3), DHCP_LEASE_RELEASED, 3, NOW + 50);
	set_lease(t, IP(10, 77, 0, 4), DHCP_LEASE_DECLINED, 0, NOW + 60);
	journal_dirty(j, t);
	set_lease(t, IP(10, 77, 0, 3), DHCP_LEASE_BOUND, 99, NOW + 70);
	set_lease(t, IP(10, 77, 0, 41), DHCP_LEASE_OFFERED, 41, NOW + 80);
	set_lease(t, IP(10, 77, 0, 42), DHCP_LEASE_EXPIRED, 42, NOW + 90);
	journal_dirty(j, t);
	assert_int_equal(dhcp_journal_lines(j), 44);	/* no offer line */
	/* Queued but never committed: must not come back. */
	struct dhcp_lease *l = set_lease(t, IP(10, 77, 0, 43),
	    DHCP_LEASE_BOUND, 43, NOW + 100);
	assert_int_equal(dhcp_journal_append(j, l), 0);
	dhcp_journal_close(&j);

	assert_int_equal(dhcp_journal_open(fx->path, t2, &j, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.lines, 44);
	assert_null(dhcp_leases_by_addr(t2, IP(10, 77, 0, 43)));
	assert_null(dhcp_leases_by_addr(t2, IP(10, 77, 0, 41)));
	/* Every committed record, the latest version of each. */
	l = dhcp_leases_by_addr(t, IP(10, 77, 0, 43));
	l->state = DHCP_LEASE_OFFERED;	/* skip it in the comparison */
	struct cmp_arg ca = { t2, 0 };
	dhcp_leases_walk(t, same_in_other, &ca);
	size_t live = 0;
	dhcp_leases_walk(t2, count_live, &live);
	assert_int_equal(ca.n, 41);
	assert_int_equal(live, 41);
	assert_int_equal(dhcp_leases_count(t2), 41);
	l = dhcp_leases_by_addr(t2, IP(10, 77, 0, 3));
	assert_int_equal(l->owner.chaddr[5], 99);
	assert_int_equal(dhcp_journal_lines(j), 41);
	dhcp_journal_close(&j);
	dhcp_leases_free(&t);
	dhcp_leases_free(&t2);
}

static void
test_maybe_compact(void **state)
{
	struct fx *fx = *state;
	struct dhcp_leases *t = dhcp_leases_new(), *t2 = dhcp_leases_new();
	struct dhcp_journal *j = NULL;
	struct dhcp_journal_stats st;
	size_t lines;

	assert_int_equal(dhcp_journal_open(fx->path, t, &j, &st), 0);
	set_lease(t, IP(10, 77, 0, 1), DHCP_LEASE_BOUND, 1, NOW);
	set_lease(t, IP(10, 77, 0, 2), DHCP_LEASE_BOUND, 2, NOW);
	journal_dirty(j, t);
	/* Two records, 2 lines: not needed. */
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 0), 0);
	/* Renewals of one lease: 4 lines, exactly twice the table. */
	set_lease(t, IP(10, 77, 0, 1), DHCP_LEASE_BOUND, 1, NOW + 1);
	journal_dirty(j, t);
	set_lease(t, IP(10, 77, 0, 1), DHCP_LEASE_BOUND, 1, NOW + 2);
	journal_dirty(j, t);
	assert_int_equal(dhcp_journal_lines(j), 4);
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 0), 0);
	set_lease(t, IP(10, 77, 0, 1), DHCP_LEASE_BOUND, 1, NOW + 3);
	journal_dirty(j, t);
	assert_int_equal(dhcp_journal_lines(j), 5);
	/* Over twice, but under min_lines: not yet. */
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 6), 0);
	/* Lines queued and not committed: never (they would be lost). */
	struct dhcp_lease *l = set_lease(t, IP(10, 77, 0, 2), DHCP_LEASE_BOUND,
	    2, NOW + 9);
	assert_int_equal(dhcp_journal_append(j, l), 0);
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 5), 0);
	assert_int_equal(dhcp_journal_commit(j), 0);
	dhcp_leases_take_dirty(t);
	assert_int_equal(dhcp_journal_lines(j), 6);
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 5), 1);
	assert_int_equal(dhcp_journal_lines(j), 2);
	free(read_text(fx->path, &lines));
	assert_int_equal(lines, 2);
	assert_int_equal(dhcp_journal_maybe_compact(j, t, 0), 0);

	/* The journal still appends after the compaction replaced it. */
	set_lease(t, IP(10, 77, 0, 3), DHCP_LEASE_BOUND, 3, NOW + 5);
	journal_dirty(j, t);
	assert_int_equal(dhcp_journal_lines(j), 3);
	free(read_text(fx->path, &lines));
	assert_int_equal(lines, 3);
	dhcp_journal_close(&j);

	assert_int_equal(dhcp_journal_open(fx->path, t2, &j, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(dhcp_leases_count(t2), 3);
	assert_int_equal(dhcp_leases_by_addr(t2, IP(10, 77, 0, 1))->ends,
	    NOW + 3);
	assert_int_equal(dhcp_leases_by_addr(t2, IP(10, 77, 0, 2))->ends,
	    NOW + 9);
	dhcp_journal_close(&j);
	dhcp_leases_free(&t);
	dhcp_leases_free(&t2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test_setup_teardown(test_replay_and_compact_at_open,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_and_bad_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_holds_committed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_maybe_compact, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/dhcp/test_link.c - dhcp/link.c on a real link: a veth pair
 * between two network namespaces this process makes with unshare(2)
 * (anonymous, so the kernel deletes them when the last fd closes or the
 * process dies, whatever happens to the test). Frames go from side A
 * (ik0, 10.77.0.1) to side B (ik1, 10.77.0.2): UDP through B's BPF
 * filter (wrong port and fragments dropped), an ARP probe both ways, and
 * an ICMP echo B answers. Skipped unless root. mac_format/parse need
 * nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "dhcp/frame.h"
#include "dhcp/link.h"

#define IP_A		0x0a4d0001	/* 10.77.0.1 */
#define IP_B		0x0a4d0002	/* 10.77.0.2 */
#define WAIT_MS		3000		/* for any one frame */

static const uint8_t mac_a[DHCP_ETH_ALEN] = { 2, 0, 0, 0x77, 0, 1 };
static const uint8_t mac_b[DHCP_ETH_ALEN] = { 2, 0, 0, 0x77, 0, 2 };
static const uint8_t bcast[DHCP_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff };

struct nets {
	int	 orig, a, b;	/* namespace fds */
	int	 if_a, if_b;	/* ik0 in A, ik1 in B */
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	int st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
ns_self(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static void
enter(int ns)
{
	assert_int_equal(setns(ns, CLONE_NEWNET), 0);
}

/* Waits (bounded) until `name` in the current namespace has a carrier. */
static int
wait_running(const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok = -1;

	for (int i = 0; fd >= 0 && i < 200 && ok < 0; i++) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
		    (ifr.ifr_flags & IFF_RUNNING) != 0)
			ok = 0;
		else
			usleep(10000);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int
teardown(void **state)
{
	struct nets *n = *state;

	if (n == NULL)
		return 0;
	if (n->a >= 0 && setns(n->a, CLONE_NEWNET) == 0) {
		(void)sh("ip link del ik0 2>/dev/null");
		(void)sh("ip link del ik2 2>/dev/null");
	}
	if (n->orig >= 0) {
		if (setns(n->orig, CLONE_NEWNET) != 0)
			return -1;
		close(n->orig);
	}
	/* The last references: both namespaces go away here. */
	if (n->a >= 0)
		close(n->a);
	if (n->b >= 0)
		close(n->b);
	free(n);
	*state = NULL;
	return 0;
}

static int
setup(void **state)
{
	struct nets *n = calloc(1, sizeof(*n));

	*state = n;
	if (n == NULL)
		return -1;
	n->orig = n->a = n->b = -1;
	if (geteuid() != 0 || sh("ip -V >/dev/null 2>&1") != 0)
		return 0;		/* tests skip: n->a < 0 */
	if ((n->orig = ns_self()) < 0)
		return 0;
	/* No namespaces here (a container without CAP_SYS_ADMIN): skip. */
	if (unshare(CLONE_NEWNET) != 0)
		return 0;
	if ((n->b = ns_self()) < 0 || unshare(CLONE_NEWNET) != 0 ||
	    (n->a = ns_self()) < 0)
		goto fail;
	/* In A now. `ip` inherits the fd of B, so it can name it. */
	if (sh("ip link set lo up") != 0 ||
	    sh("ip link add ik0 address 02:00:00:77:00:01 type veth "
	    "peer name ik1 address 02:00:00:77:00:02") != 0 ||
	    sh("ip link set ik1 netns /proc/%d/fd/%d", (int)getpid(),
	    n->b) != 0 ||
	    sh("ip addr add 10.77.0.1/24 dev ik0") != 0 ||
	    sh("ip link set ik0 up") != 0 ||
	    sh("ip link add ik2 type veth peer name ik3") != 0)
		goto fail;
	n->if_a = (int)if_nametoindex("ik0");
	if (setns(n->b, CLONE_NEWNET) != 0)
		goto fail;
	if (sh("ip link set lo up") != 0 ||
	    sh("ip addr add 10.77.0.2/24 dev ik1") != 0 ||
	    sh("ip link set ik1 up") != 0 || wait_running("ik1") != 0)
		goto fail;
	n->if_b = (int)if_nametoindex("ik1");
	if (setns(n->a, CLONE_NEWNET) != 0 || wait_running("ik0") != 0 ||
	    n->if_a <= 0 || n->if_b <= 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "test_link: namespace setup failed\n");
	teardown(state);
	return -1;
}

static struct nets *
need_nets(void **state)
{
	struct nets *n = *state;

	if (n == NULL || n->a < 0)
		skip();
	enter(n->a);
	return n;
}

/* Polls fd for input for up to WAIT_MS. */
static void
wait_in(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
}

static void
test_mac_format_parse(void **state)
{
	static const uint8_t m[DHCP_ETH_ALEN] = { 0x52, 0x54, 0x00, 0xab,
	    0xcd, 0xef };
	uint8_t got[DHCP_ETH_ALEN];
	char buf[18];
	(void)state;

	memset(buf, 'x', sizeof(buf));
	assert_string_equal(dhcp_mac_format(m, buf), "52:54:00:ab:cd:ef");
	assert_int_equal(dhcp_mac_parse("52:54:00:ab:cd:ef", got), 0);
	assert_memory_equal(got, m, 6);
	assert_int_equal(dhcp_mac_parse("52-54-00-AB-CD-EF", got), 0);
	assert_memory_equal(got, m, 6);

	static const char *bad[] = {
		"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:", "52:54:00:ab:cd:e",
		"52:54:00:ab:cd:efa", "52:54-00:ab:cd:ef", "5:54:00:ab:cd:ef0",
		"52:54:00:ab:cd:eg", "52.54.00.ab.cd.ef", "525400abcdef",
		"52:54:00:ab:cd:ef ", " 52:54:00:ab:cd:ef", "52::54:00:ab:cd",
	};
	memset(got, 0x11, sizeof(got));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dhcp_mac_parse(bad[i], got) != -IK_EPARSE)
			fail_msg("accepted \"%s\"", bad[i]);
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0x11);	/* untouched on error */
}

static void
test_iface(void **state)
{
	struct nets *n = need_nets(state);
	struct dhcp_iface ifc;

	assert_int_equal(dhcp_iface_get("ik0", &ifc), 0);
	assert_string_equal(ifc.name, "ik0");
	assert_int_equal(ifc.ifindex, n->if_a);
	assert_memory_equal(ifc.mac, mac_a, 6);
	assert_int_equal(ifc.addr, IP_A);
	assert_int_equal(ifc.prefix, 24);
	assert_int_equal(ifc.mtu, 1500);
	assert_true(ifc.up);

	/* no address, down: fine, addr 0 */
	assert_int_equal(dhcp_iface_get("ik2", &ifc), 0);
	assert_int_equal(ifc.addr, 0);
	assert_int_equal(ifc.prefix, 0);
	assert_false(ifc.up);
	int idx = ifc.ifindex;

	assert_int_equal(sh("ip addr add 10.78.0.5/16 dev ik2"), 0);
	assert_int_equal(sh("ip link set ik2 mtu 1400 up"), 0);
	assert_int_equal(dhcp_iface_refresh(&ifc), 0);
	assert_int_equal(ifc.ifindex, idx);
	assert_int_equal(ifc.addr, 0x0a4e0005);
	assert_int_equal(ifc.prefix, 16);
	assert_int_equal(ifc.mtu, 1400);
	assert_true(ifc.up);
	/* renamed: refresh goes by index and picks up the name */
	assert_int_equal(sh("ip link set ik2 down && ip link set ik2 name "
	    "ik2x && ip link set ik2x name ik2"), 0);
	assert_int_equal(dhcp_iface_refresh(&ifc), 0);
	assert_string_equal(ifc.name, "ik2");
	assert_false(ifc.up);

	assert_int_equal(dhcp_iface_get("ik9", &ifc), -ENODEV);
	assert_int_equal(dhcp_iface_get("", &ifc), -ENODEV);
	assert_int_equal(dhcp_iface_get("a-name-far-too-long", &ifc),
	    -IK_ETRUNC);
	ifc.ifindex = 99999;
	assert_true(dhcp_iface_refresh(&ifc) < 0);

	/* the loopback has no MAC and its own address */
	assert_int_equal(dhcp_iface_get("lo", &ifc), 0);
	assert_int_equal(ifc.addr, 0x7f000001);
	assert_int_equal(ifc.prefix, 8);
}

/* Sends a frame by hand (for ones dhcp_link_send_udp never makes). */
static void
send_raw(int fd, int ifindex, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, bcast, 6);
	assert_int_equal(sendto(fd, f, len, 0, (struct sockaddr *)&sll,
	    sizeof(sll)), (ssize_t)len);
}

static void
test_udp_across_veth(void **state)
{
	struct nets *n = need_nets(state);
	struct dhcp_udp_meta m = { 0, 0xffffffff, 68, 67, 0 }, got;
	static const char discover[] = "a DHCPDISCOVER stands here";
	static const char other[] = "to the client port";
	uint8_t buf[2048], mac[6];
	const uint8_t *p;

	enter(n->b);
	int rx = dhcp_link_open_udp(n->if_b, 67);
	enter(n->a);
	assert_true(rx >= 0);
	int tx = dhcp_link_open_udp(n->if_a, 68);
	int tx_watch = dhcp_link_open_udp(n->if_a, 67);
	assert_true(tx >= 0 && tx_watch >= 0);
	assert_true((fcntl(rx, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(rx, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(dhcp_link_recv_udp(rx, buf, sizeof(buf), &got, &p,
	    mac), -EAGAIN);

	/* Dropped by B's filter: another port, a first fragment, a later
	 * fragment. Then the one that must come through first. */
	struct dhcp_udp_meta m68 = { IP_A, 0xffffffff, 67, 68, 0 };
	assert_int_equal(dhcp_link_send_udp(tx, n->if_a, bcast, &m68, other,
	    sizeof(other)), 0);
	uint8_t f[128];
	ssize_t fl = dhcp_frame_build_udp(f, sizeof(f), &m, 1, discover,
	    sizeof(discover));
	assert_true(fl > 0);
	for (int k = 0; k < 2; k++) {
		f[6] = k == 0 ? 0x20 : 0x00;	/* MF, or offset 8 bytes */
		f[7] = k == 0 ? 0x00 : 0x01;
		f[10] = f[11] = 0;
		uint16_t c = dhcp_csum_fold(dhcp_csum_add(0, f, 20));
		f[10] = (uint8_t)(c >> 8);
		f[11] = (uint8_t)c;
		send_raw(tx, n->if_a, f, (size_t)fl);
	}
	assert_int_equal(dhcp_link_send_udp(tx, n->if_a, bcast, &m, discover,
	    sizeof(discover)), 0);

	wait_in(rx);
	ssize_t r = dhcp_link_recv_udp(rx, buf, sizeof(buf), &got, &p, mac);
	assert_int_equal(r, sizeof(discover));
	assert_memory_equal(p, discover, sizeof(discover));
	assert_true(p > buf && p < buf + sizeof(buf));
	assert_int_equal(got.src, 0);
	assert_int_equal(got.dst, 0xffffffff);
	assert_int_equal(got.sport, 68);
	assert_int_equal(got.dport, 67);
	assert_int_equal(got.ttl, 64);
	assert_memory_equal(mac, mac_a, 6);
	assert_int_equal(dhcp_link_recv_udp(rx, buf, sizeof(buf), &got, &p,
	    NULL), -EAGAIN);

	/* A's own frame to port 67 is not handed back on A. (The kernel
	 * copies outgoing frames only to ETH_P_ALL sockets, so this holds
	 * before link.c's PACKET_OUTGOING guard is even needed.) */
	assert_int_equal(dhcp_link_recv_udp(tx_watch, buf, sizeof(buf), &got,
	    &p, mac), -EAGAIN);

	/* Unicast to B's MAC with addresses, as a server's reply goes. */
	struct dhcp_udp_meta uni = { IP_A, IP_B, 68, 67, 7 };
	assert_int_equal(dhcp_link_send_udp(tx, n->if_a, mac_b, &uni, "x",
	    1), 0);
	wait_in(rx);
	assert_int_equal(dhcp_link_recv_udp(rx, buf, sizeof(buf), &got, &p,
	    NULL), 1);
	assert_int_equal(got.src, IP_A);
	assert_int_equal(got.dst, IP_B);
	assert_int_equal(got.ttl, 7);

	/* From A's kernel UDP stack, as dnsmasq or dhclient's fallback
	 * send: over veth the UDP checksum is left to "hardware" (only
	 * the pseudo-header sum is in the frame), yet it must be taken. */
	int us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
	    .sin_port = htons(67), .sin_addr.s_addr = htonl(IP_B) };
	assert_true(us >= 0);
	assert_int_equal(sendto(us, discover, sizeof(discover), 0,
	    (struct sockaddr *)&to, sizeof(to)), sizeof(discover));
	wait_in(rx);
	assert_int_equal(dhcp_link_recv_udp(rx, buf, sizeof(buf), &got, &p,
	    NULL), sizeof(discover));
	assert_memory_equal(p, discover, sizeof(discover));
	assert_int_equal(got.src, IP_A);
	assert_int_equal(got.dst, IP_B);
	assert_int_equal(got.dport, 67);
	close(us);

	/* A frame bigger than the buffer arrives cut: dropped as such. */
	static uint8_t big[1400];
	assert_int_equal(dhcp_link_send_udp(tx, n->if_a, bcast, &m, big,
	    sizeof(big)), 0);
	wait_in(rx);
	assert_int_equal(dhcp_link_recv_udp(rx, buf, 300, &got, &p, NULL),
	    -IK_ETRUNC);

	close(rx);
	close(tx);
	close(tx_watch);
}

static void
test_arp_across_veth(void **state)
{
	struct nets *n = need_nets(state);
	struct dhcp_arp probe = { DHCP_ARP_REQUEST, { 0 }, 0, { 0 }, IP_B };
	struct dhcp_arp got;
	int r;

	enter(n->b);
	int rx = dhcp_arp_open(n->if_b);
	enter(n->a);
	assert_true(rx >= 0);
	int tx = dhcp_arp_open(n->if_a);
	assert_true(tx >= 0);
	assert_true((fcntl(tx, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(tx, F_GETFD) & FD_CLOEXEC) != 0);

	memcpy(probe.sha, mac_a, 6);
	assert_int_equal(dhcp_arp_send(tx, n->if_a, &probe), 0);

	/* B hears the probe (other ARP traffic may come first). */
	bool seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		wait_in(rx);
		if ((r = dhcp_arp_recv(rx, &got)) == -EAGAIN)
			continue;
		assert_int_equal(r, 0);
		seen = got.op == DHCP_ARP_REQUEST && got.spa == 0 &&
		    got.tpa == IP_B && memcmp(got.sha, mac_a, 6) == 0;
	}
	assert_true(seen);
	/* B's kernel owns 10.77.0.2 and answers the probe: to A that is
	 * the conflict RFC 5227 looks for. B's own reply went out on ik1
	 * and is not handed to rx. */
	bool conflict = false;
	for (int i = 0; i < 20 && !conflict; i++) {
		wait_in(tx);
		if ((r = dhcp_arp_recv(tx, &got)) == -EAGAIN)
			continue;
		assert_int_equal(r, 0);
		conflict = dhcp_arp_conflicts(&got, IP_B, mac_a);
	}
	assert_true(conflict);
	assert_int_equal(got.op, DHCP_ARP_REPLY);
	assert_memory_equal(got.sha, mac_b, 6);
	assert_int_equal(got.spa, IP_B);
	assert_int_equal(dhcp_arp_recv(rx, &got), -EAGAIN);
	close(rx);
	close(tx);
}

static void
test_icmp_echo(void **state)
{
	struct nets *n = need_nets(state);
	uint32_t src;
	uint16_t id, seq;
	(void)n;

	int fd = dhcp_icmp_open();
	assert_true(fd >= 0);
	assert_true((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(dhcp_icmp_recv_echo(fd, &src, &id, &seq), -EAGAIN);

	/* Across the veth to B. */
	assert_int_equal(dhcp_icmp_send_echo(fd, IP_B, 0x4b31, 7), 0);
	wait_in(fd);
	assert_int_equal(dhcp_icmp_recv_echo(fd, &src, &id, &seq), 0);
	assert_int_equal(src, IP_B);
	assert_int_equal(id, 0x4b31);
	assert_int_equal(seq, 7);

	/* To our own address the raw socket would first see the echo
	 * request itself; the filter keeps it out, so the reply is first. */
	assert_int_equal(dhcp_icmp_send_echo(fd, IP_A, 0x4b32, 8), 0);
	wait_in(fd);
	assert_int_equal(dhcp_icmp_recv_echo(fd, &src, &id, &seq), 0);
	assert_int_equal(src, IP_A);
	assert_int_equal(id, 0x4b32);
	assert_int_equal(seq, 8);
	assert_int_equal(dhcp_icmp_recv_echo(fd, &src, &id, &seq), -EAGAIN);

	/* Nobody at 10.77.0.9: nothing comes back (ARP fails quietly). */
	assert_int_equal(dhcp_icmp_send_echo(fd, 0x0a4d0009, 1, 1), 0);
	struct pollfd p = { fd, POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 200), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_format_parse),
		cmocka_unit_test(test_iface),
		cmocka_unit_test(test_udp_across_veth),
		cmocka_unit_test(test_arp_across_veth),
		cmocka_unit_test(test_icmp_echo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

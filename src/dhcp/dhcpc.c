/* dhcp/dhcpc.c - "inetkit dhcpc IFACE": the I/O around the client state
 * machine (dhcp/client.h). A poll loop over an AF_PACKET socket (replies
 * before we hold an address, and broadcasts), a UDP socket on port 68
 * bound to the device (unicast renewals and RELEASE), an ARP socket while
 * an offered address is probed (RFC 5227, shortened), and a signalfd.
 * Leases are applied with rtnetlink and an atomic resolv.conf, or handed
 * to a script with udhcpc's verbs and environment. Entry: dhcpc_main(). */
#include "dhcp/dhcpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/log.h"
#include "dhcp/client.h"
#include "dhcp/link.h"
#include "dhcp/netlink.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

#define RX_MAX			65536	/* a frame or datagram */
#define RX_BATCH		64	/* reads per readable socket per turn */
#define SCRIPT_TIMEOUT_MS	30000	/* then the script is killed */
#define ENV_MAX			32	/* variables we set */
#define ENV_TEXT_MAX		1024	/* one "name=value" */
#define RESOLV_MAX		2048
#define RESOLV_NS_MAX		3	/* glibc's MAXNS */
#define ARP_PROBES		2	/* RFC 5227 says 3, 1..2 s apart, */
#define ARP_INTERVAL_MS		200	/* then 2 s: shortened, as most */
#define ARP_WAIT_MS		500	/* clients do, for a quick boot */

extern char **environ;

static const uint8_t bcast_mac[DHCP_ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

struct opts {
	const char	*ifname;
	const char	*script;	/* NULL: apply ourselves */
	const char	*resolv_conf;
	bool		 once, no_apply, release, verbose;
	unsigned	 timeout_s;	/* 0: never give up */
	unsigned	 arp_probes, arp_wait_ms;
	struct dhcpc_conf conf;
};

/* The ARP check of an offered address (RFC 5227 2.1, times shortened). */
struct probe {
	bool		 active;
	uint32_t	 addr;
	unsigned	 sent;
	uint64_t	 next_at;	/* next probe, or the end of the wait */
	uint8_t		 conflict_mac[DHCP_ETH_ALEN];	/* who answered */
};

struct io {
	struct opts	 o;
	struct dhcpc	 m;
	struct dhcp_iface ifc;
	int		 pfd;		/* AF_PACKET UDP; -1 while BOUND */
	int		 ufd;		/* UDP :68; -1 if the port was taken */
	int		 afd;		/* ARP, while probing */
	int		 nlfd;		/* rtnetlink, when applying */
	int		 sfd;		/* signalfd */
	sigset_t	 old_mask;	/* for the script's process */
	uint8_t		 server_mac[DHCP_ETH_ALEN];	/* of the last reply
							 * frame; zero:
							 * unknown */
	struct probe	 probe;
	bool		 is_applied;	/* `applied` is on the interface */
	struct dhcpc_lease applied;
	bool		 has_bound;	/* a lease was bound once */
	bool		 is_done;
	int		 status;
	uint64_t	 deadline;	/* --timeout; 0: none */
	char		 resolv_last[RESOLV_MAX];
	struct arena	*a;		/* one reply; reset per packet */
	uint8_t		 rx[RX_MAX];
};

static const char usage_text[] =
    "usage: inetkit dhcpc IFACE [--once] [--script PATH | --no-apply]\n"
    "           [--resolv-conf PATH] [--release] [--request ADDR]\n"
    "           [--timeout SECONDS] [--hostname NAME] [--client-id HEX]\n"
    "           [--arp-probes N] [--arp-wait MS] [-v]\n";

/* ---- small helpers ---- */

static const char *
ip_str(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = htonl(a) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int
ip_parse(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -IK_EPARSE;
	*out = ntohl(in.s_addr);
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "01:52:54:00:12:34:56" or "01525400123456": pairs of hex digits,
 * ':' or '-' allowed between pairs. */
static int
hex_parse(const char *s, uint8_t *out, size_t cap, size_t *len_out)
{
	size_t n = 0;

	while (*s != '\0') {
		if (n > 0 && (*s == ':' || *s == '-'))
			s++;
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (n == cap || lo < 0)
			return -IK_EPARSE;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n == 0)
		return -IK_EPARSE;
	*len_out = n;
	return 0;
}

static bool
hostname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DHCPC_HOSTNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.'))
			return false;
	return true;
}

/* One line per event on stdout, as udhcpc prints its own. */
static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("dhcpc: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* ---- the script, as udhcpc runs it ---- */

struct env {
	char	*v[ENV_MAX + 1];
	char	 text[ENV_MAX][ENV_TEXT_MAX];
	size_t	 n;
};

static void
env_add(struct env *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
env_add(struct env *e, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (e->n == ENV_MAX)
		return;
	int k = snprintf(e->text[e->n], ENV_TEXT_MAX, "%s=", name);
	va_start(ap, fmt);
	int n = vsnprintf(e->text[e->n] + k, ENV_TEXT_MAX - (size_t)k, fmt,
	    ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= ENV_TEXT_MAX - (size_t)k)
		return;		/* too long: left out rather than cut */
	e->v[e->n] = e->text[e->n];
	e->n++;
}

static void
env_lease(struct env *e, const struct dhcpc_lease *l)
{
	char a[INET_ADDRSTRLEN], list[DHCPC_DNS_MAX * INET_ADDRSTRLEN];
	size_t used = 0;

	env_add(e, "ip", "%s", ip_str(l->addr, a));
	env_add(e, "subnet", "%s", ip_str(l->mask, a));
	env_add(e, "mask", "%u", l->prefix);
	env_add(e, "broadcast", "%s", ip_str(l->bcast, a));
	if (l->router != 0)
		env_add(e, "router", "%s", ip_str(l->router, a));
	for (size_t i = 0; i < l->n_dns; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s", i > 0 ? " " : "", ip_str(l->dns[i], a));
	if (l->n_dns > 0)
		env_add(e, "dns", "%s", list);
	if (l->domain[0] != '\0')
		env_add(e, "domain", "%s", l->domain);
	env_add(e, "lease", "%u", l->lease_s);
	env_add(e, "serverid", "%s", ip_str(l->server, a));
	env_add(e, "t1", "%u", l->t1_s);
	env_add(e, "t2", "%u", l->t2_s);
}

static bool
env_ours(const char *kv)
{
	static const char *const names[] = { "interface", "ip", "subnet",
	    "mask", "broadcast", "router", "dns", "domain", "lease",
	    "serverid", "t1", "t2", NULL };

	for (size_t i = 0; names[i] != NULL; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(kv, names[i], n) == 0 && kv[n] == '=')
			return true;
	}
	return false;
}

/* Runs `script verb` with the lease (if any) in the environment and
 * waits for it, at most SCRIPT_TIMEOUT_MS. */
static void
run_script(struct io *io, const char *verb, const struct dhcpc_lease *l)
{
	struct env e = { .n = 0 };
	posix_spawnattr_t attr;
	pid_t pid;

	env_add(&e, "interface", "%s", io->o.ifname);
	if (l != NULL)
		env_lease(&e, l);
	size_t n_env = 0;
	while (environ[n_env] != NULL)
		n_env++;
	char **envp = calloc(n_env + e.n + 1, sizeof(*envp));
	if (envp == NULL) {
		log_err("script %s: out of memory", verb);
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < n_env; i++)
		if (!env_ours(environ[i]))
			envp[k++] = environ[i];
	for (size_t i = 0; i < e.n; i++)
		envp[k++] = e.v[i];
	envp[k] = NULL;

	char *argv[] = { (char *)io->o.script, (char *)verb, NULL };
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &io->old_mask);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	int err = posix_spawn(&pid, io->o.script, NULL, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	free(envp);
	if (err != 0) {
		log_err("script %s %s: %s", io->o.script, verb, strerror(err));
		return;
	}
	int status;
	uint64_t until = clock_mono_ms() + SCRIPT_TIMEOUT_MS;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (clock_mono_ms() >= until) {
			log_warn("script %s %s: still running after %d ms, "
			    "killed", io->o.script, verb, SCRIPT_TIMEOUT_MS);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warn("script %s %s: exit status %d", io->o.script, verb,
		    WEXITSTATUS(status));
}

/* ---- applying a lease ourselves ---- */

static void
resolv_write(struct io *io, const struct dhcpc_lease *l)
{
	char buf[RESOLV_MAX], a[INET_ADDRSTRLEN];
	size_t used = 0;

	if (l->n_dns == 0 && l->domain[0] == '\0')
		return;
	used += (size_t)snprintf(buf, sizeof(buf),
	    "# written by inetkit dhcpc for %s\n", io->o.ifname);
	if (l->domain[0] != '\0')
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
		    "search %s\n", l->domain);
	for (size_t i = 0; i < l->n_dns && i < RESOLV_NS_MAX; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
		    "nameserver %s\n", ip_str(l->dns[i], a));
	if (used >= sizeof(buf) || strcmp(buf, io->resolv_last) == 0)
		return;
	int err = fs_write_atomic(io->o.resolv_conf, buf, used, 0644);
	if (err < 0) {
		log_err("%s: %s", io->o.resolv_conf, ik_strerror(err));
		return;
	}
	memcpy(io->resolv_last, buf, used + 1);
}

static int
lease_apply(struct io *io, const struct dhcpc_lease *l, uint64_t now)
{
	const struct dhcpc_lease *prev = io->is_applied ? &io->applied : NULL;
	char a[INET_ADDRSTRLEN];
	uint64_t gone = now > l->start_ms ? (now - l->start_ms) / 1000 : 0;
	struct dhcp_nl_addr na = { .ifindex = io->ifc.ifindex,
	    .addr = l->addr, .prefix = l->prefix, .bcast = l->bcast,
	    .valid_s = DHCP_NL_FOREVER };

	/* The kernel drops the address when the lease ends, should we
	 * die before then. */
	if (l->lease_s != DHCPC_LEASE_INFINITE)
		na.valid_s = l->lease_s > gone ? l->lease_s - (uint32_t)gone :
		    1;
	int err = dhcp_nl_addr_add(io->nlfd, &na);
	if (err < 0) {
		log_err("add %s/%u on %s: %s", ip_str(l->addr, a), l->prefix,
		    io->o.ifname, ik_strerror(err));
		return err;
	}
	if (prev != NULL && prev->router != 0 && prev->router != l->router)
		dhcp_nl_route_del(io->nlfd, io->ifc.ifindex, prev->router);
	io->is_applied = true;
	io->applied = *l;
	if (l->router != 0) {
		err = dhcp_nl_route_add(io->nlfd, io->ifc.ifindex, l->router,
		    l->addr, l->prefix);
		if (err < 0)
			log_err("default route via %s: %s",
			    ip_str(l->router, a), ik_strerror(err));
	}
	resolv_write(io, l);
	return 0;
}

static void
lease_remove(struct io *io, const struct dhcpc_lease *l)
{
	char a[INET_ADDRSTRLEN];

	if (l->router != 0)
		dhcp_nl_route_del(io->nlfd, io->ifc.ifindex, l->router);
	int err = dhcp_nl_addr_del(io->nlfd, io->ifc.ifindex, l->addr,
	    l->prefix);
	if (err < 0)
		log_err("remove %s/%u from %s: %s", ip_str(l->addr, a),
		    l->prefix, io->o.ifname, ik_strerror(err));
	io->is_applied = false;
}

/* An ARP announcement (RFC 5227 2.3) so neighbours drop stale entries. */
static void
arp_announce(struct io *io, uint32_t addr)
{
	struct dhcp_arp arp = { .op = DHCP_ARP_REQUEST, .spa = addr,
	    .tpa = addr };
	int fd = dhcp_arp_open(io->ifc.ifindex);

	if (fd < 0)
		return;
	memcpy(arp.sha, io->ifc.mac, DHCP_ETH_ALEN);
	(void)dhcp_arp_send(fd, io->ifc.ifindex, &arp);
	close(fd);
}

/* ---- sending ---- */

static int
send_raw(struct io *io, const struct dhcpc_out *out, uint32_t dst,
    const uint8_t *mac)
{
	struct dhcp_udp_meta meta = { .src = out->src, .dst = dst,
	    .sport = DHCP_CLIENT_PORT, .dport = DHCP_SERVER_PORT };
	int fd = io->pfd;
	bool is_tmp = false;

	if (fd < 0) {
		/* BOUND closes the packet socket; a RELEASE may still
		 * need one. */
		if ((fd = dhcp_link_open_udp(io->ifc.ifindex,
		    DHCP_CLIENT_PORT)) < 0)
			return fd;
		is_tmp = true;
	}
	int err = dhcp_link_send_udp(fd, io->ifc.ifindex, mac, &meta,
	    out->pkt, out->pkt_len);
	if (is_tmp)
		close(fd);
	return err;
}

static bool
holds_addr(struct io *io, uint32_t addr)
{
	if (io->is_applied)
		return true;
	/* A script (or the admin) may have put it there. */
	return dhcp_iface_refresh(&io->ifc) == 0 && io->ifc.addr == addr;
}

static void
send_out(struct io *io, const struct dhcpc_out *out)
{
	char a[INET_ADDRSTRLEN];
	int err;

	if (out->dst_kind == DHCPC_DST_BROADCAST) {
		err = send_raw(io, out, 0xffffffffu, bcast_mac);
	} else if (io->ufd >= 0 && holds_addr(io, out->src)) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = htons(DHCP_SERVER_PORT),
		    .sin_addr.s_addr = htonl(out->dst) };
		err = sendto(io->ufd, out->pkt, out->pkt_len, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
	} else {
		/* Unicast without the address on the interface (--no-apply,
		 * or a script that did not set it): a frame from ciaddr to
		 * the server's link address when we know it. */
		bool known = memcmp(io->server_mac, "\0\0\0\0\0\0", 6) != 0;
		err = send_raw(io, out, out->dst,
		    known ? io->server_mac : bcast_mac);
	}
	const char *type = dhcp_msg_type_name(out->msg_type);
	const char *to = out->dst_kind == DHCPC_DST_BROADCAST ? "broadcast" :
	    ip_str(out->dst, a);
	if (err < 0)
		log_warn("send %s to %s: %s", type, to, ik_strerror(err));
	else
		log_debug("sent %s xid=%08x to %s", type, io->m.xid, to);
}

/* ---- the machine's orders ---- */

static void probe_start(struct io *io, uint32_t addr, uint64_t now);

static void
say_lease(const char *word, const struct dhcpc_lease *l)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	if (l->lease_s == DHCPC_LEASE_INFINITE)
		say("%s %s/%u from %s lease infinite", word,
		    ip_str(l->addr, a), l->prefix, ip_str(l->server, s));
	else
		say("%s %s/%u from %s lease %us", word, ip_str(l->addr, a),
		    l->prefix, ip_str(l->server, s), l->lease_s);
}

/* Opens or closes the packet socket: replies reach a BOUND client only
 * at its address, so it is not needed there. */
static void
sockets_sync(struct io *io)
{
	bool want = io->m.state != DHCPC_ST_BOUND &&
	    io->m.state != DHCPC_ST_STOPPED;

	if (want && io->pfd < 0) {
		io->pfd = dhcp_link_open_udp(io->ifc.ifindex,
		    DHCP_CLIENT_PORT);
		if (io->pfd < 0)
			log_err("packet socket on %s: %s", io->o.ifname,
			    ik_strerror(io->pfd));
	} else if (!want && io->pfd >= 0) {
		close(io->pfd);
		io->pfd = -1;
	}
}

/* The script verb and the output line for each event. */
static void
tell(struct io *io, const struct dhcpc_out *out, bool is_script)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[18];
	const struct dhcpc_lease *old = &out->old;

	switch (out->event) {
	case DHCPC_EV_BOUND:
	case DHCPC_EV_RENEWED:
	case DHCPC_EV_REBOUND:
		say_lease(dhcpc_event_name(out->event), &out->lease);
		break;
	case DHCPC_EV_NAK:
		say("nak");
		break;
	case DHCPC_EV_DECLINED:
		say("declined %s (in use by %s)", ip_str(io->probe.addr, a),
		    dhcp_mac_format(io->probe.conflict_mac, m));
		break;
	case DHCPC_EV_EXPIRED:
		say("expired %s/%u", ip_str(old->addr, a), old->prefix);
		break;
	case DHCPC_EV_RELEASED:
		say("released %s/%u to %s", ip_str(old->addr, a), old->prefix,
		    ip_str(old->server, b));
		break;
	case DHCPC_EV_LEASEFAIL:
		say("leasefail (no lease after %u DISCOVERs)", io->m.tries);
		if (is_script)
			run_script(io, "leasefail", NULL);
		break;
	case DHCPC_EV_NONE:
	case DHCPC_EV_N:
		break;
	}
}

/* Carries out what the machine said, in an order that works: send (a
 * RELEASE leaves from the address it gives back), tell the script of a
 * NAK, remove the old lease, apply the new one, start a probe. */
static void
handle_out(struct io *io, const struct dhcpc_out *out, uint64_t now)
{
	bool is_script = io->o.script != NULL && !io->o.no_apply;
	bool is_apply = io->o.script == NULL && !io->o.no_apply;

	if (out->from != out->to)
		log_debug("state %s -> %s", dhcpc_state_name(out->from),
		    dhcpc_state_name(out->to));
	if (out->ignored != NULL)
		log_debug("reply ignored: %s", out->ignored);
	if (out->has_send)
		send_out(io, out);
	if (out->event == DHCPC_EV_NAK && is_script)
		run_script(io, "nak", NULL);	/* udhcpc: nak, deconfig */
	if (out->remove) {
		if (is_apply)
			lease_remove(io, &out->old);
		else if (is_script)
			run_script(io, "deconfig", NULL);
	}
	if (out->apply != DHCPC_APPLY_NONE) {
		const struct dhcpc_lease *l = &out->lease;
		if (is_apply) {
			if (lease_apply(io, l, now) == 0 &&
			    out->apply == DHCPC_APPLY_BOUND)
				arp_announce(io, l->addr);
		} else if (is_script) {
			run_script(io, out->apply == DHCPC_APPLY_BOUND ?
			    "bound" : "renew", l);
		}
		if (out->apply == DHCPC_APPLY_BOUND) {
			io->has_bound = true;
			if (io->o.once) {
				io->is_done = true;
				io->status = DHCPC_EXIT_OK;
			}
		}
	}
	tell(io, out, is_script);
	if (out->probe)
		probe_start(io, out->probe_addr, now);
	sockets_sync(io);
}

/* ---- the ARP check (RFC 5227 2.1) ---- */

static void
probe_finish(struct io *io, bool conflict, const uint8_t *mac,
    uint64_t now)
{
	struct dhcpc_out out;

	io->probe.active = false;
	if (io->afd >= 0) {
		close(io->afd);
		io->afd = -1;
	}
	if (conflict)
		memcpy(io->probe.conflict_mac, mac, DHCP_ETH_ALEN);
	dhcpc_on_probe(&io->m, conflict, now, &out);
	handle_out(io, &out, now);
}

static void
probe_step(struct io *io, uint64_t now)
{
	if (io->probe.sent >= io->o.arp_probes) {
		probe_finish(io, false, NULL, now);
		return;
	}
	struct dhcp_arp arp = { .op = DHCP_ARP_REQUEST,
	    .tpa = io->probe.addr };
	memcpy(arp.sha, io->ifc.mac, DHCP_ETH_ALEN);
	int err = dhcp_arp_send(io->afd, io->ifc.ifindex, &arp);
	if (err < 0)
		log_warn("ARP probe: %s", ik_strerror(err));
	io->probe.sent++;
	io->probe.next_at = now + (io->probe.sent < io->o.arp_probes ?
	    ARP_INTERVAL_MS : io->o.arp_wait_ms);
}

static void
probe_start(struct io *io, uint32_t addr, uint64_t now)
{
	io->probe = (struct probe){ .active = true, .addr = addr,
	    .next_at = now };
	if (io->o.arp_probes == 0) {
		probe_finish(io, false, NULL, now);
		return;
	}
	io->afd = dhcp_arp_open(io->ifc.ifindex);
	if (io->afd < 0) {
		char b[INET_ADDRSTRLEN];
		log_warn("ARP socket: %s; %s taken unchecked",
		    ik_strerror(io->afd), ip_str(addr, b));
		probe_finish(io, false, NULL, now);
		return;
	}
	probe_step(io, now);
}

static void
probe_read(struct io *io, uint64_t now)
{
	struct dhcp_arp arp;

	for (int i = 0; i < RX_BATCH && io->probe.active; i++) {
		int err = dhcp_arp_recv(io->afd, &arp);
		if (err == -EAGAIN)
			return;
		if (err < 0)
			continue;
		if (dhcp_arp_conflicts(&arp, io->probe.addr, io->ifc.mac)) {
			probe_finish(io, true, arp.sha, now);
			return;
		}
	}
}

/* ---- receiving ---- */

static void
got_reply(struct io *io, const uint8_t *buf, size_t len, uint32_t from,
    const uint8_t *src_mac, uint64_t now)
{
	struct dhcp_packet p;
	struct dhcpc_out out;

	arena_reset(io->a);
	int err = dhcp_packet_parse(buf, len, io->a, &p);
	if (err < 0) {
		char a[INET_ADDRSTRLEN];
		log_debug("reply from %s dropped: %s", ip_str(from, a),
		    ik_strerror(err));
		return;
	}
	enum dhcpc_state before = io->m.state;
	dhcpc_on_packet(&io->m, &p, from, now, &out);
	if (src_mac != NULL && out.ignored == NULL && before != io->m.state)
		memcpy(io->server_mac, src_mac, DHCP_ETH_ALEN);
	handle_out(io, &out, now);
}

static void
read_packet(struct io *io, uint64_t now)
{
	for (int i = 0; i < RX_BATCH && io->pfd >= 0 && !io->is_done; i++) {
		struct dhcp_udp_meta meta;
		const uint8_t *payload;
		uint8_t mac[DHCP_ETH_ALEN];
		ssize_t n = dhcp_link_recv_udp(io->pfd, io->rx, sizeof(io->rx),
		    &meta, &payload, mac);
		if (n == -EAGAIN)
			return;
		if (n == -IK_EPARSE || n == -IK_ETRUNC)
			continue;
		if (n < 0) {
			log_warn("packet socket: %s", ik_strerror((int)n));
			return;
		}
		if (meta.sport != DHCP_SERVER_PORT)
			continue;
		got_reply(io, payload, (size_t)n, meta.src, mac, now);
	}
}

static void
read_udp(struct io *io, uint64_t now)
{
	for (int i = 0; i < RX_BATCH && io->ufd >= 0 && !io->is_done; i++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		ssize_t n = recvfrom(io->ufd, io->rx, sizeof(io->rx), 0,
		    (struct sockaddr *)&sin, &sl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("udp socket: %s", strerror(errno));
			return;
		}
		got_reply(io, io->rx, (size_t)n, ntohl(sin.sin_addr.s_addr),
		    NULL, now);
	}
}

static void
read_signals(struct io *io, uint64_t now)
{
	struct signalfd_siginfo si;
	struct dhcpc_out out;

	while (read(io->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			dhcpc_renew(&io->m, now, &out);
			handle_out(io, &out, now);
			continue;
		}
		/* SIGTERM, SIGINT, SIGHUP: stop; give the lease back when
		 * asked to, else leave it configured for its lifetime. */
		if (io->o.release) {
			dhcpc_release(&io->m, now, &out);
			handle_out(io, &out, now);
		}
		io->is_done = true;
		io->status = DHCPC_EXIT_OK;
		return;
	}
}

/* ---- setup and the loop ---- */

static int
udp_open(const char *ifname)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	int on = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(DHCP_CLIENT_PORT) };

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int
io_setup(struct io *io)
{
	sigset_t mask;
	char a[INET_ADDRSTRLEN];
	int err = dhcp_iface_get(io->o.ifname, &io->ifc);

	if (err < 0) {
		log_err("%s: %s", io->o.ifname, err == -ENODEV ?
		    "no such interface" : ik_strerror(err));
		return err;
	}
	if (memcmp(io->ifc.mac, "\0\0\0\0\0\0", 6) == 0) {
		log_err("%s: no Ethernet address", io->o.ifname);
		return -ENODEV;
	}
	memcpy(io->o.conf.mac, io->ifc.mac, DHCP_ETH_ALEN);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &io->old_mask);
	signal(SIGPIPE, SIG_IGN);
	io->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (io->sfd < 0)
		return -errno;

	if (io->o.script == NULL && !io->o.no_apply) {
		if ((io->nlfd = dhcp_nl_open()) < 0) {
			log_err("netlink: %s", ik_strerror(io->nlfd));
			return io->nlfd;
		}
		/* As udhcpc's default script on "deconfig": the interface
		 * up, without IPv4 addresses, before we ask. */
		if ((err = dhcp_nl_link_up(io->nlfd, io->ifc.ifindex)) < 0)
			log_warn("%s up: %s", io->o.ifname, ik_strerror(err));
		if ((err = dhcp_nl_addr_flush(io->nlfd, io->ifc.ifindex)) < 0)
			log_warn("%s flush: %s", io->o.ifname,
			    ik_strerror(err));
	} else if (io->o.script != NULL && !io->o.no_apply) {
		run_script(io, "deconfig", NULL);
	}

	io->ufd = udp_open(io->o.ifname);
	if (io->ufd < 0)
		log_warn("udp port %d on %s: %s; renewals go out as frames",
		    DHCP_CLIENT_PORT, io->o.ifname, ik_strerror(io->ufd));
	io->pfd = dhcp_link_open_udp(io->ifc.ifindex, DHCP_CLIENT_PORT);
	if (io->pfd < 0) {
		log_err("packet socket on %s: %s", io->o.ifname,
		    ik_strerror(io->pfd));
		return io->pfd;
	}
	if ((io->a = arena_new(16384)) == NULL)
		return -ENOMEM;

	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = clock_mono_ms() ^ (uint64_t)getpid() << 32;
	for (int i = 0; i < DHCP_ETH_ALEN; i++)
		seed ^= (uint64_t)io->ifc.mac[i] << (8 * i);
	dhcpc_init(&io->m, &io->o.conf, seed);
	log_debug("%s ifindex=%d mac=%s addr=%s", io->o.ifname,
	    io->ifc.ifindex, dhcp_mac_format(io->ifc.mac, (char[18]){ 0 }),
	    ip_str(io->ifc.addr, a));
	return 0;
}

static void
io_close(struct io *io)
{
	int *fds[] = { &io->pfd, &io->ufd, &io->afd, &io->nlfd, &io->sfd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	arena_free(&io->a);
}

static int
poll_timeout(const struct io *io, uint64_t now)
{
	uint64_t d = UINT64_MAX;

	if (io->m.timer_at != 0 && io->m.timer_at < d)
		d = io->m.timer_at;
	if (io->probe.active && io->probe.next_at < d)
		d = io->probe.next_at;
	if (io->deadline != 0 && !io->has_bound && io->deadline < d)
		d = io->deadline;
	if (d == UINT64_MAX)
		return -1;
	if (d <= now)
		return 0;
	return d - now > INT_MAX ? INT_MAX : (int)(d - now);
}

static void
run_timers(struct io *io, uint64_t now)
{
	struct dhcpc_out out;

	if (io->probe.active && now >= io->probe.next_at)
		probe_step(io, now);
	if (io->is_done)
		return;
	if (io->m.timer_at != 0 && now >= io->m.timer_at) {
		dhcpc_on_timer(&io->m, now, &out);
		handle_out(io, &out, now);
	}
	if (io->deadline != 0 && !io->has_bound && now >= io->deadline &&
	    !io->is_done) {
		say("no lease within %us, giving up", io->o.timeout_s);
		io->is_done = true;
		io->status = DHCPC_EXIT_FAIL;
	}
}

static int
io_run(struct io *io)
{
	struct dhcpc_out out;
	uint64_t now = clock_mono_ms();

	if (io->o.timeout_s > 0)
		io->deadline = now + (uint64_t)io->o.timeout_s * 1000;
	dhcpc_start(&io->m, now, &out);
	handle_out(io, &out, now);
	while (!io->is_done) {
		struct pollfd pf[4];
		nfds_t n = 0;
		pf[n++] = (struct pollfd){ .fd = io->sfd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = io->pfd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = io->ufd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = io->afd, .events = POLLIN };
		/* Negative fds are ignored by poll(). */
		int r = poll(pf, n, poll_timeout(io, clock_mono_ms()));
		if (r < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return DHCPC_EXIT_FAIL;
		}
		now = clock_mono_ms();
		if (r > 0 && (pf[0].revents & POLLIN))
			read_signals(io, now);
		if (r > 0 && !io->is_done && pf[3].revents != 0 &&
		    io->afd >= 0)
			probe_read(io, now);
		if (r > 0 && !io->is_done && pf[1].revents != 0)
			read_packet(io, now);
		if (r > 0 && !io->is_done && pf[2].revents != 0)
			read_udp(io, now);
		if (!io->is_done)
			run_timers(io, clock_mono_ms());
	}
	return io->status;
}

/* ---- arguments ---- */

enum { OPT_SCRIPT = 256, OPT_NO_APPLY, OPT_RESOLV, OPT_RELEASE,
	OPT_REQUEST, OPT_TIMEOUT, OPT_HOSTNAME, OPT_CID, OPT_ONCE,
	OPT_ARP_PROBES, OPT_ARP_WAIT };

static const struct option long_opts[] = {
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "script", required_argument, NULL, OPT_SCRIPT },
	{ "no-apply", no_argument, NULL, OPT_NO_APPLY },
	{ "resolv-conf", required_argument, NULL, OPT_RESOLV },
	{ "release", no_argument, NULL, OPT_RELEASE },
	{ "request", required_argument, NULL, OPT_REQUEST },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "client-id", required_argument, NULL, OPT_CID },
	{ "arp-probes", required_argument, NULL, OPT_ARP_PROBES },
	{ "arp-wait", required_argument, NULL, OPT_ARP_WAIT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int
uint_arg(const char *s, unsigned max, unsigned *out)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -IK_EPARSE;
	*out = (unsigned)v;
	return 0;
}

#define ARGS_HELP	(-1)

/* Returns 0, ARGS_HELP, or a DHCPC_EXIT_* status to leave with. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int ch, idx = 0;

	memset(o, 0, sizeof(*o));
	dhcpc_conf_init(&o->conf);
	o->resolv_conf = "/etc/resolv.conf";
	o->arp_probes = ARP_PROBES;
	o->arp_wait_ms = ARP_WAIT_MS;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", long_opts, &idx)) != -1) {
		int err = 0;
		switch (ch) {
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_SCRIPT:
			o->script = optarg;
			break;
		case OPT_NO_APPLY:
			o->no_apply = true;
			break;
		case OPT_RESOLV:
			o->resolv_conf = optarg;
			break;
		case OPT_RELEASE:
			o->release = true;
			break;
		case OPT_REQUEST:
			err = ip_parse(optarg, &o->conf.request_addr);
			break;
		case OPT_TIMEOUT:
			err = uint_arg(optarg, 86400 * 365, &o->timeout_s);
			break;
		case OPT_HOSTNAME:
			if (!hostname_ok(optarg))
				err = -IK_EPARSE;
			else
				memcpy(o->conf.hostname, optarg,
				    strlen(optarg) + 1);
			break;
		case OPT_CID:
			err = hex_parse(optarg, o->conf.client_id,
			    sizeof(o->conf.client_id),
			    &o->conf.client_id_len);
			break;
		case OPT_ARP_PROBES:
			err = uint_arg(optarg, 10, &o->arp_probes);
			break;
		case OPT_ARP_WAIT:
			err = uint_arg(optarg, 10000, &o->arp_wait_ms);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return ARGS_HELP;
		default:
			fputs(usage_text, stderr);
			return DHCPC_EXIT_USAGE;
		}
		if (err < 0) {
			fprintf(stderr, "inetkit dhcpc: bad value for --%s: "
			    "\"%s\"\n", long_opts[idx].name, optarg);
			return DHCPC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return DHCPC_EXIT_USAGE;
	}
	o->ifname = argv[optind];
	o->conf.probe = o->arp_probes > 0;
	return 0;
}

int
dhcpc_main(int argc, char **argv)
{
	struct io *io = calloc(1, sizeof(*io));
	int status;

	if (io == NULL) {
		fprintf(stderr, "inetkit dhcpc: out of memory\n");
		return DHCPC_EXIT_FAIL;
	}
	io->pfd = io->ufd = io->afd = io->nlfd = io->sfd = -1;
	status = parse_args(argc, argv, &io->o);
	if (status != 0) {
		status = status == ARGS_HELP ? DHCPC_EXIT_OK : status;
		goto out;
	}
	log_init("dhcpc", io->o.verbose ? LOG_LV_DEBUG : LOG_LV_INFO);
	status = DHCPC_EXIT_FAIL;
	if (io_setup(io) < 0)
		goto out;
	status = io_run(io);
out:
	io_close(io);
	free(io);
	return status;
}

/* cli/services.c - the registry: every service inetkit knows, built or
 * still to come. A service not built yet has a section with just its
 * switch and listeners, so the default config can carry it disabled and
 * enabling it later is a one-line change; enabling it now is an error
 * naming its issue. */
#include <stddef.h>
#include <sys/socket.h>

#include "core/svc.h"
#include "dhcp/relay_service.h"
#include "dhcp/service.h"
#include "dns/service.h"
#include "echo/echo.h"
#include "ftp/service.h"

/* A planned service's section: "enabled" and its listeners. */
struct planned_conf {
	struct svc_conf		 base;
	struct net_addrs	 listen;
	struct net_addrs	 listen2;
};

#define OFF(f)	offsetof(struct planned_conf, f)
#define PLANNED_KEYS(name, addr, port)					\
static const struct cfg_key name##_keys[] = {				\
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,		\
	    "run this service" },					\
	{ "listen", CFG_ADDRPORTS, OFF(listen), addr, port, 0,		\
	    "addresses to listen on" },					\
	{ 0 },								\
};									\
static const struct cfg_section name##_section = {			\
	#name, 0, sizeof(struct planned_conf), name##_keys, NULL,	\
}

PLANNED_KEYS(pop3, "127.0.0.1:1110", 110);
PLANNED_KEYS(imap, "127.0.0.1:1143", 143);
PLANNED_KEYS(webmail, "127.0.0.1:8080", 80);

static const struct cfg_key smtp_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "listen", CFG_ADDRPORTS, OFF(listen), "127.0.0.1:2525", 25,
	    0, "addresses for mail from other servers" },
	{ "submission", CFG_ADDRPORTS, OFF(listen2), "127.0.0.1:2587", 587,
	    0, "addresses for mail from users (AUTH)" },
	{ 0 },
};
static const struct cfg_section smtp_section = {
	"smtp", 0, sizeof(struct planned_conf), smtp_keys, NULL,
};

#undef OFF

static const struct svc_def planned[] = {
	{ .name = "smtp", .summary = "SMTP server with a durable queue",
	    .sec = &smtp_section, .issue = "(mail)" },
	{ .name = "pop3", .summary = "POP3 server",
	    .sec = &pop3_section, .issue = "(mail)" },
	{ .name = "imap", .summary = "IMAP server",
	    .sec = &imap_section, .issue = "(mail)" },
	{ .name = "webmail", .summary = "webmail over HTTP",
	    .sec = &webmail_section, .issue = "(mail)" },
};

const struct svc_def *const *
svc_registry(void)
{
	static const struct svc_def *const reg[] = {
		&dns_svc,
		&dhcp_svc,
		&dhcrelay_svc,
		&echo_svc,
		&ftp_svc,
		&planned[0], &planned[1], &planned[2], &planned[3],
		NULL,
	};
	return reg;
}

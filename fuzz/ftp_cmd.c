/* fuzz/ftp_cmd.c - the FTP server's command line codecs on one line of
 * input: Telnet stripping, the verb split, every argument grammar, virtual
 * path normalisation, PORT/EPRT/PASV/EPSV texts, and TYPE A conversion.
 * Checks: stripping never grows a line; a normalised path is absolute,
 * clean (no "//", "." or ".." components) and a fixed point; whatever
 * PORT/EPRT parse formats and parses back to the same address; ASCII
 * conversion round-trips local text. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "ftp/addr.h"
#include "ftp/ascii.h"
#include "ftp/cmd.h"
#include "ftp/path.h"

#define FUZZ_LINE_MAX	4096

static void
check_path(const char *cwd, const char *arg)
{
	char out[FTP_PATH_MAX], again[FTP_PATH_MAX];
	ssize_t n = ftp_path_resolve(cwd, arg, out, sizeof(out));

	if (n < 0)
		return;
	if ((size_t)n != strlen(out) || out[0] != '/')
		abort();
	if (n > 1 && out[n - 1] == '/')
		abort();
	if (strstr(out, "//") != NULL || strstr(out, "/./") != NULL ||
	    strstr(out, "/../") != NULL)
		abort();
	if ((n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
		abort();
	/* Normalised is final: from anywhere, it names itself. */
	if (ftp_path_resolve("/elsewhere", out, again, sizeof(again)) != n ||
	    strcmp(out, again) != 0)
		abort();
	/* And may serve as a cwd. */
	(void)ftp_path_resolve(out, arg, again, sizeof(again));
	(void)ftp_path_rel(out);
	(void)ftp_path_base(out);
}

static void
check_addr(const char *arg)
{
	struct net_addr a, b;
	char buf[128];
	unsigned port;

	if (ftp_port_parse(arg, &a) == 0) {
		if (ftp_port_format(&a, buf, sizeof(buf)) < 0 ||
		    ftp_port_parse(buf, &b) != 0 ||
		    !net_addr_same_ip(&a, &b) ||
		    net_addr_port(&a) != net_addr_port(&b))
			abort();
	}
	if (ftp_eprt_parse(arg, &a) == 0) {
		if (ftp_eprt_format(&a, buf, sizeof(buf)) < 0 ||
		    ftp_eprt_parse(buf, &b) != 0 ||
		    !net_addr_same_ip(&a, &b) ||
		    net_addr_port(&a) != net_addr_port(&b))
			abort();
	}
	if (ftp_pasv_reply_parse(arg, &a) == 0 &&
	    ftp_port_format(&a, buf, sizeof(buf)) < 0)
		abort();
	if (ftp_epsv_reply_parse(arg, &port) == 0 &&
	    (port == 0 || port > 65535))
		abort();
}

static void
check_args(const char *verb, const char *args)
{
	enum ftp_type t;
	uint64_t off;
	mode_t mode;
	const char *path;
	bool all;
	char buf[128];

	(void)ftp_type_parse(args, &t);
	(void)ftp_mode_parse(args);
	(void)ftp_stru_parse(args);
	if (ftp_rest_parse(args, &off) == 0 && off > (uint64_t)INT64_MAX)
		abort();
	if (ftp_chmod_parse(args, &mode, &path) == 0 &&
	    (mode > 0777 || path[0] == '\0'))
		abort();
	ftp_list_args(args, &path, &all);
	if (path < args || path > args + strlen(args))
		abort();
	unsigned on = ftp_mlst_opts_parse(args);
	if ((on & ~(unsigned)FTP_FACT_ALL) != 0 ||
	    ftp_mlst_facts_format(on, buf, sizeof(buf)) < 0)
		abort();
	if (ftp_quote_path(args, buf, sizeof(buf)) >= (ssize_t)sizeof(buf))
		abort();
	check_path("/", args);
	check_path("/a/b", path);
	check_addr(args);
	(void)verb;
}

static void
check_ascii(const uint8_t *data, size_t len)
{
	char *net = malloc(2 * len + 1), *back = malloc(2 * len + 2);
	struct ftp_ascii a = { 0 }, b = { 0 };

	if (net == NULL || back == NULL)
		abort();
	size_t n = ftp_ascii_to_net(&a, (const char *)data, len, net);
	size_t m = ftp_ascii_from_net(&b, net, n, back);
	m += ftp_ascii_from_net_end(&b, back + m);
	/* Local text with no CR before an LF survives the round trip. */
	bool plain = true;
	for (size_t i = 0; i + 1 < len; i++)
		if (data[i] == '\r' && data[i + 1] == '\n')
			plain = false;
	if (plain && (m != len || memcmp(back, data, len) != 0))
		abort();
	free(net);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char line[FUZZ_LINE_MAX + 1], verb[FTP_VERB_MAX + 1];
	const char *args;

	if (len > FUZZ_LINE_MAX)
		return 0;
	check_ascii(data, len);
	memcpy(line, data, len);
	line[len] = '\0';
	size_t n = ftp_telnet_strip(line, len);
	if (n > len || line[n] != '\0')
		abort();
	/* line.c hands over NUL-free lines only. */
	if (memchr(line, '\0', n) != NULL)
		return 0;
	if (ftp_cmd_split(line, verb, &args) < 0)
		return 0;
	if (strlen(verb) > FTP_VERB_MAX)
		abort();
	check_args(verb, args);
	return 0;
}

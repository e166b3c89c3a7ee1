/* core/log.c - one line per event to stderr, "SERVICE LEVEL message".
 * The only process-wide state is the service name and minimum level, set
 * once before serving; each line goes out in a single write(2). */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/err.h"

#define LOG_LINE_MAX	2048

static char log_service[16] = "inetkit";
static enum log_level log_min = LOG_LV_INFO;

static const char *const level_names[] = {
	[LOG_LV_DEBUG] = "debug",
	[LOG_LV_INFO] = "info",
	[LOG_LV_WARN] = "warn",
	[LOG_LV_ERR] = "error",
};

void
log_init(const char *service, enum log_level min)
{
	snprintf(log_service, sizeof(log_service), "%s", service);
	log_min = min;
}

void
log_set_level(enum log_level min)
{
	log_min = min;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	    i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -IK_EPARSE;
}

const char *
log_level_name(enum log_level lv)
{
	if ((unsigned)lv > LOG_LV_ERR)
		return "?";
	return level_names[lv];
}

static void __attribute__((format(printf, 2, 0)))
log_vmsg(enum log_level lv, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved = errno;

	if (lv < log_min)
		return;
	int n = snprintf(line, sizeof(line), "%s %s ", log_service,
	    log_level_name(lv));
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = (size_t)n;
	if (m > 0)
		len += (size_t)m;
	if (len > sizeof(line) - 2) {
		/* Cut long lines visibly rather than silently. */
		len = sizeof(line) - 2;
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	/* One write so lines from several processes do not interleave. */
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
	errno = saved;
}

void
log_msg(enum log_level lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lv, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LV_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LV_INFO, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LV_WARN, fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LV_ERR, fmt, ap);
	va_end(ap);
}

const char *
log_esc(const char *s, size_t len, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, need = 0;

	if (cap < 8) {
		if (cap > 0)
			buf[0] = '\0';
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		need += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? 1 : 4;
	}
	/* Room for "..." is kept only when the whole text cannot fit. */
	size_t room = need <= cap - 1 ? cap - 1 : cap - 4;
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
		if (o + (plain ? 1 : 4) > room)
			break;
		if (plain) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}
